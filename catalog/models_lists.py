"""Tables of curated dataset lists: a list, and its datasets in the order the curator chose."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from catalog.models import utcnow


class DatasetList(SQLModel, table=True):
    """A curated list. Only a hash of its edit token is stored (the token is shown once)."""

    __tablename__ = "dataset_list"

    id: str = Field(primary_key=True, max_length=32)
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    token_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class DatasetListItem(SQLModel, table=True):
    """One dataset of a list, by its stable id (so a withdrawn or re-harvested dataset stays listed)."""

    __tablename__ = "dataset_list_item"
    __table_args__ = (Index("ix_dataset_list_item_list", "list_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    list_id: str = Field(max_length=32)
    position: int = Field(default=0)
    dataset_id: str = Field(max_length=64)
