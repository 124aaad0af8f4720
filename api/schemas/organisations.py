"""Organisations, their quality reports and the audit log."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from api.schemas.common import Schema
from api.schemas.quality import FailedRule


class Organisation(Schema):
    id: int
    name: str
    created_at: str | None
    sources: int
    active_tokens: int = Field(description="Unrevoked tokens (never the tokens themselves)")
    publishers: list[str] = Field(description="The publishers it is linked to (their ids)")


class OrganisationRef(Schema):
    id: int
    name: str


class OrganisationSource(Schema):
    id: int
    name: str
    datasets: int
    invalid: int
    own: bool = Field(description="Its own source (else one that harvested a linked publisher's datasets)")


class OrganisationPublisher(Schema):
    id: str
    name: str | None
    datasets: int = Field(description="Its active datasets, from whichever source")
    invalid: int


class OrganisationQuality(Schema):
    """An organisation's active datasets: how many, how many invalid, which rules fail most."""

    organisation: OrganisationRef
    datasets: int
    invalid: int
    valid: int
    average_score: float | None
    rules: list[FailedRule] = Field(description="The rules broken by the most datasets")
    sources: list[OrganisationSource]
    publishers: list[OrganisationPublisher] = Field(description="The publishers it is linked to")


class AuditEntry(Schema):
    """One write: who, what, when, on what."""

    id: int
    at: str | None
    actor: str = Field(description="admin, cli or an organisation with its token prefix")
    organisation_id: int | None
    action: str = Field(description="source.create, source.update, token.revoke, …")
    target: str | None = Field(description="source:12, organisation:3")
    details: dict[str, Any] | None
