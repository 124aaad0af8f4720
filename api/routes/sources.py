"""Sources and their jobs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import EngineDep
from api.schemas import JobSummary, SourceSummary, problems
from catalog.services import jobs, sources

router = APIRouter(prefix="/api", tags=["sources"])


@router.get("/sources", response_model=list[SourceSummary], response_model_exclude_unset=True)
def list_sources(engine: EngineDep) -> list[dict[str, Any]]:
    """Every registered source, with dataset counts and its latest job."""
    return [sources.source_summary(engine, s) for s in sources.list_sources(engine)]


@router.get("/sources/{source_id}", response_model=SourceSummary, response_model_exclude_unset=True,
            responses=problems(404, 422))
def get_source(source_id: int, engine: EngineDep) -> dict[str, Any]:
    return sources.source_summary(engine, sources.get_source(engine, source_id))


@router.get("/sources/{source_id}/jobs", response_model=list[JobSummary], response_model_exclude_unset=True,
            responses=problems(404, 422))
def source_jobs(
    source_id: int, engine: EngineDep, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[dict[str, Any]]:
    """The source's jobs, newest first."""
    source = sources.get_source(engine, source_id)
    assert source.id is not None
    return jobs.list_jobs(engine, source.id, limit=limit)
