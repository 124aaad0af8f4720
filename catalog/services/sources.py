"""Sources: register, read, change and delete them; each write recorded in the audit log.

Deleting a source never erases history: the source row is marked deleted, its active datasets are
withdrawn (status ``withdrawn``, one revision each, the search generation bumped) and every
revision and job stays. The caller (API or CLI) has checked that the principal may write it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlmodel import Session

from catalog.chunks import chunked
from catalog.errors import Conflict, InvalidInput, NotFound
from catalog.normalise import iso
from catalog.services.audit import record
from catalog.services.jobs import job_summary
from catalog.services.organisations import ORG, Principal
from catalog.store import runs
from catalog.store.runs import DS
from catalog.store.tables import JOB, SRC, HarvestJob, Source, utcnow


def create_source(
    engine: Engine, *, name: str, kind: str, url: str, mapping: str | None = None,
    schedule: str | None = None, organisation_id: int | None = None,
) -> Source:
    """Save a new source (the caller has checked its kind and URL). Raises Conflict on a taken name."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("a source name is 1 to 100 characters")
    with Session(engine, expire_on_commit=False) as session:
        if session.execute(select(Source).where(SRC.c.name == name)).scalars().first():
            raise Conflict(f"a source named {name!r} exists already")
        source = Source(name=name, kind=kind, url=url, mapping=mapping, schedule=schedule,
                        organisation_id=organisation_id)
        session.add(source)
        session.commit()
        session.refresh(source)
        return source


def get_source(engine: Engine, ref: int | str) -> Source:
    """A source by id or by name."""
    with Session(engine, expire_on_commit=False) as session:
        source: Source | None = None
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            source = session.get(Source, int(ref))
        if source is None:
            source = session.execute(select(Source).where(SRC.c.name == str(ref))).scalars().first()
        if source is None or source.deleted:
            raise NotFound(f"no source {ref!r}")
        return source


def list_sources(engine: Engine) -> list[Source]:
    with Session(engine, expire_on_commit=False) as session:
        rows = session.execute(select(Source).where(SRC.c.deleted.is_(False)).order_by(SRC.c.name))
        return list(rows.scalars())


def source_summary(engine: Engine, source: Source) -> dict[str, Any]:
    """A source as the API and CLI show it: settings, dataset counts and its latest job."""
    with Session(engine) as session:
        counts: dict[str, int] = {row[0]: row[1] for row in session.execute(
            select(DS.c.status, func.count()).where(DS.c.source_id == source.id).group_by(DS.c.status))}
        last = session.execute(
            select(HarvestJob).where(JOB.c.source_id == source.id).order_by(JOB.c.id.desc()).limit(1)
        ).first()
    return {
        "id": source.id, "name": source.name, "kind": source.kind, "url": source.url,
        "mapping": source.mapping, "schedule": source.schedule, "organisation_id": source.organisation_id,
        "created_at": iso(source.created_at),
        "datasets": {"active": counts.get("active", 0), "withdrawn": counts.get("withdrawn", 0)},
        "last_job": job_summary(last[0]) if last else None,
    }



EDITABLE = ("url", "kind", "mapping", "schedule", "organisation_id")


def _load(conn: Any, source_id: int) -> Any:
    row = conn.execute(select(SRC).where(SRC.c.id == source_id)).first()
    if row is None or row.deleted:
        raise NotFound(f"no source {source_id!r}")
    return row


def record_created(engine: Engine, source: Source, *, actor: Principal) -> None:
    """Audit a source that was just registered."""
    with engine.begin() as conn:
        record(conn, actor, "source.create", f"source:{source.id}",
               {"name": source.name, "kind": source.kind, "url": source.url, "mapping": source.mapping,
                "schedule": source.schedule}, organisation_id=source.organisation_id)


def update_source(engine: Engine, source_id: int, *, changes: dict[str, Any], actor: Principal) -> Source:
    """Apply checked changes to a source; a new URL or kind starts its page memory afresh."""
    changes = {k: v for k, v in changes.items() if k in EDITABLE}
    with engine.begin() as conn:
        row = _load(conn, source_id)
        if "organisation_id" in changes and changes["organisation_id"] is not None and conn.execute(
                select(ORG.c.id).where(ORG.c.id == changes["organisation_id"])).first() is None:
            raise NotFound(f"no organisation {changes['organisation_id']!r}")
        before = {k: getattr(row, k) for k in changes}
        values: dict[str, Any] = {**changes, "updated_at": utcnow()}
        if any(changes.get(k, getattr(row, k)) != getattr(row, k) for k in ("url", "kind", "mapping")):
            # page fingerprints and validators belong to the old address: reusing them could skip pages
            values["state"] = None
        conn.execute(update(SRC).where(SRC.c.id == source_id).values(**values))
        record(conn, actor, "source.update", f"source:{source_id}", {"before": before, "after": changes},
               organisation_id=row.organisation_id)
        fresh = conn.execute(select(SRC).where(SRC.c.id == source_id)).one()
    return Source(**fresh._mapping)


def delete_source(engine: Engine, source_id: int, *, actor: Principal) -> dict[str, Any]:
    """Mark a source deleted and withdraw its active datasets, keeping every revision and job."""
    ds, rev = runs.DS, runs.REV
    with engine.begin() as conn:
        row = _load(conn, source_id)
        now = utcnow()
        active = conn.execute(select(ds.c.pk, ds.c.id, ds.c.content_hash).where(
            ds.c.source_id == source_id, ds.c.status == "active")).all()
        pks = [r.pk for r in active]
        for batch in chunked(pks, runs.CHUNK):
            conn.execute(update(ds).where(ds.c.pk.in_(batch)).values(
                status="withdrawn", withdrawn_at=now, updated_at=now))
        if active:
            conn.execute(insert(rev), [
                {"dataset_id": r.id, "job_id": None, "change": "withdrawn", "content_hash": r.content_hash,
                 "previous": None, "created_at": now} for r in active])
            runs.bump_generation(conn)
        conn.execute(update(SRC).where(SRC.c.id == source_id).values(deleted=True, updated_at=now))
        record(conn, actor, "source.delete", f"source:{source_id}",
               {"name": row.name, "withdrawn": len(active)}, organisation_id=row.organisation_id)
    return {"id": source_id, "name": row.name, "deleted": True, "withdrawn": len(active)}
