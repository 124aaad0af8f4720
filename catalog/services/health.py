"""The service's health and the warm-up of its search indexes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from catalog.search.searcher import searcher_for
from catalog.store.runs import DS
from catalog.store.tables import utcnow


def warm_search(engine: Engine) -> None:
    """Start building the search indexes in the background (a server calls this as it starts)."""
    from catalog.search import searcher

    searcher.warm(engine)


def health(engine: Engine) -> dict[str, Any]:
    with Session(engine) as session:
        count = session.execute(select(func.count()).select_from(DS).where(DS.c.status == "active")).scalar_one()
    return {"status": "ok", "database": engine.dialect.name, "datasets": count, "time": utcnow().isoformat(),
            "search": searcher_for(engine).state()}
