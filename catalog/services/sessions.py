"""Console sessions: an organisation's staff sign in with its API token once, then carry a session id.

Why sessions in the database rather than a signed cookie: signing out must end a session at once
(a signed cookie stays valid until it expires unless every request checks a deny list, which is a
table again), revoking the token a session was opened with must end that session too, and a signed
cookie needs a server secret that every process shares and that nobody may lose or leak. A row per
session gives all of this with one indexed lookup per page.

The session id is 256 random bits (``secrets.token_urlsafe(32)``); only its SHA-256 is stored, for
the reason given for API tokens in :mod:`catalog.services.organisations`: a leaked database must not
let anyone sign in. The API token itself is used once, to open the session, and is kept nowhere.
A session lasts :data:`LIFETIME` from sign-in, whatever happens meanwhile: an idle timeout would need a
write on every page view, which on SQLite would wait behind a running harvest's write lock.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine, delete, insert, select

from catalog.services.organisations import ORG, TOKEN, Principal, authenticate, hash_token
from catalog.store.tables import ConsoleSession, utcnow

SESSION = ConsoleSession.__table__  # type: ignore[attr-defined]
LIFETIME = timedelta(hours=8)  # a working day
_ID_BYTES = 32


@dataclass(frozen=True, slots=True)
class ConsoleUser:
    """Who a console session belongs to: the principal the services are given, and names to show."""

    principal: Principal
    organisation_id: int
    organisation: str


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def sign_in(engine: Engine, token: str) -> tuple[str, ConsoleUser] | None:
    """Open a session for an organisation's valid, unrevoked token: (session id, user); None otherwise.

    The administrator's token does not open a console session: the console is an organisation's view
    of its own sources (administrators use the API and the command line).
    """
    token = token.strip()
    principal = authenticate(engine, token, admin_token=None)
    if principal is None or principal.admin or principal.organisation_id is None:
        return None
    session_id = secrets.token_urlsafe(_ID_BYTES)
    now = utcnow()
    with engine.begin() as conn:
        token_id = conn.execute(select(TOKEN.c.id).where(TOKEN.c.token_hash == hash_token(token))).scalar_one()
        name = conn.execute(select(ORG.c.name).where(ORG.c.id == principal.organisation_id)).scalar_one()
        conn.execute(delete(SESSION).where(SESSION.c.expires_at < now))  # expired ones go as new ones come
        conn.execute(insert(SESSION).values(
            id=_digest(session_id), organisation_id=principal.organisation_id, token_id=token_id,
            actor=principal.actor[:200], created_at=now, expires_at=now + LIFETIME))
    return session_id, ConsoleUser(principal, principal.organisation_id, name)


def current_user(engine: Engine, session_id: str | None) -> ConsoleUser | None:
    """The user of a session that exists, has not expired and whose token is not revoked."""
    if not session_id or len(session_id) > 100:
        return None
    with engine.connect() as conn:
        row = conn.execute(
            select(SESSION.c.organisation_id, SESSION.c.actor, ORG.c.name)
            .join(TOKEN, TOKEN.c.id == SESSION.c.token_id)
            .join(ORG, ORG.c.id == SESSION.c.organisation_id)
            .where(SESSION.c.id == _digest(session_id), SESSION.c.expires_at > utcnow(),
                   TOKEN.c.revoked_at.is_(None))
        ).first()
    if row is None:
        return None
    principal = Principal(actor=row.actor, organisation_id=row.organisation_id)
    return ConsoleUser(principal, row.organisation_id, row.name)


def sign_out(engine: Engine, session_id: str | None) -> None:
    """End a session (nothing happens for an unknown one)."""
    if session_id:
        with engine.begin() as conn:
            conn.execute(delete(SESSION).where(SESSION.c.id == _digest(session_id)))
