"""Deciding on a held run: confirm its withdrawals, or reject them.

A run that would withdraw more than ``WITHDRAW_THRESHOLD`` of a source's datasets (or that listed
nothing at all) withdraws nothing: it ends ``held`` and names every dataset it would have withdrawn
in its job records (outcome ``held``, catalog/store/runs.py). The source's owner or an administrator
then decides:

- **confirm** applies exactly those withdrawals, with a revision each and the search generation
  bumped, as the run itself would have. Only while the run is the source's latest: a later run
  (queued, running or finished, unless it failed and so changed nothing) saw the source afresh, and
  its own report is what to decide on, so confirming is refused with 409 asking for a new run.
- **reject** closes the hold and withdraws nothing (the datasets stay active until a run that is not
  held withdraws them).

Each decision is made once, kept on the job (who, when, which) and written to the audit log in the
same transaction. Who may decide (the source's organisation or an administrator) is the API's
decision (api/auth.py); :func:`job_source` gives it the source to decide on.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, select, update

from catalog.chunks import chunked
from catalog.errors import Conflict, NotFound
from catalog.services import sources
from catalog.services.audit import record
from catalog.services.jobs import get_job
from catalog.services.organisations import Principal
from catalog.store import runs
from catalog.store.tables import DS, JOB, JOBREC, SRC, Source, utcnow

CONFIRMED = "confirmed"
REJECTED = "rejected"
CONFIRMED_MESSAGE = "withdrawal held by this run, confirmed"
ACTIONS = {CONFIRMED: "job.confirm", REJECTED: "job.reject"}  # audit log actions


def job_source(engine: Engine, job_id: int) -> Source:
    """The source a job ran for, to decide who may confirm or reject it (NotFound for an unknown job
    or a deleted source)."""
    with engine.connect() as conn:
        source_id = conn.execute(select(JOB.c.source_id).where(JOB.c.id == job_id)).scalar()
    if source_id is None:
        raise NotFound(f"no job {job_id}")
    return sources.get_source(engine, int(source_id))


def confirm_held(engine: Engine, job_id: int, *, actor: Principal) -> dict[str, Any]:
    """Apply a held run's withdrawals; the job report with the decision. The caller has checked that
    ``actor`` may write the job's source (api/auth.py); the actor is named in the audit log."""
    return _decide(engine, job_id, actor=actor, decision=CONFIRMED)


def reject_held(engine: Engine, job_id: int, *, actor: Principal) -> dict[str, Any]:
    """Close a held run without withdrawing anything; the job report (the caller checked the actor)."""
    return _decide(engine, job_id, actor=actor, decision=REJECTED)


def _decide(engine: Engine, job_id: int, *, actor: Principal, decision: str) -> dict[str, Any]:
    with engine.begin() as conn:
        job = conn.execute(select(JOB).where(JOB.c.id == job_id)).first()
        if job is None:
            raise NotFound(f"no job {job_id}")
        source = conn.execute(select(SRC).where(SRC.c.id == job.source_id)).one()
        _check_open(job, job_id)
        if source.deleted:
            raise Conflict(f"source {source.name!r} is deleted: its datasets are withdrawn already")
        # claim the decision first: of two people deciding at once, the second finds it taken
        now = utcnow()
        claimed = conn.execute(
            update(JOB).where(JOB.c.id == job_id, JOB.c.status == "held", JOB.c.decision.is_(None))
            .values(decision=decision, decided_by=actor.actor[:200], decided_at=now))
        if claimed.rowcount != 1:
            _check_open(conn.execute(select(JOB).where(JOB.c.id == job_id)).one(), job_id)
            raise Conflict(f"job {job_id} was decided meanwhile")
        held = list(conn.execute(select(JOBREC.c.dataset_id).where(
            JOBREC.c.job_id == job_id, JOBREC.c.outcome == "held", JOBREC.c.dataset_id.is_not(None))).scalars())
        details: dict[str, Any] = {"source": source.name, "held": len(held)}
        if decision == CONFIRMED:
            if not held and job.held:
                raise Conflict(f"job {job_id} ran before held withdrawals were recorded one by one; "
                               "start a new harvest and decide on its report")
            withdrawn = _withdraw(conn, job_id, job.source_id, held, now)
            # checked after the writes: a harvest claimed before this transaction commits is seen here
            # (on SQLite a later claim waits for this transaction, so it reads the withdrawals)
            _check_latest(conn, job_id, job.source_id, source.name)
            conn.execute(update(JOB).where(JOB.c.id == job_id).values(withdrawn=job.withdrawn + withdrawn))
            details["withdrawn"] = withdrawn
        record(conn, actor, ACTIONS[decision], f"job:{job_id}", details,
               organisation_id=source.organisation_id)
    return get_job(engine, job_id)


def _check_open(job: Any, job_id: int) -> None:
    if job.decision:
        raise Conflict(f"job {job_id}'s held withdrawals were {job.decision} already "
                       f"by {job.decided_by} at {job.decided_at:%Y-%m-%d %H:%M}")
    if job.status != "held":
        raise Conflict(f"job {job_id} is {job.status}, not held: there is nothing to confirm or reject")


def _check_latest(conn: Connection, job_id: int, source_id: int, name: str) -> None:
    later = conn.execute(select(JOB.c.id, JOB.c.status).where(
        JOB.c.source_id == source_id, JOB.c.id > job_id, JOB.c.status != "failed")
        .order_by(JOB.c.id.desc()).limit(1)).first()
    if later is not None:
        raise Conflict(f"source {name!r} has run since job {job_id} (job {later.id}, {later.status}): "
                       "its held withdrawals may no longer be right; start a new harvest and decide on "
                       "its report")


def _withdraw(conn: Connection, job_id: int, source_id: int, held: list[str], now: Any) -> int:
    """Withdraw the held datasets that are still the source's and still active; how many."""
    rows: list[tuple[int, str, str]] = []
    for ids in chunked(held, runs.CHUNK):
        rows.extend((r.pk, r.id, r.content_hash) for r in conn.execute(
            select(DS.c.pk, DS.c.id, DS.c.content_hash).where(
                DS.c.id.in_(ids), DS.c.source_id == source_id, DS.c.status == "active")))
    if rows:
        runs.withdraw(conn, rows, job_id=job_id, now=now, message=CONFIRMED_MESSAGE)
        runs.bump_generation(conn)
    return len(rows)
