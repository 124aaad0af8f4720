"""What the portal's pages show beyond the API's answers: the stored datasets a record names by
URI (the services serving a dataset, the datasets a service serves), so that a page can link to
them, and what lowers a dataset's quality score."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from catalog import ids
from catalog.chunks import chunked
from catalog.errors import NotFound
from catalog.quality import rules
from catalog.records import DatasetRecord
from catalog.store.runs import decode
from catalog.store.tables import DS


def by_uri(engine: Engine, uris: list[str]) -> dict[str, dict[str, Any]]:
    """The stored datasets among ``uris``: URI -> id, title, type and status.

    A dataset with a URI has the id derived from it (catalog.ids), so the lookup goes by the
    indexed id rather than by the URI column, which has no index.
    """
    wanted = {ids.dataset_id(DatasetRecord(uri=uri), ""): uri for uri in dict.fromkeys(uris) if uri}
    found: dict[str, dict[str, Any]] = {}
    with engine.connect() as conn:
        for batch in chunked(list(wanted), 500):
            for r in conn.execute(select(DS.c.id, DS.c.uri, DS.c.title, DS.c.kind, DS.c.status)
                                  .where(DS.c.id.in_(batch))):
                if r.uri == wanted[r.id]:
                    found[r.uri] = {"id": r.id, "title": r.title or None, "type": r.kind, "status": r.status}
    return found


def score_gaps(engine: Engine, dataset_id: str) -> list[dict[str, Any]]:
    """The score criteria a dataset misses in full or in part, the costliest first: criterion,
    dimension, and the points of the 0–100 score it misses by them."""
    with engine.connect() as conn:
        row = conn.execute(select(DS.c.record, DS.c.violations).where(DS.c.id == dataset_id)).first()
    if row is None:
        raise NotFound(f"no dataset {dataset_id!r}")
    rec = DatasetRecord.from_dict(decode(row.record))
    parts = rules.score_parts(rec, mandatory=decode(row.violations) or [])
    gaps = [{"criterion": p.criterion, "dimension": p.dimension,
             "missed": round((p.possible - p.earned) * 100 / rules.MAX_POINTS, 1)}
            for p in parts if p.earned < p.possible]
    return sorted(gaps, key=lambda g: -g["missed"])
