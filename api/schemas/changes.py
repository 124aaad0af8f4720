"""The change feed."""

from __future__ import annotations

from pydantic import Field

from api.schemas.common import Schema


class Change(Schema):
    dataset_id: str
    uri: str | None
    title: str | None
    change: str = Field(description="added, updated, restored or withdrawn")
    time: str | None
    job_id: int | None = Field(description="The harvest job; null for a withdrawal by deleting its source")
    content_hash: str
    dataset_status: str | None = Field(description="The dataset's status now")
    previous_source: str | None = Field(
        default=None, description="A takeover: the source the dataset was kept by before (deleted, or it had "
        "withdrawn the dataset, or an administrator handed it over); null otherwise")


class ChangeFeed(Schema):
    """Changes oldest first; pass ``cursor=<next>`` (or follow ``next_url``) for what came after."""

    since: str | None
    cursor: str | None
    count: int
    items: list[Change]
    next: str = Field(description="The cursor to pass next")
    more: bool = Field(description="More changes wait after this page")
    next_url: str
