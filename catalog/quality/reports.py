"""Quality reports over stored, active datasets: per publisher and per organisation.

Both read the same figures (datasets, valid and invalid, scores) and the same rule tally
(:class:`catalog.quality.problems.RuleTally`): for each rule, ``count`` is how many problems its
datasets have and ``datasets`` how many distinct datasets break it, with the path, severity and
Swedish and English messages of the stored problems themselves (SHACL rules included) and the ids
of up to :data:`DATASET_IDS` of the failing datasets. Rules are ranked by ``datasets``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, or_, select

from catalog.errors import NotFound
from catalog.quality.problems import RuleTally
from catalog.services.organisations import get_organisation, linked_publishers
from catalog.store.publishers import resolve
from catalog.store.runs import DS, decode
from catalog.store.tables import PUB, SRC

TOP_RULES = 10  # the rules a report ranks, unless asked for another number
DATASET_IDS = 20  # failing datasets named per rule; ``datasets`` counts them all


@dataclass(slots=True)
class _Figures:
    """What a report says about a set of active datasets."""

    datasets: int = 0
    valid: int = 0
    scores: list[float] = field(default_factory=list)
    rules: RuleTally = field(default_factory=RuleTally)

    def add(self, row: Any) -> None:
        self.datasets += 1
        self.valid += 1 if row.valid else 0
        self.scores.append(float(row.quality_score or 0))
        self.rules.add_all(decode(row.violations) or [], dataset_id=row.id)

    def summary(self) -> dict[str, Any]:
        n = self.datasets
        return {"datasets": n, "valid": self.valid, "invalid": n - self.valid,
                "average_score": round(sum(self.scores) / n, 1) if n else None,
                "min_score": min(self.scores) if n else None, "max_score": max(self.scores) if n else None}

    def failing(self, top: int) -> list[dict[str, Any]]:
        return self.rules.groups(order="datasets", top=top, dataset_ids=DATASET_IDS)


def _active(conn: Connection, where: Any) -> Iterator[Any]:
    return iter(conn.execute(select(DS.c.id, DS.c.publisher_id, DS.c.source_id, DS.c.valid, DS.c.quality_score,
                                    DS.c.violations).where(where, DS.c.status == "active")))


# -- publishers -------------------------------------------------------------------------------


def _publisher_reports(engine: Engine, publisher_id: str | None) -> list[dict[str, Any]]:
    where = DS.c.publisher_id.is_not(None)
    if publisher_id is not None:
        where = DS.c.publisher_id == publisher_id
    with engine.connect() as conn:
        names = {r.id: r.name for r in conn.execute(select(PUB.c.id, PUB.c.name))}
        figures: dict[str, _Figures] = {}
        for row in _active(conn, where):
            figures.setdefault(row.publisher_id, _Figures()).add(row)
    out = [{"publisher": {"id": pid, "name": names.get(pid)}, **f.summary(),
            "most_failed_rules": f.failing(TOP_RULES)} for pid, f in figures.items()]
    return sorted(out, key=lambda p: (-p["average_score"], p["publisher"]["id"]))


def publishers_quality(engine: Engine) -> list[dict[str, Any]]:
    """Every publisher's average score, validity counts and most-failed rules (best first)."""
    return _publisher_reports(engine, None)


def publisher_quality(engine: Engine, publisher_id: str) -> dict[str, Any]:
    """One publisher's quality figures (an alias's id answers its publisher's); NotFound when no such
    publisher is stored."""
    with engine.connect() as conn:
        publisher_id = resolve(conn, [publisher_id])[publisher_id]
    found = _publisher_reports(engine, publisher_id)
    if found:
        return found[0]
    with engine.connect() as conn:
        name = conn.execute(select(PUB.c.name).where(PUB.c.id == publisher_id)).first()
    if name is None:
        raise NotFound(f"no publisher {publisher_id!r}")
    return {"publisher": {"id": publisher_id, "name": name[0]}, **_Figures().summary(), "most_failed_rules": []}


# -- organisations ----------------------------------------------------------------------------


def organisation_quality(engine: Engine, organisation: int | str, *, top: int = TOP_RULES) -> dict[str, Any]:
    """How an organisation's active datasets fare: counts, invalid ones, the rules broken most, per
    source and per publisher. Its datasets are those of its own sources and those of the publishers
    it is linked to, from whichever source harvested them (each dataset counted once)."""
    org = get_organisation(engine, organisation)
    assert org.id is not None
    figures = _Figures()
    with engine.connect() as conn:
        own = conn.execute(select(SRC.c.id, SRC.c.name).where(
            SRC.c.organisation_id == org.id, SRC.c.deleted.is_(False)).order_by(SRC.c.name)).all()
        publisher_ids = linked_publishers(conn, org.id)
        where = DS.c.source_id.in_([s.id for s in own])
        if publisher_ids:
            where = or_(where, DS.c.publisher_id.in_(publisher_ids))
        per_source: dict[int, dict[str, Any]] = {
            s.id: {"id": s.id, "name": s.name, "datasets": 0, "invalid": 0, "own": True} for s in own}
        per_publisher: dict[str, dict[str, Any]] = {
            pid: {"id": pid, "name": None, "datasets": 0, "invalid": 0} for pid in publisher_ids}
        for pid, name in conn.execute(select(PUB.c.id, PUB.c.name).where(PUB.c.id.in_(publisher_ids))):
            per_publisher[pid]["name"] = name or None
        rows = list(_active(conn, where))
        others = {r.source_id for r in rows} - set(per_source)
        for s in conn.execute(select(SRC.c.id, SRC.c.name).where(SRC.c.id.in_(others)).order_by(SRC.c.name)):
            per_source[s.id] = {"id": s.id, "name": s.name, "datasets": 0, "invalid": 0, "own": False}
    for row in rows:
        figures.add(row)
        for entry in (per_source.get(row.source_id), per_publisher.get(row.publisher_id)):
            if entry is not None:
                entry["datasets"] += 1
                entry["invalid"] += 0 if row.valid else 1
    summary = figures.summary()
    return {"organisation": {"id": org.id, "name": org.name}, "datasets": summary["datasets"],
            "invalid": summary["invalid"], "valid": summary["valid"], "average_score": summary["average_score"],
            "rules": figures.failing(top), "sources": list(per_source.values()),
            "publishers": list(per_publisher.values())}
