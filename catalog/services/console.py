"""What the agency console reads beyond the API's answers: an organisation's own sources, each as the
API summarises it, and the titles of the datasets a report names by id (so a page can link to them)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session

from catalog.chunks import chunked
from catalog.services.sources import source_summary
from catalog.store.tables import DS, SRC, Source


def organisation_sources(engine: Engine, organisation_id: int) -> list[dict[str, Any]]:
    """The organisation's sources (not deleted), by name, each with its counts and latest job."""
    with Session(engine, expire_on_commit=False) as session:
        found = list(session.execute(select(Source).where(
            SRC.c.organisation_id == organisation_id, SRC.c.deleted.is_(False)).order_by(SRC.c.name)).scalars())
    return [source_summary(engine, source) for source in found]


def dataset_titles(engine: Engine, dataset_ids: list[str]) -> dict[str, str]:
    """Dataset id -> its stored title (ids that are not stored are left out)."""
    titles: dict[str, str] = {}
    with engine.connect() as conn:
        for batch in chunked(list(dict.fromkeys(dataset_ids)), 500):
            titles.update({r.id: r.title for r in conn.execute(select(DS.c.id, DS.c.title).where(DS.c.id.in_(batch)))})
    return titles
