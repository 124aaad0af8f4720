"""GET /api/changes: the change feed (added, updated, restored, withdrawn), oldest first."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query

from api.deps import ReadEngineDep
from api.schemas import ChangeFeed, problems
from catalog.services import changes

router = APIRouter(prefix="/api", tags=["changes"])


@router.get("/changes", response_model=ChangeFeed, response_model_exclude_unset=True, responses=problems(422))
def change_feed(
    engine: ReadEngineDep,
    since: Annotated[str | None, Query(max_length=64, description="ISO 8601 time: changes at or after it")] = None,
    cursor: Annotated[str | None, Query(max_length=20, description="The `next` of the previous answer")] = None,
    limit: Annotated[int, Query(ge=1, le=changes.MAX_LIMIT)] = 100,
) -> dict[str, Any]:
    """Changes oldest first; follow ``next_url`` (or pass ``cursor=<next>``) for what came after."""
    feed = changes.change_feed(engine, since=since, cursor=cursor, limit=limit)
    feed["next_url"] = "/api/changes?" + urlencode({"cursor": feed["next"], "limit": limit})
    return feed
