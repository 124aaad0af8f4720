"""Triggering a harvest: POST /api/sources/{id}/harvest."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from api.deps import EngineDep, SettingsDep
from api.problems import problem
from api.routes.params import SourceWriterDep, path_id
from api.schemas import HarvestConflict, JobSummary, problem_response, problems
from catalog.services import jobs
from harvester.job_lifecycle import JobInProgress
from harvester.scheduler import trigger_harvest

router = APIRouter(prefix="/api", tags=["sources"])


@router.post("/sources/{source_id}/harvest", status_code=202, response_model=JobSummary,
             response_model_exclude_unset=True,
             responses={**problems(401, 403, 404, 422),
                        409: problem_response(409, HarvestConflict, "A harvest of the source is in progress")})
def trigger(source_id: Annotated[int, path_id("source")], engine: EngineDep, settings: SettingsDep, response: Response,
            _allowed: SourceWriterDep) -> Any:
    """Queue a harvest of the source now, next to its schedule: 202 with the job, or 409 with the job
    already in progress (a source is never harvested twice at once). The source's organisation or an
    administrator only (401 without a valid token, 403 for another organisation's source)."""
    try:
        job = trigger_harvest(engine, settings, source_id)
    except JobInProgress as exc:
        return _in_progress(exc)
    response.headers["Location"] = f"/api/jobs/{job.id}"
    return jobs.job_summary(job)


def _in_progress(exc: JobInProgress) -> JSONResponse:
    body: dict[str, Any] = {"job": jobs.job_summary(exc.job)}
    resp = problem(409, exc.title, exc.message, **body)
    resp.headers["Location"] = f"/api/jobs/{exc.job.id}"
    return resp
