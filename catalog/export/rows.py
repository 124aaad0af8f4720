"""Stored datasets read for export, and the fields every export format shares.

:func:`iter_items` reads the datasets of an ordered list of primary keys a batch at a time (a
connection per batch); :func:`table_row` is a dataset as a row of CSV or XLSX (``COLUMNS``);
:func:`json_item` as an element of a JSON export or a list.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from catalog import vocab
from catalog.chunks import chunked
from catalog.quality import hvd
from catalog.records import DatasetRecord, display_text
from catalog.search import serving
from catalog.search.searcher import searcher_for
from catalog.store.prepared import access_value
from catalog.store.runs import DS, decode
from catalog.store.tables import PUB, SRC

BATCH = 500
# the columns after catalogue_url came later: added at the end, so that a reader taking columns by
# position keeps working (type … contact: issue 13; the high-value dataset facts: issue 14)
COLUMNS = ("id", "title", "description", "publisher", "themes", "keywords", "formats", "licence", "access",
           "landing_page", "download_urls", "access_urls", "modified", "status", "catalogue_url",
           "type", "endpoint", "documentation", "contact", "hvd_categories", "applicable_legislation")
# the access facet's values as the exports word them
ACCESS_LABELS = {"open": "open", "restricted": "API key / restricted", "non-public": "not public"}


@dataclass(slots=True)
class Item:
    """One stored dataset, read for export."""

    row: Any
    rec: DatasetRecord
    publisher_name: str | None
    source_name: str | None
    services: list[dict[str, Any]] = field(default_factory=list)  # the data services serving it


def iter_items(engine: Engine, pks: Sequence[int], batch: int | None = None) -> Iterator[list[Item]]:
    """The datasets of ``pks`` in that order, a batch at a time (pks no longer stored are skipped)."""
    batch = batch or BATCH
    links = searcher_for(engine).links()
    with engine.connect() as conn:
        sources: dict[int, str] = {r[0]: r[1] for r in conn.execute(select(SRC.c.id, SRC.c.name))}
    for chunk in chunked(pks, batch):
        # a connection per batch: a long download must not pin one read transaction for minutes
        with engine.connect() as conn:
            rows = conn.execute(select(
                DS.c.pk, DS.c.id, DS.c.uri, DS.c.kind, DS.c.title, DS.c.record, DS.c.status, DS.c.quality_score,
                DS.c.valid, DS.c.modified, DS.c.publisher_id, DS.c.source_id, DS.c.withdrawn_at, DS.c.first_seen_at,
                DS.c.updated_at,
            ).where(DS.c.pk.in_(chunk))).all()
            pub_ids = {r.publisher_id for r in rows if r.publisher_id}
            pubs: dict[str, str] = {}
            if pub_ids:
                pubs = {r[0]: r[1] for r in conn.execute(select(PUB.c.id, PUB.c.name).where(PUB.c.id.in_(pub_ids)))}
            recs = {r.pk: DatasetRecord.from_dict(decode(r.record)) for r in rows}
            services = serving.services_of(conn, links, recs.items())
        by_pk = {r.pk: r for r in rows}
        items = []
        for pk in chunk:
            row = by_pk.get(pk)
            if row is None:
                continue
            rec = recs[pk]
            items.append(Item(row, rec, pubs.get(row.publisher_id or "") or display_text(
                rec.publisher.name if rec.publisher else None), sources.get(row.source_id), services.get(pk, [])))
        yield items


def access_label(rec: DatasetRecord) -> str:
    """open / API key / restricted / not public (no stated access rights counts as open)."""
    value = access_value(rec)
    if value is None:
        return "open"
    return ACCESS_LABELS.get(value, value)


def links(rec: DatasetRecord) -> dict[str, list[str]]:
    """Landing pages, download URLs and access URLs (API endpoints included), each without repeats."""
    downloads: dict[str, None] = {}
    access: dict[str, None] = {}
    for dist in rec.distributions:
        for url in dist.download_urls:
            downloads.setdefault(url, None)
        for url in dist.access_urls:
            access.setdefault(url, None)
    for url in rec.endpoint_urls:
        access.setdefault(url, None)
    return {"landing_pages": list(dict.fromkeys(rec.landing_pages)), "download_urls": list(downloads),
            "access_urls": [u for u in access if u not in downloads]}


def catalogue_url(base_url: str, dataset_id: str) -> str:
    return f"{base_url.rstrip('/')}/api/datasets/{dataset_id}"


def licence_text(rec: DatasetRecord) -> str:
    licences = rec.licenses()
    if not licences:
        return ""
    code = vocab.licence_code(licences[0]) or licences[0]
    return code


def withdrawn_note(item: Item) -> str | None:
    if item.row.status != "withdrawn":
        return None
    when = item.row.withdrawn_at
    since = f" on {when:%Y-%m-%d}" if isinstance(when, datetime) else ""
    return f"Withdrawn: its source stopped listing this dataset{since}; the links may no longer work."


def contact_text(rec: DatasetRecord) -> str:
    """Each contact point as "name <e-mail> telephone URL", separated by "; "."""
    out = []
    for c in rec.contact_points:
        email = (c.email or "").removeprefix("mailto:")
        parts = [c.name or "", f"<{email}>" if email else "", (c.phone or "").removeprefix("tel:"), c.url or ""]
        text = " ".join(p for p in parts if p)
        if text:
            out.append(text)
    return "; ".join(dict.fromkeys(out))


def documentation_urls(item: Item) -> list[str]:
    """The record's own documentation, then that of the services serving it."""
    urls = serving.documentation(item.rec)
    for service in item.services:
        urls += service["documentation"]
    return list(dict.fromkeys(urls))


def table_row(item: Item, base_url: str) -> list[str]:
    rec = item.rec
    ln = links(rec)
    themes = [vocab.themes().label(vocab.theme_code(t) or t) for t in rec.themes]
    return [
        item.row.id, item.row.title or "", display_text(rec.description) or "", item.publisher_name or "",
        "; ".join(themes), "; ".join(rec.all_keywords()), "; ".join(rec.formats()), licence_text(rec),
        access_label(rec), ln["landing_pages"][0] if ln["landing_pages"] else "", " ".join(ln["download_urls"]),
        " ".join(ln["access_urls"]), item.row.modified or "", item.row.status,
        catalogue_url(base_url, item.row.id),
        item.row.kind, " ".join(serving.endpoints(rec, item.services)), " ".join(documentation_urls(item)),
        contact_text(rec),
        "; ".join(hvd_categories(rec)), " ".join(hvd.legislation(rec)),
    ]


def hvd_categories(rec: DatasetRecord) -> list[str]:
    """The record's high-value dataset categories as codes (c_164e0bf5), the facet's values."""
    return [vocab.hvd_category_code(iri) or iri for iri in hvd.categories(rec)]


def json_item(item: Item, base_url: str) -> dict[str, Any]:
    """A search summary (the fields of /api/datasets items) with the dataset's links."""
    # imported here: the summary's shape is the search service's, and that service imports this module
    from catalog.services.datasets import summary

    pubs = {item.row.publisher_id: item.publisher_name} if item.row.publisher_id and item.publisher_name else {}
    data = summary(item.row, pubs, {item.row.source_id: item.source_name} if item.source_name else {},
                   item.services, item.rec)
    data["access_label"] = access_label(item.rec)
    data["hvd"] = {"categories": hvd_categories(item.rec), "legislation": hvd.legislation(item.rec)}
    data["links"] = {**links(item.rec), "catalogue": catalogue_url(base_url, item.row.id)}
    note = withdrawn_note(item)
    if note:
        data["note"] = note
    return data
