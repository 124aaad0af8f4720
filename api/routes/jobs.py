"""Harvest job reports."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import EngineDep
from api.schemas import JobReport, problems
from catalog.services import jobs

router = APIRouter(prefix="/api", tags=["jobs"])


@router.get("/jobs/{job_id}", response_model=JobReport, response_model_exclude_unset=True,
            responses=problems(404, 422))
def get_job(job_id: int, engine: EngineDep) -> dict[str, Any]:
    """A job's report: counts, changes, and every problem grouped by DCAT-AP-SE rule."""
    return jobs.get_job(engine, job_id)
