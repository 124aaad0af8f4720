"""The service's own answers: health, and the envelope of the CKAN action API."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from api.schemas.common import Schema


class SearchState(Schema):
    generation: int | None = Field(description="The catalogue generation the search indexes hold")
    datasets: int
    term_index: str = Field(description="ready, building, failed or none")


class Health(Schema):
    status: str = Field(description='"ok"')
    database: str = Field(description="sqlite or postgresql")
    datasets: int = Field(description="Active datasets")
    time: str
    search: SearchState


class CkanSuccess(Schema):
    """CKAN's envelope around an action's result (its shape is CKAN's, per action)."""

    help: str
    success: bool
    result: Any


class CkanErrorBody(Schema):
    type_: str = Field(alias="__type", description="Validation Error, Not Found Error, Bad Request, …")
    message: str


class CkanFailure(Schema):
    """CKAN's envelope around an error."""

    help: str
    success: bool = Field(description="false")
    error: CkanErrorBody
