"""The audit log: who changed what, when, on what — written in the same transaction as the change.

Every write of sources, organisations and tokens adds one entry through :func:`record`; only an
administrator reads the log (``GET /api/audit``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Connection, Engine, insert, select

from catalog.normalise import iso
from catalog.store.tables import AuditLog, utcnow
from catalog.text import without_credentials

if TYPE_CHECKING:
    from catalog.services.organisations import Principal

AUDIT = AuditLog.__table__  # type: ignore[attr-defined]

MAX_AUDIT_PAGE = 1000


def record(conn: Connection, actor: Principal, action: str, target: str | None,
           details: dict[str, Any] | None = None, *, organisation_id: int | None = None) -> None:
    """Add one entry to the audit log inside the caller's transaction (so it stands or falls with the write)."""
    conn.execute(insert(AUDIT).values(
        at=utcnow(), actor=actor.actor[:200], organisation_id=organisation_id or actor.organisation_id,
        action=action, target=target, details=orjson.dumps(masked(details)).decode() if details else None))


def masked(value: Any) -> Any:
    """``value`` with a user name and password masked in every ``url`` in it (sources registered before
    such URLs were refused keep theirs, and the log is read by more people than the source's owner)."""
    if isinstance(value, dict):
        return {k: without_credentials(v) if k == "url" and isinstance(v, str) else masked(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    return value


def list_audit(engine: Engine, *, limit: int = 100, before: int | None = None,
               organisation_id: int | None = None) -> list[dict[str, Any]]:
    """Audit entries, newest first; ``before`` (an entry id) pages back."""
    limit = max(1, min(limit, MAX_AUDIT_PAGE))
    query = select(AUDIT).order_by(AUDIT.c.id.desc()).limit(limit)
    if before is not None:
        query = query.where(AUDIT.c.id < before)
    if organisation_id is not None:
        query = query.where(AUDIT.c.organisation_id == organisation_id)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [{"id": r.id, "at": iso(r.at), "actor": r.actor, "organisation_id": r.organisation_id,
             "action": r.action, "target": r.target, "details": masked(orjson.loads(r.details)) if r.details else None}
            for r in rows]
