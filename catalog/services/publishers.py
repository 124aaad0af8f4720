"""Publishers as people browse them: every publisher with its counts, and one publisher's sources.

A merged publisher's id (an alias: catalog/services/publishers_identity.py) answers as the publisher
it is part of, so an old link shows the one publisher, never a second page."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, case, func, select
from sqlmodel import Session

from catalog.errors import NotFound
from catalog.records import display_text
from catalog.services.jobs import job_summary
from catalog.services.publishers_identity import identity_of, number_text
from catalog.store.runs import decode
from catalog.store.tables import DS, JOB, PUB, SRC, HarvestJob


def _names(raw: str | None, name: str) -> dict[str, str]:
    names = decode(raw) if raw else None
    return names if isinstance(names, dict) and names else {"": name}


def list_publishers(engine: Engine) -> list[dict[str, Any]]:
    """Publishers with active datasets, most datasets first: id, name, names (by language), type,
    organisation number (``212000-3005``) and counts of active datasets and data services."""
    datasets = func.sum(case((DS.c.kind == "dataset", 1), else_=0))
    services = func.sum(case((DS.c.kind == "dataservice", 1), else_=0))
    with engine.connect() as conn:
        rows = conn.execute(
            select(PUB.c.id, PUB.c.name, PUB.c.names, PUB.c.type, PUB.c.org_number, datasets.label("datasets"),
                   services.label("dataservices"))
            .select_from(PUB.join(DS, DS.c.publisher_id == PUB.c.id))
            .where(DS.c.status == "active", PUB.c.merged_into.is_(None))
            .group_by(PUB.c.id, PUB.c.name, PUB.c.names, PUB.c.type, PUB.c.org_number)).all()
    out = [{"id": r.id, "name": r.name or r.id, "names": _names(r.names, r.name), "type": r.type,
            "org_number": number_text(r.org_number),
            "datasets": int(r.datasets or 0), "dataservices": int(r.dataservices or 0)} for r in rows]
    return sorted(out, key=lambda p: (-(p["datasets"] + p["dataservices"]), str(p["name"]).lower()))


def get_publisher(engine: Engine, publisher_id: str) -> dict[str, Any]:
    """One publisher: its names, organisation number, aliases, counts of active and withdrawn
    datasets, and the sources its datasets come from, each with its dataset count and latest harvest
    job. An alias's id answers its publisher (``id`` says which; ``requested`` the id asked for)."""
    requested = publisher_id
    with engine.connect() as conn:
        if conn.execute(select(PUB.c.id).where(PUB.c.id == publisher_id)).first() is None:
            raise NotFound(f"no publisher {publisher_id!r}")
        who = identity_of(conn, publisher_id)
        publisher_id = who["id"]
        pub = conn.execute(select(PUB).where(PUB.c.id == publisher_id)).first()
        if pub is None:
            raise NotFound(f"no publisher {publisher_id!r}")
        counts = conn.execute(
            select(DS.c.source_id, DS.c.status, DS.c.kind, func.count().label("n"))
            .where(DS.c.publisher_id == publisher_id)
            .group_by(DS.c.source_id, DS.c.status, DS.c.kind)).all()
        source_ids = sorted({r.source_id for r in counts})
        sources = {r.id: r for r in conn.execute(
            select(SRC.c.id, SRC.c.name, SRC.c.kind, SRC.c.schedule, SRC.c.deleted).where(SRC.c.id.in_(source_ids)))}
        latest = select(func.max(JOB.c.id)).where(JOB.c.source_id.in_(source_ids)).group_by(JOB.c.source_id)
    with Session(engine) as session:
        jobs = {j.source_id: j for (j,) in session.execute(select(HarvestJob).where(JOB.c.id.in_(latest)))}
    totals = {"active": 0, "withdrawn": 0, "dataset": 0, "dataservice": 0}
    per_source: dict[int, int] = {}
    for r in counts:
        totals[r.status] = totals.get(r.status, 0) + r.n
        if r.status == "active":
            totals[r.kind] = totals.get(r.kind, 0) + r.n
            per_source[r.source_id] = per_source.get(r.source_id, 0) + r.n
    names = _names(pub.names, pub.name)
    return {
        "id": pub.id, "uri": pub.uri, "name": pub.name or display_text(names) or pub.id, "names": names,
        "type": pub.type, "org_number": who["org_number"], "aliases": who["aliases"], "requested": requested,
        "datasets": {"active": totals["active"], "withdrawn": totals["withdrawn"],
                     "dataset": totals["dataset"], "dataservice": totals["dataservice"]},
        "sources": [{"id": sid, "name": sources[sid].name, "kind": sources[sid].kind,
                     "schedule": sources[sid].schedule, "datasets": per_source.get(sid, 0),
                     "last_job": job_summary(jobs[sid]) if sid in jobs else None}
                    for sid in source_ids if sid in sources and not sources[sid].deleted],
    }
