"""Quality figures per publisher: average score, validity and the rules most often failed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import EngineDep
from catalog.quality import reports

router = APIRouter(prefix="/api", tags=["quality"])


@router.get("/quality/publishers")
def publishers_quality(engine: EngineDep) -> list[dict[str, Any]]:
    """Every publisher's average quality score, valid/invalid counts and most-failed rules."""
    return reports.publishers_quality(engine)


@router.get("/publishers/{publisher_id}/quality")
def publisher_quality(publisher_id: str, engine: EngineDep) -> dict[str, Any]:
    """One publisher's quality figures."""
    return reports.publisher_quality(engine, publisher_id)
