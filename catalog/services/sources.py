"""Sources: register, read, change and delete them; each write recorded in the audit log.

Deleting a source never erases history: the source row is marked deleted, its active datasets are
withdrawn (status ``withdrawn``, one revision each, the search generation bumped) and every
revision and job stays. It releases the source's name (a new source may take it) and its datasets:
a source that lists one of them takes it over at its next run (catalog/store/ownership.py). The
caller (API or CLI) has checked that the principal may write it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from catalog.chunks import chunked
from catalog.errors import Conflict, FieldError, InvalidInput, NotFound
from catalog.normalise import iso
from catalog.services import mappings
from catalog.services.audit import record
from catalog.services.jobs import job_summary
from catalog.services.organisations import ORG, Principal
from catalog.store import ownership, runs
from catalog.store.runs import DS
from catalog.store.tables import FACET, JOB, SRC, HarvestJob, Source, utcnow
from catalog.text import check_text, without_credentials


def create_source(
    engine: Engine, *, name: str, kind: str, url: str, mapping: str | None = None,
    schedule: str | None = None, organisation_id: int | None = None, profile: str | None = None,
    uploaded_by: str = "",
) -> Source:
    """Save a new source (the caller has checked its kind, URL and mapping). Raises Conflict on a taken
    name. ``profile``: an uploaded mapping profile's text, saved as its version 1 with the source."""
    name = check_text("name", name.strip())
    if not name or len(name) > 100:
        raise FieldError("name", "a source name is 1 to 100 characters")
    taken = Conflict(f"a source named {name!r} exists already")
    with Session(engine, expire_on_commit=False) as session:
        if session.execute(select(Source).where(SRC.c.name == name, SRC.c.deleted.is_(False))).scalars().first():
            raise taken
        source = Source(name=name, kind=kind, url=url, mapping=None if profile is not None else mapping,
                        schedule=schedule, organisation_id=organisation_id)
        session.add(source)
        try:
            if profile is not None:
                session.flush()
                assert source.id is not None
                source.mapping_version = mappings.add_version(session.connection(), source.id, profile,
                                                              actor=uploaded_by, now=utcnow())
            session.commit()
        except IntegrityError as exc:  # registered by another request meanwhile (ux_source_live_name)
            raise taken from exc
        session.refresh(source)
        return source


def get_source(engine: Engine, ref: int | str) -> Source:
    """A source by id or by name."""
    with Session(engine, expire_on_commit=False) as session:
        source: Source | None = None
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            source = session.get(Source, int(ref))
        if source is None:  # a deleted source's name may belong to a live one now
            source = session.execute(select(Source).where(
                SRC.c.name == str(ref), SRC.c.deleted.is_(False))).scalars().first()
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
        "id": source.id, "name": source.name, "kind": source.kind, "url": without_credentials(source.url),
        "mapping": source.mapping, "mapping_version": source.mapping_version,
        "schedule": source.schedule, "organisation_id": source.organisation_id,
        "created_at": iso(source.created_at),
        "datasets": {"active": counts.get("active", 0), "withdrawn": counts.get("withdrawn", 0)},
        "last_job": job_summary(last[0]) if last else None,
    }



EDITABLE = ("url", "kind", "mapping", "schedule", "organisation_id")
RESET_STATE = ("url", "kind", "mapping", "mapping_version")  # a change of these forgets the page memory


def _load(conn: Any, source_id: int) -> Any:
    row = conn.execute(select(SRC).where(SRC.c.id == source_id)).first()
    if row is None or row.deleted:
        raise NotFound(f"no source {source_id!r}")
    return row


def record_created(engine: Engine, source: Source, *, actor: Principal, detected: str | None = None) -> None:
    """Audit a source that was just registered (``detected``: what its URL was found to be, when its
    kind was not given)."""
    details = {"name": source.name, "kind": source.kind, "url": source.url, "mapping": source.mapping,
               "mapping_version": source.mapping_version, "schedule": source.schedule}
    if detected:
        details["detected"] = detected
    with engine.begin() as conn:
        record(conn, actor, "source.create", f"source:{source.id}", details,
               organisation_id=source.organisation_id)


