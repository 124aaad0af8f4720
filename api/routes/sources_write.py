"""Writing sources: register, change, delete, and preview one before registering it.

Every route here needs a bearer token; api/auth.py decides who may write which source (an
organisation touches only its own), before registration is called.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.concurrency import run_in_threadpool

from api.auth import AdminDep, WriterDep, check_source_changes, owner_of_new_source
from api.deps import EngineDep, SettingsDep
from api.routes.params import MAX_ID, SourceWriterDep, path_id
from api.schemas import DeletedSource, Preview, SourceSummary, problems
from api.schemas.sources import TakeOver
from catalog.errors import FieldError
from catalog.formats.jsonapi import MAX_PROFILE_BYTES
from catalog.services import sources
from harvester import preview, registration

router = APIRouter(prefix="/api", tags=["sources"])
SourceId = Annotated[int, path_id("source")]

# names: no control characters or slashes; mappings: a bundled profile's name, never a server path
Name = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f/]+$")]
Kind = Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[a-z][a-z0-9_]*$")]
Url = Annotated[str, Field(min_length=1, max_length=2000, pattern=r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$")]
# (a name with ".toml" would be read as a file in the server's working folder: refused)
Mapping = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")]
Schedule = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")]
# an uploaded profile's TOML text: its size (64 KB) and keys are checked as a file's are (422 naming them)
Profile = Annotated[str, Field(min_length=1, description="A mapping profile's TOML text (config/mappings/README.md)")]


class SourceIn(BaseModel):
    """A source to register."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    kind: Kind | None = Field(default=None, description="dcat, ckan or jsonapi; without it the URL is asked")
    url: Url
    mapping: Mapping | None = None
    mapping_profile: Profile | None = None
    schedule: Schedule | None = None
    organisation_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="Administrators only: the owner")


class SourcePatch(BaseModel):
    """The fields to change; a source's name stays (ids of records without a URI derive from it)."""

    model_config = ConfigDict(extra="forbid")

    url: Url | None = None
    kind: Kind | None = None
    mapping: Mapping | None = None
    mapping_profile: Profile | None = None
    schedule: Schedule | None = None
    organisation_id: int | None = Field(default=None, ge=1, le=MAX_ID)

    @model_validator(mode="after")
    def _required_stay_set(self) -> SourcePatch:
        for name in ("url", "kind"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


DatasetId = Annotated[str, Field(min_length=1, max_length=64)]


class TakeOverIn(BaseModel):
    """Which source's datasets to take over (those this source listed at its last run)."""

    model_config = ConfigDict(extra="forbid")

    from_source: int = Field(ge=1, le=MAX_ID, description="The source that keeps them now")
    dataset_ids: list[DatasetId] | None = Field(
        default=None, max_length=10_000, description="Only these (every one must be listed by this source)")


class PreviewIn(BaseModel):
    """A source to try without saving it."""

    model_config = ConfigDict(extra="forbid")

    name: Name = "preview"
    kind: Kind | None = Field(default=None, description="dcat, ckan or jsonapi; without it the URL is asked")
    url: Url
    mapping: Mapping | None = None
    mapping_profile: Profile | None = None


@router.post("/sources", status_code=201, response_model=SourceSummary, response_model_exclude_unset=True,
             responses=problems(401, 403, 404, 409, 422))
def create_source(body: SourceIn, principal: WriterDep, engine: EngineDep, settings: SettingsDep) -> dict[str, Any]:
    """Register a source owned by the caller's organisation (422 names the field that is wrong). Without
    ``kind`` its URL is asked what it is (a CKAN API, a DCAT document, a JSON API); ``detected`` says
    what was found, and a URL that is none of these is refused saying what it is."""
    owner = owner_of_new_source(principal, body.organisation_id)
    source, detected = registration.add_detected_source(engine, settings, actor=principal, organisation_id=owner,
                                                        **body.model_dump(exclude={"organisation_id"}))
    summary = sources.source_summary(engine, source)
    if detected is not None:
        summary["detected"] = detected.found
    return summary


@router.post("/sources/preview", response_model=Preview, response_model_exclude_unset=True,
             responses=problems(401, 422))
def preview_source(body: PreviewIn, _principal: WriterDep, engine: EngineDep, settings: SettingsDep) -> dict[str, Any]:
    """Dry run: fetch, map and check a source without storing anything; the counts are those a
    harvest would report now (duplicates of datasets other sources keep included)."""
    return preview.preview_source(settings, engine=engine, **body.model_dump())


@router.patch("/sources/{source_id}", response_model=SourceSummary, response_model_exclude_unset=True,
              responses=problems(401, 403, 404, 422))
def update_source(
    source_id: SourceId, body: SourcePatch, write: SourceWriterDep, engine: EngineDep, settings: SettingsDep,
) -> dict[str, Any]:
    """Change a source's url, kind, mapping or schedule (owner or administrator)."""
    changes = body.model_dump(exclude_unset=True)
    check_source_changes(write, changes)
    source = registration.change_source(engine, settings, actor=write.principal, source_id=source_id,
                                        changes=changes)
    return sources.source_summary(engine, source)


@router.delete("/sources/{source_id}", response_model=DeletedSource, response_model_exclude_unset=True,
               responses=problems(401, 403, 404, 422))
def delete_source(source_id: SourceId, write: SourceWriterDep, engine: EngineDep) -> dict[str, Any]:
    """Delete a source: marked deleted, its datasets withdrawn, every revision and job kept."""
    return registration.remove_source(engine, actor=write.principal, source_id=source_id)


@router.post("/sources/{source_id}/take-over", response_model=TakeOver, responses=problems(401, 403, 404, 409, 422))
def take_over(source_id: SourceId, body: TakeOverIn, admin: AdminDep, engine: EngineDep) -> dict[str, Any]:
    """Administrators only: decide between two active sources that list the same datasets. The
    datasets ``from_source`` keeps and this source listed at its last run move here, each with a
    revision naming ``from_source``; audited. (A source whose keeper is deleted or withdrew a dataset
    takes it over by itself at its next run.)"""
    return sources.hand_over(engine, to_source=source_id, from_source=body.from_source, actor=admin,
                             dataset_ids=body.dataset_ids)


@router.put("/sources/{source_id}/mapping", response_model=SourceSummary, response_model_exclude_unset=True,
            responses=problems(401, 403, 404, 422), openapi_extra={"requestBody": {"required": True, "content": {
                "application/toml": {"schema": {"type": "string"}}, "text/plain": {"schema": {"type": "string"}}}}})
async def put_mapping(source_id: SourceId, request: Request, write: SourceWriterDep, engine: EngineDep,
                      settings: SettingsDep) -> dict[str, Any]:
    """Upload the source's own mapping profile (the body: TOML, UTF-8, at most 64 KB), checked as at
    registration; it is stored as the source's next version and used by its harvests from now on."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_PROFILE_BYTES:
            raise FieldError("mapping_profile", f"a mapping profile is at most {MAX_PROFILE_BYTES:,} bytes (64 KB)")
        chunks.append(chunk)
    try:
        text = b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FieldError("mapping_profile", f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    if not text.strip():
        raise FieldError("mapping_profile", "send the profile's TOML text as the body")
    source = await run_in_threadpool(registration.set_mapping, engine, settings, actor=write.principal,
                                     source_id=source_id, text=text)
    return sources.source_summary(engine, source)
