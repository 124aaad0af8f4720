"""Publishers: who they are across sources (id, organisation number, aliases), merge proposals and
merges, and the publishers an organisation is linked to."""

from __future__ import annotations

from pydantic import Field

from api.schemas.common import LangMap, Schema
from api.schemas.sources import JobSummary

ORG_NUMBER = "The Swedish organisation number (212000-3005) its IRIs carry, when they carry one"


class PublisherAlias(Schema):
    """A publisher merged into another: its id keeps resolving to that one."""

    id: str
    name: str | None
    uri: str | None
    org_number: str | None = Field(description=ORG_NUMBER)


class PublisherListing(Schema):
    id: str
    name: str
    names: LangMap = Field(description="Its name by language")
    type: str | None = Field(description="The publisher type's IRI")
    org_number: str | None = Field(description=ORG_NUMBER)
    datasets: int = Field(description="Active datasets")
    dataservices: int = Field(description="Active data services")


class PublisherCounts(Schema):
    active: int
    withdrawn: int
    dataset: int
    dataservice: int


class PublisherSource(Schema):
    id: int
    name: str
    kind: str
    schedule: str | None
    datasets: int = Field(description="Its active datasets from this source")
    last_job: JobSummary | None


class PublisherDetail(Schema):
    """One publisher; an alias's id answers the publisher it was merged into."""

    id: str = Field(description="The publisher's one id (the publisher facet's value)")
    requested: str = Field(description="The id asked for: an alias's when it differs from id")
    uri: str | None
    name: str
    names: LangMap
    type: str | None
    org_number: str | None = Field(description=ORG_NUMBER)
    aliases: list[PublisherAlias]
    datasets: PublisherCounts
    sources: list[PublisherSource]


class PublisherIdentity(Schema):
    id: str
    org_number: str | None = Field(description=ORG_NUMBER)
    aliases: list[PublisherAlias]


class CandidateSide(Schema):
    id: str
    name: str | None
    type: str | None
    uri: str | None
    org_number: str | None
    datasets: int


class MergeCandidate(Schema):
    """Two publishers that look like one, and which to keep."""

    keep: CandidateSide
    merge: CandidateSide
    reason: str


class MergeResult(Schema):
    publisher: PublisherIdentity = Field(description="The publisher as it is now")
    merged: str | None = Field(default=None, description="merge: the publisher merged")
    from_: str | None = Field(default=None, alias="from", description="unmerge: the publisher it was part of")
    datasets_moved: int


class OrganisationRefOut(Schema):
    id: int
    name: str


class PublisherLink(Schema):
    organisation: OrganisationRefOut
    publisher: str = Field(description="The publisher linked (or unlinked)")
    linked: bool = Field(description="Whether this call added the link")
    publishers: list[str] = Field(description="Every publisher the organisation is linked to now")


class HvdCategoryCount(Schema):
    code: str = Field(description="HVD category code (c_164e0bf5)")
    label: LangMap
    datasets: int


class HvdMissingCount(Schema):
    fact: str = Field(description="legislation, hvd_category, distribution, licence, contact_point or documentation")
    label: LangMap = Field(description="What is missing, in Swedish and English")
    datasets: int = Field(description="HVD datasets lacking it")


class HvdIncomplete(Schema):
    id: str
    title: str | None
    type: str
    missing: list[str] = Field(description="The HVD facts it lacks")


class PublisherRef(Schema):
    id: str
    name: str | None


class PublisherHvd(Schema):
    """A publisher's high-value datasets (Implementing Regulation (EU) 2023/138): how many, per category,
    and which lack the facts DCAT-AP HVD asks of them."""

    publisher: PublisherRef
    datasets: int = Field(description="The publisher's active datasets and data services")
    hvd: int = Field(description="Those that name an HVD category or cite the HVD regulation")
    complete: int = Field(description="HVD datasets stating every HVD fact")
    incomplete: int = Field(description="HVD datasets lacking one or more")
    categories: list[HvdCategoryCount]
    missing: list[HvdMissingCount] = Field(description="Each fact some HVD dataset lacks, with how many lack it")
    incomplete_datasets: list[HvdIncomplete] = Field(description="The incomplete HVD datasets (at most 200)")
