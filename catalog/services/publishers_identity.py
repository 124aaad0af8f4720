"""One publisher is one publisher: its id, its aliases and its organisation number; which publishers
look like one (candidates), merging them and taking a merge back.

Ids that carry one Swedish organisation number, in whatever notation, are one id already
(catalog.ids.publisher_id). Publishers without a shared number are merged by a person: ``merge(keep,
other)`` makes ``other`` an alias of ``keep`` (``publisher.merged_into``), moves its datasets and
facet values, and every later harvest stores what names ``other`` under ``keep``
(catalog.store.publishers). Two organisation numbers are never merged into one publisher.
``unmerge(alias)`` gives an alias back its own datasets — those whose record names it — and is
remembered, so the pair is not proposed again. Both are audited.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, func, select, update

from catalog import ids
from catalog.errors import Conflict, NotFound
from catalog.records import Agent
from catalog.search.incremental import require_rebuild
from catalog.services.audit import AUDIT, record
from catalog.services.organisations import Principal
from catalog.store.publishers import resolve
from catalog.store.runs import bump_generation
from catalog.store.tables import DS, FACET, PUB


def name_key(name: str | None) -> str:
    """A name as compared across sources: case, accents, punctuation and spacing left out."""
    folded = unicodedata.normalize("NFKD", (name or "").casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


def number_text(digits: str | None) -> str | None:
    return ids.org_number_text(digits) if digits else None


@dataclass(slots=True)
class _Row:
    id: str
    uri: str | None
    name: str
    type: str | None
    org_number: str | None
    merged_into: str | None


def _rows(conn: Connection) -> dict[str, _Row]:
    """Every publisher row (a catalogue has hundreds or thousands: read at once)."""
    return {r.id: _Row(r.id, r.uri, r.name, r.type, r.org_number, r.merged_into) for r in conn.execute(
        select(PUB.c.id, PUB.c.uri, PUB.c.name, PUB.c.type, PUB.c.org_number, PUB.c.merged_into))}


def _root(rows: dict[str, _Row], pid: str) -> str:
    seen = {pid}
    while (up := rows[pid].merged_into) is not None and up in rows and up not in seen:
        pid = up
        seen.add(pid)
    return pid


def _below(rows: dict[str, _Row], top: str) -> set[str]:
    """``top`` and every publisher whose chain of merges passes through it."""
    children: dict[str, list[str]] = {}
    for row in rows.values():
        if row.merged_into:
            children.setdefault(row.merged_into, []).append(row.id)
    out, stack = {top}, [top]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in out:
                out.add(child)
                stack.append(child)
    return out


def _numbers(rows: dict[str, _Row], group: set[str]) -> set[str]:
    return {n for pid in group if (n := rows[pid].org_number)}


def _existing(rows: dict[str, _Row], pid: str) -> _Row:
    row = rows.get(pid)
    if row is None:
        raise NotFound(f"no publisher {pid!r}")
    return row


def resolve_id(engine: Engine, publisher_id: str) -> str:
    """The id of the publisher ``publisher_id`` is (itself, or the one it was merged into); NotFound
    for an id no publisher has."""
    with engine.connect() as conn:
        if conn.execute(select(PUB.c.id).where(PUB.c.id == publisher_id)).first() is None:
            raise NotFound(f"no publisher {publisher_id!r}")
        return resolve(conn, [publisher_id])[publisher_id]


def identity_of(conn: Connection, publisher_id: str) -> dict[str, Any]:
    """Who a publisher is: its one id (an alias's publisher), organisation number and aliases."""
    rows = _rows(conn)
    _existing(rows, publisher_id)
    root = _root(rows, publisher_id)
    group = _below(rows, root)
    numbers = sorted(_numbers(rows, group))
    return {
        "id": root, "org_number": number_text(numbers[0]) if numbers else None,
        "aliases": [{"id": rows[a].id, "name": rows[a].name or None, "uri": rows[a].uri,
                     "org_number": number_text(rows[a].org_number)} for a in sorted(group - {root})],
    }


def identity(engine: Engine, publisher_id: str) -> dict[str, Any]:
    with engine.connect() as conn:
        return identity_of(conn, publisher_id)


# -- candidates -------------------------------------------------------------------------------


def _unmerged_pairs(conn: Connection) -> set[frozenset[str]]:
    """Pairs a person took apart (``unmerge``): not proposed again."""
    out: set[frozenset[str]] = set()
    for details in conn.execute(select(AUDIT.c.details).where(AUDIT.c.action == "publisher.unmerge")).scalars():
        data = orjson.loads(details) if details else {}
        if data.get("publisher") and data.get("from"):
            out.add(frozenset((data["publisher"], data["from"])))
    return out


def candidates(engine: Engine) -> list[dict[str, Any]]:
    """Publishers that look like one: the same name (case, accents and punctuation aside) and the
    same type, or a type only one of them states, and no two different organisation numbers. Each
    proposal names the one to keep (the one with an organisation number, else the one with more
    datasets) and the one to merge into it; pairs once taken apart are left out."""
    with engine.connect() as conn:
        rows = _rows(conn)
        counts: dict[str, int] = {r[0]: r[1] for r in conn.execute(
            select(DS.c.publisher_id, func.count()).where(DS.c.status == "active", DS.c.publisher_id.is_not(None))
            .group_by(DS.c.publisher_id))}
        refused = _unmerged_pairs(conn)
    groups: dict[str, list[str]] = {}
    for row in rows.values():
        if row.merged_into is None and name_key(row.name):
            groups.setdefault(name_key(row.name), []).append(row.id)
    out: list[dict[str, Any]] = []
    for key, members in sorted(groups.items()):
        if len(members) < 2:
            continue
        numbers = {m: _numbers(rows, _below(rows, m)) for m in members}
        ranked = sorted(members, key=lambda m: (not numbers[m], -counts.get(m, 0), m))
        keep = ranked[0]
        for other in ranked[1:]:
            a, b = rows[keep], rows[other]
            if a.type and b.type and a.type != b.type:
                continue
            if numbers[keep] and numbers[other] and numbers[keep] != numbers[other]:
                continue
            if frozenset((keep, other)) in refused:
                continue
            same_type = "same type" if a.type == b.type else "a type only one of them states"
            out.append({
                "keep": _brief(a, counts, numbers[keep]), "merge": _brief(b, counts, numbers[other]),
                "reason": f"same name ({key!r}) and {same_type}",
            })
    return out


def _brief(row: _Row, counts: dict[str, int], numbers: set[str]) -> dict[str, Any]:
    return {"id": row.id, "name": row.name or None, "type": row.type, "uri": row.uri,
            "org_number": number_text(min(numbers)) if numbers else None, "datasets": counts.get(row.id, 0)}


# -- merge and unmerge ------------------------------------------------------------------------


def _lock(conn: Connection, publisher_ids: list[str]) -> None:
    """Two merges at once must not both read the state before either wrote it (PostgreSQL row locks;
    SQLite has one writer at a time anyway)."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(PUB.c.id).where(PUB.c.id.in_(publisher_ids)).with_for_update())


def _move(conn: Connection, pks: list[int], to: str) -> None:
    if not pks:
        return
    conn.execute(update(DS).where(DS.c.pk.in_(pks)).values(publisher_id=to))
    conn.execute(update(FACET).where(FACET.c.dataset_pk.in_(pks), FACET.c.facet == "publisher").values(value=to))


def merge(engine: Engine, keep: str, other: str, *, actor: Principal) -> dict[str, Any]:
    """Make ``other`` (and its aliases) part of ``keep``: refused (409) when they are one publisher
    already or carry two different organisation numbers. Answers what moved and the publisher now."""
    with engine.begin() as conn:
        _lock(conn, [keep, other])
        rows = _rows(conn)
        _existing(rows, keep)
        _existing(rows, other)
        keep_root, other_root = _root(rows, keep), _root(rows, other)
        if keep_root == other_root:
            raise Conflict(f"{other!r} and {keep!r} are one publisher already ({keep_root!r})")
        keep_numbers = _numbers(rows, _below(rows, keep_root))
        other_group = _below(rows, other_root)
        other_numbers = _numbers(rows, other_group)
        if keep_numbers and other_numbers and keep_numbers != other_numbers:
            raise Conflict(
                f"{keep_root!r} is organisation {', '.join(map(ids.org_number_text, sorted(keep_numbers)))} and "
                f"{other_root!r} is {', '.join(map(ids.org_number_text, sorted(other_numbers)))}: two organisation "
                "numbers are two organisations, never one publisher")
        pks = list(conn.execute(select(DS.c.pk).where(DS.c.publisher_id.in_(sorted(other_group)))).scalars())
        conn.execute(update(PUB).where(PUB.c.id == other_root).values(merged_into=keep_root))
        _move(conn, pks, keep_root)
        bump_generation(conn)
        require_rebuild(conn)  # datasets moved without a revision each: searchers rebuild
        record(conn, actor, "publisher.merge", f"publisher:{keep_root}"[:200],
               {"publisher": other_root, "into": keep_root, "datasets": len(pks)})
        return {"publisher": identity_of(conn, keep_root), "merged": other_root, "datasets_moved": len(pks)}


def unmerge(engine: Engine, alias: str, *, actor: Principal) -> dict[str, Any]:
    """Take a merged publisher back out: it is a publisher of its own again, with the datasets whose
    records name it (or its own aliases). Refused when it shares its organisation number with the
    publisher it is part of (they are one organisation)."""
    with engine.begin() as conn:
        _lock(conn, [alias])
        rows = _rows(conn)
        row = _existing(rows, alias)
        if row.merged_into is None:
            raise Conflict(f"{alias!r} is a publisher of its own, merged into none")
        root = _root(rows, alias)
        own = _below(rows, alias)
        shared = _numbers(rows, own) & _numbers(rows, _below(rows, root) - own)
        if shared:
            raise Conflict(f"{alias!r} and {root!r} carry one organisation number "
                           f"({', '.join(map(ids.org_number_text, sorted(shared)))}): they are one publisher")
        back: list[int] = []
        for pk, raw in conn.execute(select(DS.c.pk, DS.c.record).where(DS.c.publisher_id == root)):
            agent = (orjson.loads(raw) or {}).get("publisher") if raw else None
            if agent and ids.publisher_id(Agent(**agent)) in own:
                back.append(pk)
        conn.execute(update(PUB).where(PUB.c.id == alias).values(merged_into=None))
        _move(conn, back, alias)
        bump_generation(conn)
        require_rebuild(conn)  # datasets moved without a revision each: searchers rebuild
        record(conn, actor, "publisher.unmerge", f"publisher:{alias}"[:200],
               {"publisher": alias, "from": root, "datasets": len(back)})
        return {"publisher": identity_of(conn, alias), "from": root, "datasets_moved": len(back)}
