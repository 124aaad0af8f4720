"""Publishers across sources: list, one publisher (an alias's id answers its publisher), merge
candidates; merging, unmerging and linking organisations to publishers (administrators)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from api.auth import AdminDep
from api.deps import EngineDep, ReadEngineDep
from api.routes.params import NoNul, TextId, path_id
from api.schemas import problems
from api.schemas.publishers import (
    MergeCandidate,
    MergeResult,
    PublisherDetail,
    PublisherHvd,
    PublisherLink,
    PublisherListing,
)
from catalog.services import hvd, organisations, publishers, publishers_identity

router = APIRouter(prefix="/api", tags=["publishers"])
OrganisationId = Annotated[int, path_id("organisation")]

PublisherId = Annotated[str, Field(min_length=1, max_length=64), NoNul]


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # an unknown key is refused (422 naming it), not ignored

    publisher: PublisherId = Field(description="The publisher to merge into the one in the path")


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    publisher: PublisherId = Field(description="A publisher id (an alias's links the publisher it is part of)")


@router.get("/publishers", response_model=list[PublisherListing], response_model_exclude_unset=True)
def list_publishers(engine: ReadEngineDep) -> list[dict[str, Any]]:
    """Publishers with active datasets, most first; a merged publisher appears once, under its publisher."""
    return publishers.list_publishers(engine)


@router.get("/publishers/candidates", response_model=list[MergeCandidate], response_model_exclude_unset=True)
def merge_candidates(engine: ReadEngineDep) -> list[dict[str, Any]]:
    """Publishers that look like one (same name and type, no two organisation numbers): proposals to merge."""
    return publishers_identity.candidates(engine)


@router.get("/publishers/{publisher_id}", response_model=PublisherDetail, response_model_exclude_unset=True,
            responses=problems(404, 422))
def get_publisher(publisher_id: TextId, engine: ReadEngineDep) -> dict[str, Any]:
    """One publisher: organisation number, aliases, counts and sources (an alias's id answers its publisher)."""
    return publishers.get_publisher(engine, publisher_id)


@router.get("/publishers/{publisher_id}/hvd", response_model=PublisherHvd, responses=problems(404, 422))
def publisher_hvd(publisher_id: TextId, engine: ReadEngineDep) -> dict[str, Any]:
    """A publisher's high-value datasets: how many, per HVD category, which lack HVD facts (an alias's
    id answers its publisher)."""
    return hvd.publisher_hvd(engine, publisher_id)


@router.post("/publishers/{publisher_id}/merge", response_model=MergeResult, response_model_exclude_unset=True,
             responses=problems(401, 403, 404, 409, 422))
def merge(publisher_id: TextId, body: MergeIn, admin: AdminDep, engine: EngineDep) -> dict[str, Any]:
    """Merge ``publisher`` into this one (administrators): 409 when they carry two organisation numbers."""
    return publishers_identity.merge(engine, publisher_id, body.publisher, actor=admin)


@router.post("/publishers/{publisher_id}/unmerge", response_model=MergeResult, response_model_exclude_unset=True,
             responses=problems(401, 403, 404, 409, 422))
def unmerge(publisher_id: TextId, admin: AdminDep, engine: EngineDep) -> dict[str, Any]:
    """Take a merged publisher back out, with the datasets whose records name it (administrators)."""
    return publishers_identity.unmerge(engine, publisher_id, actor=admin)


@router.post("/organisations/{organisation_id}/publishers", response_model=PublisherLink,
             response_model_exclude_unset=True, responses=problems(401, 403, 404, 422))
def link_publisher(organisation_id: OrganisationId, body: LinkIn, admin: AdminDep, engine: EngineDep) -> dict[str, Any]:
    """Link an organisation to a publisher it is (administrators): its quality report then covers
    what that publisher publishes, from whichever source."""
    return organisations.link_publisher(engine, organisation_id, body.publisher, actor=admin)


@router.delete("/organisations/{organisation_id}/publishers/{publisher_id}", response_model=PublisherLink,
               response_model_exclude_unset=True, responses=problems(401, 403, 404, 422))
def unlink_publisher(organisation_id: OrganisationId, publisher_id: TextId, admin: AdminDep,
                     engine: EngineDep) -> dict[str, Any]:
    """Undo a link (administrators)."""
    return organisations.unlink_publisher(engine, organisation_id, publisher_id, actor=admin)
