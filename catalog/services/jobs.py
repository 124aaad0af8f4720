"""Harvest jobs as the API and CLI show them: summaries and full reports."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session

from catalog.errors import NotFound
from catalog.normalise import iso
from catalog.quality.problems import RuleTally
from catalog.store.tables import JOB, JOBREC, HarvestJob, JobRecord, Source


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
    }


def list_jobs(engine: Engine, source_id: int, *, limit: int = 50) -> list[dict[str, Any]]:
    with Session(engine) as session:
        rows = session.execute(
            select(HarvestJob).where(JOB.c.source_id == source_id).order_by(JOB.c.id.desc()).limit(limit)
        ).all()
    return [job_summary(r[0]) for r in rows]


def get_job(engine: Engine, job_id: int) -> dict[str, Any]:
    """A job's full report: counts, the changes it made and every problem, grouped by rule."""
    with Session(engine) as session:
        job = session.get(HarvestJob, job_id)
        if job is None:
            raise NotFound(f"no job {job_id}")
        source = session.get(Source, job.source_id)
        records = session.execute(select(JobRecord).where(JOBREC.c.job_id == job_id).order_by(JOBREC.c.id)).all()
    report = job_summary(job)
    report["source"] = source.name if source else None
    changes: dict[str, list[dict[str, Any]]] = {"added": [], "updated": [], "restored": [], "withdrawn": [],
                                                "held": []}
    problems = RuleTally()
    for (rec,) in records:
        if rec.outcome in changes:
            changes[rec.outcome].append({"dataset_id": rec.dataset_id, "ref": rec.ref})
            continue
        problems.add({"rule": rec.rule or rec.outcome, "severity": rec.severity, "message": rec.message},
                     dataset_id=rec.dataset_id,
                     member={"dataset_id": rec.dataset_id, "ref": rec.ref, "outcome": rec.outcome,
                             "message": rec.message})
    report["changes"] = changes
    report["problems"] = problems.groups(members="records")
    return report
