"""Uploaded mapping profiles: every version of a source's TOML text, with who uploaded it and when.

An organisation gives its JSON API's profile as text (``mapping_profile`` in ``POST``/``PATCH
/api/sources``, ``PUT /api/sources/{id}/mapping``, ``datakatalog source mapping``). It is checked as a
file is (catalog/formats/jsonapi: at most 64 KB, an unknown key refused with its key path), stored
here as the source's next version, and the source's ``mapping_version`` names the version in use.
Harvests and previews read the text from here, so a request never names a file on the server.
Nothing is deleted: choosing a bundled profile (``mapping``) again leaves the uploads as history.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select

from catalog.errors import NotFound
from catalog.normalise import iso
from catalog.store.tables import MAPPING, Source


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def add_version(conn: Connection, source_id: int, text: str, *, actor: str, now: Any) -> int:
    """Store ``text`` as the source's next profile version (inside the caller's transaction)."""
    latest = conn.execute(select(func.max(MAPPING.c.version)).where(MAPPING.c.source_id == source_id)).scalar()
    version = int(latest or 0) + 1
    conn.execute(insert(MAPPING).values(source_id=source_id, version=version, text=text, digest=digest(text),
                                        created_at=now, actor=actor[:200]))
    return version


def current_text(engine: Engine, source: Source) -> str | None:
    """The text of the uploaded profile the source uses; None when it uses a bundled one (or none)."""
    if source.mapping_version is None or source.id is None:
        return None
    return str(get_version(engine, source.id, source.mapping_version)["text"])


def get_version(engine: Engine, source_id: int, version: int | None = None) -> dict[str, Any]:
    """One uploaded version (the newest when ``version`` is None): NotFound when there is none."""
    query = select(MAPPING).where(MAPPING.c.source_id == source_id)
    query = query.where(MAPPING.c.version == version) if version is not None else query.order_by(
        MAPPING.c.version.desc()).limit(1)
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        which = f"version {version} of " if version is not None else ""
        raise NotFound(f"no uploaded mapping profile: {which}source {source_id} has none")
    return {**_describe(row), "text": row.text}


def history(engine: Engine, source_id: int) -> list[dict[str, Any]]:
    """Every uploaded version of the source's profile, newest first (without the texts)."""
    with engine.connect() as conn:
        rows = conn.execute(select(MAPPING).where(MAPPING.c.source_id == source_id)
                            .order_by(MAPPING.c.version.desc())).all()
    return [_describe(r) for r in rows]


def _describe(row: Any) -> dict[str, Any]:
    return {"version": row.version, "digest": row.digest, "bytes": len(row.text.encode("utf-8")),
            "created_at": iso(row.created_at), "actor": row.actor}
