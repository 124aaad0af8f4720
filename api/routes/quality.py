"""Quality figures per publisher: average score, validity and the rules most often failed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import ReadEngineDep
from api.routes.params import TextId
from api.schemas import PublisherQuality, problems
from catalog.quality import reports

router = APIRouter(prefix="/api", tags=["quality"])


@router.get("/quality/publishers", response_model=list[PublisherQuality], response_model_exclude_unset=True)
def publishers_quality(engine: ReadEngineDep) -> list[dict[str, Any]]:
    """Every publisher's average quality score, valid/invalid counts and most-failed rules."""
    return reports.publishers_quality(engine)


@router.get("/publishers/{publisher_id}/quality", response_model=PublisherQuality, response_model_exclude_unset=True,
            responses=problems(404, 422))
def publisher_quality(publisher_id: TextId, engine: ReadEngineDep) -> dict[str, Any]:
    """One publisher's quality figures."""
    return reports.publisher_quality(engine, publisher_id)