def update_source(engine: Engine, source_id: int, *, changes: dict[str, Any], actor: Principal) -> Source:
    """Apply checked changes to a source; a new URL, kind or mapping starts its page memory afresh.
    ``mapping_profile`` (an uploaded profile's text) is stored as the source's next version and used
    from now on; ``mapping`` (a bundled profile's name, or null) stops using the uploaded one."""
    profile = changes.get("mapping_profile")
    changes = {k: v for k, v in changes.items() if k in EDITABLE}
    with engine.begin() as conn:
        row = _load(conn, source_id)
        if "organisation_id" in changes and changes["organisation_id"] is not None and conn.execute(
                select(ORG.c.id).where(ORG.c.id == changes["organisation_id"])).first() is None:
            raise NotFound(f"no organisation {changes['organisation_id']!r}")
        now = utcnow()
        if profile is not None:
            version = mappings.add_version(conn, source_id, profile, actor=actor.actor, now=now)
            changes = {**changes, "mapping": None, "mapping_version": version}
        elif "mapping" in changes:
            changes = {**changes, "mapping_version": None}
        before = {k: getattr(row, k) for k in changes}
        values: dict[str, Any] = {**changes, "updated_at": now}
        if any(changes.get(k, getattr(row, k)) != getattr(row, k) for k in RESET_STATE):
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
        ownership.forget_claims(conn, source_id)
        record(conn, actor, "source.delete", f"source:{source_id}",
               {"name": row.name, "withdrawn": len(active)}, organisation_id=row.organisation_id)
    return {"id": source_id, "name": row.name, "deleted": True, "withdrawn": len(active)}


def hand_over(engine: Engine, *, to_source: int, from_source: int, actor: Principal,
              dataset_ids: list[str] | None = None) -> dict[str, Any]:
    """An administrator's decision between two active sources that list the same datasets: the
    datasets ``from_source`` keeps and ``to_source`` listed at its last run (all of them, or those of
    ``dataset_ids``) move to ``to_source``, each with a revision naming where it came from, audited.

    Only what ``to_source`` lists moves (its claims), so nothing it does not publish changes hands;
    its next run reads every page and stores its own version of them (catalog/store/ownership.py).
    """
    if to_source == from_source:
        raise InvalidInput("a source cannot take datasets over from itself")
    with engine.begin() as conn:
        taker, giver = _load(conn, to_source), _load(conn, from_source)
        rows = ownership.claimed_from(conn, lister=to_source, keeper=from_source)
        if dataset_ids is not None:
            wanted = set(dataset_ids)
            rows = [r for r in rows if r[1] in wanted]
            missing = sorted(wanted - {r[1] for r in rows})
            if missing:
                raise Conflict(f"source {taker.name!r} did not list {len(missing)} of these datasets at its last "
                               f"run while source {giver.name!r} kept them: {', '.join(missing[:10])}")
        now = utcnow()
        for batch in chunked([r[0] for r in rows], runs.CHUNK):
            conn.execute(update(DS).where(DS.c.pk.in_(batch), DS.c.source_id == from_source)
                         .values(source_id=to_source, updated_at=now))
            conn.execute(update(FACET).where(FACET.c.dataset_pk.in_(batch), FACET.c.facet == "source")
                         .values(value=taker.name))
        if rows:
            # the giver listed them at its last run: now it is the one that lists what another keeps
            ownership.add_claims(conn, from_source, [r[1] for r in rows], now=now)
            conn.execute(insert(runs.REV), [
                {"dataset_id": did, "job_id": None, "change": "updated", "content_hash": content_hash,
                 "previous": None, "created_at": now, "from_source_id": from_source}
                for _, did, content_hash, _ in rows])
            runs.bump_generation(conn)
        record(conn, actor, "source.take_over", f"source:{to_source}",
               {"from": giver.name, "from_id": from_source, "to": taker.name, "datasets": [r[1] for r in rows]},
               organisation_id=taker.organisation_id)
    return {"source": taker.name, "from_source": giver.name, "taken_over": [r[1] for r in rows]}
