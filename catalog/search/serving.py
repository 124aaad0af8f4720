"""Datasets and the data services (APIs) serving them, shown together.

A service names the datasets it serves (dcat:servesDataset, ``serves_datasets``); a dataset may name
the services serving it (``served_by``). :class:`ServiceLinks` reads the first direction once per
catalogue generation — only the data services' records, a small part of a catalogue — so that a
search can list each API once (``collapse=services``: a service serving exactly one stored dataset
folds into that dataset) and a result can carry its services. :func:`services_of` adds, for a page
of results, the services their own records name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
from sqlalchemy import Connection, Engine, select

from catalog import ids
from catalog.chunks import chunked
from catalog.records import DatasetRecord, display_text
from catalog.search.term_index import locate
from catalog.store.tables import DS

CHUNK = 500


def dataset_id_of(uri: str) -> str:
    """The stored id of the dataset (or service) with this IRI (ids derive from the IRI)."""
    return ids.dataset_id(DatasetRecord(uri=uri), "")


def documentation(rec: DatasetRecord) -> list[str]:
    """Documentation pages and endpoint descriptions (an OpenAPI document …), each once."""
    return list(dict.fromkeys([*rec.documentation, *rec.endpoint_descriptions]))


@dataclass(slots=True)
class ServiceLinks:
    """Which stored services serve which stored datasets, by primary key, for one generation."""

    generation: int
    services_of: dict[int, list[int]]  # dataset pk -> the pks of the services naming it
    # a service serving exactly one stored dataset, and that dataset: positions in the facet index
    fold_services: np.ndarray
    fold_datasets: np.ndarray


def build(engine: Engine, generation: int, index_pks: np.ndarray) -> ServiceLinks:
    """Read every data service's ``serves_datasets`` and find the datasets stored under them."""
    served: dict[int, list[str]] = {}
    with engine.connect() as conn:
        for pk, raw in conn.execute(select(DS.c.pk, DS.c.record).where(DS.c.kind == "dataservice")):
            uris = (orjson.loads(raw) or {}).get("serves_datasets") if raw else None
            if uris:
                served[pk] = [dataset_id_of(u) for u in dict.fromkeys(uris) if isinstance(u, str)]
        wanted = sorted({d for ds in served.values() for d in ds})
        stored: dict[str, int] = {}
        for chunk in chunked(wanted, CHUNK):
            stored.update({r.id: r.pk for r in conn.execute(select(DS.c.id, DS.c.pk).where(DS.c.id.in_(chunk)))})
    services_of: dict[int, list[int]] = {}
    fold: list[tuple[int, int]] = []
    for service, dataset_ids in served.items():
        datasets = list(dict.fromkeys(stored[d] for d in dataset_ids if d in stored and stored[d] != service))
        for pk in datasets:
            services_of.setdefault(pk, []).append(service)
        if len(datasets) == 1:
            fold.append((service, datasets[0]))
    pairs = np.array(fold, dtype=np.int64).reshape(-1, 2)
    svc, svc_ok = locate(index_pks, pairs[:, 0])
    dst, dst_ok = locate(index_pks, pairs[:, 1])
    ok = svc_ok & dst_ok  # both in the index the positions refer to
    return ServiceLinks(generation=generation, services_of=services_of, fold_services=svc[ok],
                        fold_datasets=dst[ok])


def collapse(links: ServiceLinks, final: np.ndarray) -> np.ndarray:
    """``final`` without the services that fold into a dataset that is itself in it."""
    if not len(links.fold_services):
        return final
    drop = final[links.fold_services] & final[links.fold_datasets]
    if not drop.any():
        return final
    out = final.copy()
    out[links.fold_services[drop]] = False
    return out


def services_of(conn: Connection, links: ServiceLinks | None,
                items: Iterable[tuple[int, DatasetRecord]]) -> dict[int, list[dict[str, Any]]]:
    """For each (pk, record) of a page: the stored services serving it — those naming it and those
    its own record names — with their title, endpoint URLs and documentation."""
    wanted: dict[int, list[str | int]] = {}
    for pk, rec in items:
        refs: list[str | int] = [*(links.services_of.get(pk, []) if links else []),
                                 *(dataset_id_of(u) for u in rec.served_by)]
        if refs:
            wanted[pk] = list(dict.fromkeys(refs))
    if not wanted:
        return {}
    by_pk = {r for refs in wanted.values() for r in refs if isinstance(r, int)}
    by_id = {r for refs in wanted.values() for r in refs if isinstance(r, str)}
    found: dict[int | str, dict[str, Any]] = {}
    cols = (DS.c.pk, DS.c.id, DS.c.title, DS.c.status, DS.c.record)
    for chunk in chunked(sorted(by_pk), CHUNK):
        for row in conn.execute(select(*cols).where(DS.c.pk.in_(chunk), DS.c.kind == "dataservice")):
            found[row.pk] = found[row.id] = _service(row)
    missing = sorted(i for i in by_id if i not in found)
    for id_chunk in chunked(missing, CHUNK):
        for row in conn.execute(select(*cols).where(DS.c.id.in_(id_chunk), DS.c.kind == "dataservice")):
            found[row.pk] = found[row.id] = _service(row)
    out: dict[int, list[dict[str, Any]]] = {}
    for pk, refs in wanted.items():
        seen: dict[str, dict[str, Any]] = {}
        for ref in refs:
            service = found.get(ref)
            if service is not None:
                seen.setdefault(service["id"], service)
        if seen:
            out[pk] = list(seen.values())
    return out


def _service(row: Any) -> dict[str, Any]:
    rec = DatasetRecord.from_dict(orjson.loads(row.record))
    return {"id": row.id, "title": row.title or display_text(rec.title), "endpoint_urls": rec.endpoint_urls,
            "documentation": documentation(rec), "status": row.status}


def endpoints(rec: DatasetRecord, services: Sequence[dict[str, Any]]) -> list[str]:
    """A service's own endpoint URLs; for a dataset, those of the services serving it."""
    urls = list(rec.endpoint_urls)
    for service in services:
        urls += service["endpoint_urls"]
    return list(dict.fromkeys(urls))
