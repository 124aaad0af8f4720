"""Sources and their jobs."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response

from api.deps import EngineDep
from api.routes.params import path_id, query_id
from api.schemas import JobSummary, SourceSummary, problems
from api.schemas.sources import MappingText, MappingVersion
from catalog.errors import NotFound
from catalog.services import jobs, mappings, sources

router = APIRouter(prefix="/api", tags=["sources"])


@router.get("/sources", response_model=list[SourceSummary], response_model_exclude_unset=True)
def list_sources(engine: EngineDep) -> list[dict[str, Any]]:
    """Every registered source, with dataset counts and its latest job."""
    return [sources.source_summary(engine, s) for s in sources.list_sources(engine)]


@router.get("/sources/{source_id}", response_model=SourceSummary, response_model_exclude_unset=True,
            responses=problems(404, 422))
def get_source(source_id: Annotated[int, path_id("source")], engine: EngineDep) -> dict[str, Any]:
    return sources.source_summary(engine, sources.get_source(engine, source_id))


@router.get("/sources/{source_id}/jobs", response_model=list[JobSummary], response_model_exclude_unset=True,
            responses=problems(404, 422))
def source_jobs(
    source_id: Annotated[int, path_id("source")], engine: EngineDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[dict[str, Any]]:
    """The source's jobs, newest first."""
    source = sources.get_source(engine, source_id)
    assert source.id is not None
    return jobs.list_jobs(engine, source.id, limit=limit)


@router.get("/sources/{source_id}/mapping", response_model=MappingText, responses={
    **problems(404, 422), 200: {"content": {"application/toml": {"schema": {"type": "string"}}},
                                "description": "The profile: JSON, or its TOML text by Accept or ?format=toml"}})
def get_mapping(
    source_id: Annotated[int, path_id("source")], engine: EngineDep,
    version: Annotated[int | None, query_id("An earlier version")] = None,
    format: Annotated[Literal["json", "toml"] | None, Query(description="toml: the text itself")] = None,  # noqa: A002
    accept: Annotated[str | None, Header()] = None,
) -> Any:
    """The source's uploaded mapping profile: the one in use, or ``version``; its TOML text as JSON
    (with version, digest, who uploaded it and when), or the text itself (``Accept: application/toml``
    or ``?format=toml``). 404 when it has none (a source reading a bundled profile names it in ``mapping``)."""
    source = sources.get_source(engine, source_id)
    assert source.id is not None
    if version is None and source.mapping_version is None:
        raise NotFound(f"source {source_id} uses no uploaded mapping profile"
                       + (f" (it reads the bundled profile {source.mapping!r})" if source.mapping else ""))
    found = mappings.get_version(engine, source.id, version or source.mapping_version)
    if format == "toml" or (format is None and "application/toml" in (accept or "").lower()):
        return Response(found["text"], media_type="application/toml; charset=utf-8",
                        headers={"ETag": f'"{found["digest"]}"', "X-Mapping-Version": str(found["version"])})
    return found


@router.get("/sources/{source_id}/mapping/versions", response_model=list[MappingVersion],
            responses=problems(404, 422))
def mapping_versions(source_id: Annotated[int, path_id("source")], engine: EngineDep) -> list[dict[str, Any]]:
    """Every uploaded version of the source's mapping profile, newest first: who uploaded it and when."""
    source = sources.get_source(engine, source_id)
    assert source.id is not None
    return mappings.history(engine, source.id)
