"""Publisher rows as a run writes them, and which publisher an id belongs to.

Every agent a record names gets a row under its own id (catalog.ids.publisher_id: one id per
organisation number, whatever the notation). A row merged into another (an alias:
``merged_into``) keeps its id, and a record naming it is stored under the publisher it was merged
into, so a merge made once holds for every later harvest (catalog/services/publishers_identity.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, select

from catalog import ids
from catalog.chunks import chunked
from catalog.records import display_text
from catalog.store.prepared import Prepared
from catalog.store.tables import PUB

CHUNK = 500
MAX_HOPS = 32  # merges chain (A into B, B into C); a longer chain than this is a loop that must not hang


def resolve(conn: Connection, publisher_ids: Iterable[str]) -> dict[str, str]:
    """Each id → the id of the publisher it is part of: itself unless it was merged into another
    (an id no row has maps to itself)."""
    wanted = list(dict.fromkeys(publisher_ids))
    parent: dict[str, str | None] = {}
    pending = wanted
    while pending:
        for chunk in chunked(pending, CHUNK):
            for row in conn.execute(select(PUB.c.id, PUB.c.merged_into).where(PUB.c.id.in_(chunk))):
                parent[row.id] = row.merged_into
        for pid in pending:
            parent.setdefault(pid, None)
        pending = list({p for pid in pending if (p := parent[pid]) is not None and p not in parent})
    out: dict[str, str] = {}
    for pid in wanted:
        root, hops = pid, 0
        while (up := parent.get(root)) is not None and hops < MAX_HOPS:
            root, hops = up, hops + 1
        out[pid] = root
    return out


Write = Callable[[Connection, list[dict[str, Any]], list[dict[str, Any]]], None]


def store(conn: Connection, items: Iterable[Prepared], *, now: datetime, known: dict[str, str],
          write: Write) -> None:
    """Write the publisher rows of a page's records (through ``write``: new rows, and stale rows with
    ``b_id``, the row to update) and point each record at its publisher.

    ``known`` (the run's own: id as derived → publisher) spares a publisher named on every page
    more than one write per run. A row's name is the one an agent gives under the IRI that
    identifies the publisher (for a number, its dataportal.se IRI); an agent naming it under another
    IRI (``…/organisation/232100-0255``) names it only until such an agent has.
    """
    rows: dict[str, dict[str, Any]] = {}
    pending: list[Prepared] = []
    for item in items:
        pub = item.rec.publisher
        if pub is None or item.publisher_id is None:
            continue
        pending.append(item)
        if item.publisher_id in known or item.publisher_id in rows:
            continue
        rows[item.publisher_id] = {
            "id": item.publisher_id, "uri": pub.uri, "name": display_text(pub.name) or "",
            "names": orjson.dumps(pub.name).decode(), "type": pub.type, "org_number": ids.org_number_in(pub.uri),
            "updated_at": now, "_key": ids.publisher_key(pub),
        }
    if rows:
        stored: dict[str, Any] = {}
        for chunk in chunked(list(rows), CHUNK):
            stored.update({r.id: r for r in conn.execute(
                select(PUB.c.id, PUB.c.uri, PUB.c.merged_into).where(PUB.c.id.in_(chunk)))})
        fresh = [_columns(row) for key, row in rows.items() if key not in stored]
        stale = [{**_columns(row), "b_id": key} for key, row in rows.items()
                 if key in stored and (row["uri"] == row["_key"] or stored[key].uri != row["_key"])]
        write(conn, fresh, stale)  # the run's staging tables (catalog/store/runs.py)
        known.update(resolve(conn, rows))
    for item in pending:
        item.publisher_id = known.get(item.publisher_id or "", item.publisher_id)


def _columns(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if not k.startswith("_")}
