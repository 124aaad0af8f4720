"""Curated dataset lists: anyone may make one; whoever holds its edit token may change it.

The edit token is shown once, when the list is made; only its SHA-256 is stored, and tokens are
compared in constant time. A list names datasets by their stable ids, so a dataset that is
re-harvested keeps its place, and one that is withdrawn stays in the list with a note saying so.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select, update

from catalog.chunks import chunked
from catalog.errors import FieldError, InvalidInput, NotFound, Unauthorized
from catalog.export.rows import Item, iter_items, json_item
from catalog.export.writers import ExportDoc
from catalog.formats.dcat_write import DEFAULT_PUBLISHER, CatalogPublisher
from catalog.normalise import iso
from catalog.services.exports import Export, export_datasets
from catalog.store import runs
from catalog.store.runs import DS
from catalog.store.tables import DatasetList, DatasetListItem, utcnow
from catalog.text import check_text

LIST = DatasetList.__table__  # type: ignore[attr-defined]
ITEM = DatasetListItem.__table__  # type: ignore[attr-defined]

MAX_TITLE = 200
MAX_DESCRIPTION = 5000
MAX_DATASETS = 1000


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _validate(engine: Engine, *, title: str | None, description: str | None, dataset_ids: Sequence[str] | None,
              field: str = "dataset_ids") -> tuple[str | None, str | None, list[str] | None]:
    if title is not None:
        title = check_text("title", title.strip())
        if not 1 <= len(title) <= MAX_TITLE:
            raise FieldError("title", f"1 to {MAX_TITLE} characters")
    if description is not None:
        description = check_text("description", description.strip(), multiline=True)
        if len(description) > MAX_DESCRIPTION:
            raise FieldError("description", f"at most {MAX_DESCRIPTION} characters")
    ids: list[str] | None = None
    if dataset_ids is not None:
        ids = list(dict.fromkeys(d.strip() for d in dataset_ids if d and d.strip()))
        if len(ids) > MAX_DATASETS:
            raise FieldError(field, f"at most {MAX_DATASETS} datasets in a list")
        known: set[str] = set()
        with engine.connect() as conn:
            for batch in chunked(ids, runs.CHUNK):
                known.update(conn.execute(select(DS.c.id).where(DS.c.id.in_(batch))).scalars())
        unknown = [d for d in ids if d not in known]
        if unknown:
            raise FieldError(field, f"no such datasets: {', '.join(unknown)}")
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
                description: str | None = None, dataset_ids: Sequence[str] | None = None,
                add: Sequence[str] | None = None, remove: Sequence[str] | None = None) -> dict[str, Any]:
    """Change a list's title, description or datasets (raises Unauthorized without its edit token).

    ``dataset_ids`` replaces the datasets (in that order); then ``remove`` takes datasets out (each
    must be in the list) and ``add`` appends those not in it yet (one already there keeps its place).
    """
    _check_token(_list_row(engine, list_id), token)
    title_, description_, ids = _validate(engine, title=title, description=description, dataset_ids=dataset_ids)
    adding = None if add is None else _validate(engine, title=None, description=None, dataset_ids=add,
                                                field="add")[2]
    removing = [d.strip() for d in remove or ()]

    def edit(current: list[str]) -> list[str]:
        items = list(ids) if ids is not None else current
        missing = [d for d in removing if d not in items]
        if missing:
            raise FieldError("remove", f"not in this list: {', '.join(missing)}")
        items = [d for d in items if d not in removing]
        return items + [d for d in adding or () if d not in items]

    changes_items = ids is not None or adding is not None or bool(removing)
    _change(engine, list_id, title=title_, description=description_, edit=edit if changes_items else None)
    return get_list(engine, list_id, base_url=base_url)


def move_dataset(engine: Engine, list_id: str, *, token: str | None, dataset_id: str, by: int) -> None:
    """Move one dataset ``by`` places (negative: towards the top), stopping at either end."""
    _check_token(_list_row(engine, list_id), token)

    def edit(current: list[str]) -> list[str]:
        if dataset_id not in current:
            raise FieldError("dataset_id", f"not in this list: {dataset_id}")
        at = current.index(dataset_id)
        items = current[:at] + current[at + 1 :]
        items.insert(max(0, min(len(items), at + by)), dataset_id)
        return items

    _change(engine, list_id, edit=edit)


def _change(engine: Engine, list_id: str, *, title: str | None = None, description: str | None = None,
            edit: Callable[[list[str]], list[str]] | None = None) -> None:
    values: dict[str, Any] = {"updated_at": utcnow()}
    if title is not None:
        values["title"] = title
    if description is not None:
        values["description"] = description
    with engine.begin() as conn:
        # the list's row is written before its items are read: that write lock queues concurrent
        # changes of one list (a row lock on PostgreSQL, the database's on SQLite), so none is lost
        conn.execute(update(LIST).where(LIST.c.id == list_id).values(**values))
        if edit is None:
            return
        current = list(conn.execute(select(ITEM.c.dataset_id).where(ITEM.c.list_id == list_id)
                                    .order_by(ITEM.c.position)).scalars())
        items = edit(current)
        if len(items) > MAX_DATASETS:
            raise InvalidInput(f"a list holds at most {MAX_DATASETS} datasets")
        if items != current:
            _write_items(conn, list_id, items)


def can_edit(engine: Engine, list_id: str, token: str | None) -> bool:
    """Whether ``token`` is the edit token of list ``list_id`` (False for an unknown list)."""
    with engine.connect() as conn:
        row = conn.execute(select(LIST.c.token_hash).where(LIST.c.id == list_id)).first()
    return row is not None and bool(token) and hmac.compare_digest(_hash(token or ""), row.token_hash)


def editable_lists(engine: Engine, tokens: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """The lists that (list id, edit token) pairs may change, in the pairs' order: id, title, count."""
    wanted = dict(tokens)
    if not wanted:
        return []
    with engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(select(LIST.c.id, LIST.c.title, LIST.c.token_hash)
                                             .where(LIST.c.id.in_(list(wanted))))}
        counts: dict[str, int] = {r[0]: r[1] for r in conn.execute(
            select(ITEM.c.list_id, func.count()).where(ITEM.c.list_id.in_(list(rows))).group_by(ITEM.c.list_id)
        )} if rows else {}
    return [{"id": i, "title": rows[i].title, "count": counts.get(i, 0)}
            for i, token in wanted.items()
            if i in rows and hmac.compare_digest(_hash(token), rows[i].token_hash)]


