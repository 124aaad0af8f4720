"""Bounds of path and query parameters shared by the routes: a value no column can hold is a 422
naming the parameter, before any query is made (SQLite cannot bind an integer beyond 64 bits,
PostgreSQL refuses one beyond its INTEGER column's 32 bits, and NUL in any text)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Query
from pydantic import AfterValidator

from api.auth import SourceWrite, WriterDep, require_source_writer
from api.deps import EngineDep

MAX_ID = 2**31 - 1  # ids are INTEGER columns: 32-bit on PostgreSQL
MAX_TEXT_ID = 500  # dataset, list and publisher ids are far shorter; a longer one names nothing


def no_nul(value: str | None) -> str | None:
    if value is not None and "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def path_id(what: str) -> Any:
    """A row id in the path: 1 to 2**31 - 1."""
    return Path(ge=1, le=MAX_ID, description=f"The {what}'s id")


def query_id(description: str) -> Any:
    """A row id in the query string: 1 to 2**31 - 1."""
    return Query(ge=1, le=MAX_ID, description=description)


NoNul = AfterValidator(no_nul)
# a text id in the path (datasets, lists, publishers): bounded, without NUL
TextId = Annotated[str, Path(max_length=MAX_TEXT_ID), NoNul]


def bounded_source_writer(source_id: Annotated[int, path_id("source")], principal: WriterDep,
                          engine: EngineDep) -> SourceWrite:
    """:func:`api.auth.require_source_writer` with the path's bounds. FastAPI calls a route's
    dependencies before it validates the route's own parameters, so the bound must be declared here,
    where the source is looked up, or an id beyond 32 bits reaches the database."""
    return require_source_writer(source_id, principal, engine)


SourceWriterDep = Annotated[SourceWrite, Depends(bounded_source_writer)]
