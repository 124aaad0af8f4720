"""Curated dataset lists (and the items of a JSON export, which have the same shape)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from api.schemas.common import Schema
from api.schemas.datasets import DatasetSummary
from catalog.export.writers import FORMATS


class DatasetLinks(Schema):
    landing_pages: list[str]
    download_urls: list[str]
    access_urls: list[str] = Field(description="Access URLs and API endpoints that are not download URLs")
    catalogue: str = Field(description="The dataset in this API")


class ListedHvd(Schema):
    categories: list[str] = Field(description="High-value dataset category codes (c_164e0bf5)")
    legislation: list[str] = Field(description="Applicable legislation IRIs")


class ListedDataset(DatasetSummary):
    """A search summary with the dataset's links (a list's datasets, the items of a JSON export)."""

    access_label: str = Field(description="open, API key / restricted or not public")
    hvd: ListedHvd | None = Field(default=None, description="High-value dataset facts (the export columns)")
    links: DatasetLinks
    note: str | None = Field(default=None, description="Only on withdrawn datasets: what that means for the links")


class DatasetList(Schema):
    """A curated list with its datasets, in its order; withdrawn datasets stay, with a note."""

    id: str
    title: str
    description: str
    created_at: str | None
    updated_at: str | None
    count: int
    datasets: list[ListedDataset]


class CreatedList(DatasetList):
    """A list just made, with its edit token."""

    edit_token: str = Field(description="Shown this once: send it as Authorization: Bearer or X-Edit-Token")


def export_response() -> dict[str, Any]:
    """The 200 of an export: a download in any export format; ``json`` is an array of listed datasets."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {"model": list[ListedDataset], "description": "A download (Content-Disposition: attachment)",
            "content": {media: binary for media, _ in FORMATS.values() if media != "application/json"}}
