"""Harvest jobs as the API and CLI show them: summaries and full reports."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Engine, delete, select, update
from sqlmodel import Session

from catalog.chunks import chunked
from catalog.errors import NotFound
from catalog.normalise import iso
from catalog.quality.problems import RuleTally
from catalog.store.tables import JOB, JOBREC, HarvestJob, Source, utcnow


def job_summary(job: HarvestJob) -> dict[str, Any]:
    duration = None
    if job.started_at and job.finished_at:
        duration = round((job.finished_at - job.started_at).total_seconds(), 3)
    return {
        "id": job.id, "source_id": job.source_id, "status": job.status, "trigger": job.trigger,
        "created_at": iso(job.created_at), "started_at": iso(job.started_at),
        "finished_at": iso(job.finished_at), "duration_seconds": duration,
        "requests": job.pages,
        "counts": {"seen": job.seen, "added": job.added, "updated": job.updated, "unchanged": job.unchanged,
                   "withdrawn": job.withdrawn, "held": job.held, "invalid": job.invalid, "failed": job.failed},
        "message": job.message,
        # queued or running: counts and problems arrive when the run ends (it is stored all-or-nothing)
        "live": job.status in ("queued", "running"),
        "worker": job.worker, "heartbeat_at": iso(job.heartbeat_at),
        # a held run's withdrawals wait for a decision (catalog/services/held.py); null until one is made
        "decision": ({"decision": job.decision, "by": job.decided_by, "at": iso(job.decided_at)}
                     if job.decision else None),
        # only a source's newest JOB_REPORTS_KEPT finished jobs keep their changes and problems listed
        "records_pruned_at": iso(job.records_pruned_at),
    }


def list_jobs(engine: Engine, source_id: int, *, limit: int = 50) -> list[dict[str, Any]]:
    with Session(engine) as session:
        rows = session.execute(
            select(HarvestJob).where(JOB.c.source_id == source_id).order_by(JOB.c.id.desc()).limit(limit)
        ).all()
    return [job_summary(r[0]) for r in rows]


CHANGES = ("added", "updated", "restored", "withdrawn", "held")


def get_job(engine: Engine, job_id: int) -> dict[str, Any]:
    """A job's full report: counts, the changes it made and every problem, grouped by rule."""
    with job_report(engine, job_id) as report:
        report["changes"] = {outcome: list(rows) for outcome, rows in report["changes"].items()}
        return report


def prune_reports(engine: Engine, source_id: int, keep: int) -> int:
    """Remove the per-record reports (job_record rows) of a source's finished jobs but its newest
    ``keep``, keeping their counts; a held run still waiting for its decision keeps its report (it lists
    what the decision is about). Returns the rows removed; ``keep`` 0 removes nothing."""
    if keep <= 0:
        return 0
    with engine.connect() as conn:
        finished = (JOB.c.status.not_in(("queued", "running"))
                    & ~((JOB.c.status == "held") & JOB.c.decision.is_(None)))
        newest = select(JOB.c.id).where(JOB.c.source_id == source_id, finished).order_by(JOB.c.id.desc()).limit(keep)
        old = list(conn.execute(select(JOB.c.id).where(
            JOB.c.source_id == source_id, finished, JOB.c.records_pruned_at.is_(None),
            JOB.c.id.not_in(newest.scalar_subquery()))).scalars())
        removed = 0
        for batch in chunked(old, 500):
            removed += conn.execute(delete(JOBREC).where(JOBREC.c.job_id.in_(batch))).rowcount or 0
            conn.execute(update(JOB).where(JOB.c.id.in_(batch)).values(records_pruned_at=utcnow()))
        conn.commit()
    return removed


SHOWN = 200  # the changes of each kind, and the records of each problem group, that a page lists


def job_overview(engine: Engine, job_id: int, *, shown: int = SHOWN) -> dict[str, Any]:
    """A job's report as a page shows it: each list of changes, and each problem group's records,
    cut to its first ``shown`` (the API's and the CLI's report lists them all). ``totals`` gives
    each list of changes' full length, a group's ``records_total`` its records'."""
    with job_report(engine, job_id) as report:
        totals: dict[str, int] = {}
        for kind, rows in report["changes"].items():
            report["changes"][kind] = first = list(islice(rows, shown))
            totals[kind] = len(first) + sum(1 for _ in rows)
    report["totals"] = totals
    for group in report["problems"]:
        records = group.get("records") or []
        group["records_total"] = len(records)
        group["records"] = records[:shown]
    return report


@contextmanager
def job_report(engine: Engine, job_id: int) -> Iterator[dict[str, Any]]:
    """:func:`get_job`'s report with each list of changes read from the database as it is iterated,
    a few thousand rows at a time (catalog/jsonstream.py writes it so: a run's 100,000 changes are never
    held at once). The lists can be read once, inside the ``with``."""
    with Session(engine) as session:
        job = session.get(HarvestJob, job_id)
        if job is None:
            raise NotFound(f"no job {job_id}")
        source = session.get(Source, job.source_id)
        report = job_summary(job)
        report["source"] = source.name if source else None
    with engine.connect() as conn:
        problems = RuleTally()
        for dataset_id, ref, outcome, rule, severity, message in conn.execute(
            select(JOBREC.c.dataset_id, JOBREC.c.ref, JOBREC.c.outcome, JOBREC.c.rule, JOBREC.c.severity,
                   JOBREC.c.message)
            .where(JOBREC.c.job_id == job_id, JOBREC.c.outcome.not_in(CHANGES)).order_by(JOBREC.c.id)
        ):
            problems.add({"rule": rule or outcome, "severity": severity, "message": message},
                         dataset_id=dataset_id,
                         member={"dataset_id": dataset_id, "ref": ref, "outcome": outcome, "message": message})
        report["changes"] = {outcome: _changes(conn, job_id, outcome) for outcome in CHANGES}
        report["problems"] = problems.groups(members="records")
        yield report


def _changes(conn: Connection, job_id: int, outcome: str) -> Iterator[dict[str, Any]]:
    rows = conn.execution_options(stream_results=True, yield_per=5000).execute(
        select(JOBREC.c.dataset_id, JOBREC.c.ref)
        .where(JOBREC.c.job_id == job_id, JOBREC.c.outcome == outcome).order_by(JOBREC.c.id))
    for dataset_id, ref in rows:
        yield {"dataset_id": dataset_id, "ref": ref}
