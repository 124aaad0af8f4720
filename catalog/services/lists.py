"""Curated dataset lists: anyone may make one; whoever holds its edit token may change it.

The edit token is shown once, when the list is made; only its SHA-256 is stored, and tokens are
compared in constant time. A list names datasets by their stable ids, so a dataset that is
re-harvested keeps its place, and one that is withdrawn stays in the list with a note saying so.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from catalog.chunks import chunked
from catalog.errors import InvalidInput, NotFound, Unauthorized
from catalog.export.writers import (
    Export,
    ExportDoc,
    Item,
    check_format,
    filename,
    iter_items,
    json_item,
    media_type,
    stream,
)
from catalog.normalise import iso
from catalog.store import runs
from catalog.store.runs import DS
from catalog.store.tables import DatasetList, DatasetListItem, utcnow

LIST = DatasetList.__table__  # type: ignore[attr-defined]
ITEM = DatasetListItem.__table__  # type: ignore[attr-defined]

MAX_TITLE = 200
MAX_DESCRIPTION = 5000
MAX_DATASETS = 1000


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _validate(engine: Engine, *, title: str | None, description: str | None,
              dataset_ids: Sequence[str] | None) -> tuple[str | None, str | None, list[str] | None]:
    if title is not None:
        title = title.strip()
        if not 1 <= len(title) <= MAX_TITLE:
            raise InvalidInput(f"title: 1 to {MAX_TITLE} characters")
    if description is not None:
        description = description.strip()
        if len(description) > MAX_DESCRIPTION:
            raise InvalidInput(f"description: at most {MAX_DESCRIPTION} characters")
    ids: list[str] | None = None
    if dataset_ids is not None:
        ids = list(dict.fromkeys(d.strip() for d in dataset_ids if d and d.strip()))
        if len(ids) > MAX_DATASETS:
            raise InvalidInput(f"dataset_ids: at most {MAX_DATASETS} datasets in a list")
        known: set[str] = set()
        with engine.connect() as conn:
            for batch in chunked(ids, runs.CHUNK):
                known.update(conn.execute(select(DS.c.id).where(DS.c.id.in_(batch))).scalars())
        unknown = [d for d in ids if d not in known]
        if unknown:
            raise InvalidInput(f"dataset_ids: no such datasets: {', '.join(unknown)}")
    return title, description, ids


def create_list(engine: Engine, *, title: str, description: str = "", dataset_ids: Sequence[str] = (),
                base_url: str) -> dict[str, Any]:
    """Make a list; the answer carries its id and its edit token (shown this once only)."""
    title_, description_, ids = _validate(engine, title=title, description=description or "",
                                          dataset_ids=dataset_ids)
    token = secrets.token_urlsafe(32)
    list_id = secrets.token_urlsafe(9)
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(insert(LIST).values(id=list_id, title=title_, description=description_ or "",
                                         token_hash=_hash(token), created_at=now, updated_at=now))
        _write_items(conn, list_id, ids or [])
    return {**get_list(engine, list_id, base_url=base_url), "edit_token": token}


def _write_items(conn: Any, list_id: str, ids: list[str]) -> None:
    conn.execute(delete(ITEM).where(ITEM.c.list_id == list_id))
    if ids:
        conn.execute(insert(ITEM), [{"list_id": list_id, "position": n, "dataset_id": d} for n, d in enumerate(ids)])


def _check_token(row: Any, token: str | None) -> None:
    if not token or not hmac.compare_digest(_hash(token), row.token_hash):
        raise Unauthorized("a valid edit token is needed to change this list")


def update_list(engine: Engine, list_id: str, *, token: str | None, base_url: str, title: str | None = None,
                description: str | None = None, dataset_ids: Sequence[str] | None = None) -> dict[str, Any]:
    """Change a list's title, description or datasets (raises Unauthorized without its edit token)."""
    row = _list_row(engine, list_id)
    _check_token(row, token)
    title_, description_, ids = _validate(engine, title=title, description=description, dataset_ids=dataset_ids)
    values: dict[str, Any] = {"updated_at": utcnow()}
    if title_ is not None:
        values["title"] = title_
    if description_ is not None:
        values["description"] = description_
    with engine.begin() as conn:
        conn.execute(update(LIST).where(LIST.c.id == list_id).values(**values))
        if ids is not None:
            _write_items(conn, list_id, ids)
    return get_list(engine, list_id, base_url=base_url)


def _list_row(engine: Engine, list_id: str) -> Any:
    with engine.connect() as conn:
        row = conn.execute(select(LIST).where(LIST.c.id == list_id)).first()
    if row is None:
        raise NotFound(f"no list {list_id!r}")
    return row


def list_pks(engine: Engine, list_id: str) -> list[int]:
    """The primary keys of a list's datasets, in the list's order."""
    with engine.connect() as conn:
        rows = conn.execute(select(ITEM.c.position, DS.c.pk).join(DS, DS.c.id == ITEM.c.dataset_id)
                            .where(ITEM.c.list_id == list_id).order_by(ITEM.c.position)).all()
    return [r.pk for r in rows]



def get_list(engine: Engine, list_id: str, *, base_url: str) -> dict[str, Any]:
    """A list with the summaries of its datasets (withdrawn ones included, with a note)."""
    row = _list_row(engine, list_id)
    items: list[Item] = [i for batch in iter_items(engine, list_pks(engine, list_id)) for i in batch]
    datasets = [json_item(item, base_url) for item in items]
    return {"id": row.id, "title": row.title, "description": row.description, "created_at": iso(row.created_at),
            "updated_at": iso(row.updated_at), "count": len(datasets), "datasets": datasets}


def list_doc(engine: Engine, list_id: str) -> tuple[str, str]:
    """The title and description of a list, for its exports."""
    row = _list_row(engine, list_id)
    return row.title, row.description


def export_list(engine: Engine, list_id: str, fmt: str | None, *, base_url: str) -> Export:
    """A list's datasets, in the list's order, in any export format."""
    fmt = check_format(fmt)
    title, description = list_doc(engine, list_id)
    pks = list_pks(engine, list_id)
    doc = ExportDoc(title=title, description=description or None)
    return Export(fmt, media_type(fmt), filename(fmt, f"datakatalog-list-{list_id}"), len(pks),
                  stream(engine, pks, fmt, base_url=base_url, doc=doc))
