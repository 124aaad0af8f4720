"""Harvest job reports, and the decision on a held run's withdrawals."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response, StreamingResponse

from api.auth import WriterDep, may_write
from api.deps import EngineDep
from api.routes.params import path_id
from api.schemas import JobReport, problems
from catalog.errors import Forbidden
from catalog.jsonstream import iter_json_bytes
from catalog.services import held, jobs
from catalog.services.organisations import Principal

router = APIRouter(prefix="/api", tags=["jobs"])
JobId = Annotated[int, path_id("job")]


@router.get("/jobs/{job_id}", response_model=JobReport, response_model_exclude_unset=True,
            responses=problems(404, 422))
def get_job(job_id: JobId, engine: EngineDep) -> Response:
    """A job's report: counts, changes, and every problem grouped by DCAT-AP-SE rule."""
    # Written as its changes are read from the database (a first harvest's 100,000 additions are
    # never held whole, nor made into models): the JSON of the model above, which documents it.
    held_open = ExitStack()
    report = held_open.enter_context(jobs.job_report(engine, job_id))  # an unknown job: 404 before a byte

    def body() -> Iterator[bytes]:
        with held_open:
            yield from iter_json_bytes(report)

    return StreamingResponse(body(), media_type="application/json")


def require_job_writer(job_id: JobId, principal: WriterDep, engine: EngineDep) -> Principal:
    """Who may decide on a held run: the source's organisation or an administrator (401 without a valid
    token, 404 for an unknown job, 403 for another organisation's)."""
    if not may_write(principal, held.job_source(engine, job_id)):
        raise Forbidden(f"job {job_id} belongs to another organisation's source")
    return principal


JobWriterDep = Annotated[Principal, Depends(require_job_writer)]


@router.post("/jobs/{job_id}/confirm", response_model=JobReport, response_model_exclude_unset=True,
             responses=problems(401, 403, 404, 409, 422))
def confirm_job(job_id: JobId, principal: JobWriterDep, engine: EngineDep) -> dict[str, Any]:
    """Apply a held run's withdrawals: exactly the datasets it held, if the source has not run since
    (else 409: start a new harvest). The job report, with the decision."""
    return held.confirm_held(engine, job_id, actor=principal)


@router.post("/jobs/{job_id}/reject", response_model=JobReport, response_model_exclude_unset=True,
             responses=problems(401, 403, 404, 409, 422))
def reject_job(job_id: JobId, principal: JobWriterDep, engine: EngineDep) -> dict[str, Any]:
    """Close a held run without withdrawing anything. The job report, with the decision."""
    return held.reject_held(engine, job_id, actor=principal)