def add_to_current(engine: Engine, *, tokens: Sequence[tuple[str, str]], dataset_id: str, new_title: str,
                   list_id: str | None = None, base_url: str) -> dict[str, Any]:
    """Add a dataset to list ``list_id``, else to the first list ``tokens`` may change, else to a new list.

    ``tokens`` are (list id, edit token) pairs, most recently used first. The answer: the list's
    ``id`` and ``title``, whether the dataset was ``added`` (False: it was in the list already),
    and, when a list was made for it, its ``edit_token`` (shown this once).
    """
    if list_id is not None:
        token = dict(tokens).get(list_id)
        _check_token(_list_row(engine, list_id), token)
    else:
        mine = editable_lists(engine, tokens)
        if not mine:
            made = create_list(engine, title=new_title, dataset_ids=[dataset_id], base_url=base_url)
            return {"id": made["id"], "title": made["title"], "added": True, "edit_token": made["edit_token"]}
        list_id, token = mine[0]["id"], dict(tokens)[mine[0]["id"]]
    _validate(engine, title=None, description=None, dataset_ids=[dataset_id], field="dataset_id")
    added: list[bool] = []

    def edit(current: list[str]) -> list[str]:
        added.append(dataset_id not in current)
        return current if dataset_id in current else [*current, dataset_id]

    _change(engine, list_id, edit=edit)
    return {"id": list_id, "title": _list_row(engine, list_id).title, "added": added[0], "edit_token": None}


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


def export_list(engine: Engine, list_id: str, fmt: str | None, *, base_url: str,
                publisher: CatalogPublisher = DEFAULT_PUBLISHER) -> Export:
    """A list's datasets, in the list's order, in any export format."""
    title, description = list_doc(engine, list_id)
    return export_datasets(engine, list_pks(engine, list_id), fmt, base_url=base_url,
                           doc=ExportDoc(title=title, description=description or None, publisher=publisher),
                           stem=f"datakatalog-list-{list_id}")
