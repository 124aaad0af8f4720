"""The change feed: every stored change of every dataset (added, updated, restored, withdrawn),
oldest first, so other portals and tools can follow the catalogue incrementally, deletions included.
A change that moved a dataset to another source (a takeover) names the source it came from.

Revisions are read in id order; the ``next`` cursor is the id of the last change returned. A
client starts with ``since`` (a time) and then passes ``cursor=<next>`` to get only what came
after. Ids rather than times page the feed because one harvest writes thousands of revisions with
the same timestamp.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, select

from catalog.errors import FieldError
from catalog.store.runs import DS
from catalog.store.tables import REV, SRC

MAX_LIMIT = 1000
MAX_CURSOR = 2**31 - 1  # revision ids are INTEGER: 32-bit on PostgreSQL


def parse_since(value: str | None) -> datetime | None:
    """An ISO 8601 date or time; without a zone it is taken as UTC. Raises FieldError."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise FieldError("since", f"not an ISO 8601 date or time: {value[:64]!r}") from None
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    try:
        # stored times are UTC: a time whose UTC is before the year 1 or after 9999 cannot be compared
        return when.astimezone(UTC)
    except OverflowError:
        raise FieldError("since", f"{value[:64]!r} is out of range: in UTC it falls outside the years 1 to 9999"
                         ) from None


def parse_cursor(value: str | None) -> int | None:
    """The ``next`` of an earlier answer: a revision id, ASCII digits only. Raises FieldError."""
    if value is None or value == "":
        return None
    # int() would also read "²", "١٢", " 12", "+1" and "1_0": a cursor is only what this feed hands out
    if not (value.isascii() and value.isdigit()) or len(value) > 10 or int(value) > MAX_CURSOR:
        raise FieldError("cursor", f"not a cursor from this feed: {value[:40]!r}")
    return int(value)


def change_feed(engine: Engine, *, since: str | None = None, cursor: str | None = None,
                limit: int = 100) -> dict[str, Any]:
    """Changes after ``cursor`` (or at or after ``since``), oldest first, with the ``next`` cursor."""
    if not 1 <= limit <= MAX_LIMIT:
        raise FieldError("limit", f"must be between 1 and {MAX_LIMIT}")
    when = parse_since(since)
    after = parse_cursor(cursor)
    query = (select(REV.c.id, REV.c.dataset_id, REV.c.change, REV.c.created_at, REV.c.job_id, REV.c.content_hash,
                    DS.c.uri, DS.c.title, DS.c.status, SRC.c.name.label("previous_source"))
             .select_from(REV.outerjoin(DS, DS.c.id == REV.c.dataset_id)
                          .outerjoin(SRC, SRC.c.id == REV.c.from_source_id)))
    if when is not None:
        query = query.where(REV.c.created_at >= when)
    if after is not None:
        query = query.where(REV.c.id > after)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(REV.c.id).limit(limit + 1)).all()
        more = len(rows) > limit
        rows = rows[:limit]
        if rows:
            next_cursor = rows[-1].id
        elif after is not None:
            next_cursor = after
        else:
            # nothing yet: everything stored so far is older, so the newest id is where to go on from
            next_cursor = conn.execute(select(func.max(REV.c.id))).scalar() or 0
    items = [{
        "dataset_id": r.dataset_id, "uri": r.uri, "title": r.title or None, "change": r.change,
        "time": r.created_at.isoformat() if r.created_at else None, "job_id": r.job_id,
        "content_hash": r.content_hash, "dataset_status": r.status, "previous_source": r.previous_source,
    } for r in rows]
    return {"since": when.isoformat() if when else None, "cursor": str(after) if after is not None else None,
            "count": len(items), "items": items, "next": str(next_cursor), "more": more}
