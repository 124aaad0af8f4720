"""Organisations, their API tokens, and who is acting (principals).

Tokens are ``dk_`` + 8 random characters (the prefix, shown in listings) + ``_`` + 43 more
(``secrets.token_urlsafe(32)``: 256 bits). Only the SHA-256 of the whole token is stored. A slow,
salted password hash (bcrypt, argon2) exists to make guessing *low-entropy* secrets expensive; a
256-bit random token cannot be guessed whatever the hash costs, so a plain SHA-256 is as safe here,
lets a request find its token by an indexed lookup, and costs microseconds instead of ~100 ms per
request. The token in clear is returned once, when it is made, and never stored or logged.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, or_, select, update
from sqlalchemy.exc import OperationalError

from catalog.errors import Conflict, FieldError, NotFound
from catalog.normalise import iso
from catalog.services.audit import record
from catalog.store.engine import lock_wait
from catalog.store.publishers import resolve
from catalog.store.tables import ORGPUB, PUB, SRC, ApiToken, Organisation, utcnow
from catalog.text import check_text

ORG = Organisation.__table__  # type: ignore[attr-defined]
TOKEN = ApiToken.__table__  # type: ignore[attr-defined]

TOKEN_PREFIX = "dk_"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is acting: an organisation (through one of its tokens) or an administrator.

    It names the actor for the audit log; what the actor may do is decided in one place, the API's
    authorisation dependencies (:mod:`api.auth`), before any service is called.
    """

    actor: str
    organisation_id: int | None = None
    admin: bool = False


def local_admin(who: str = "cli") -> Principal:
    """The CLI acts as the local administrator: whoever runs it can open the database directly anyway."""
    return Principal(actor=who, admin=True)


# -- tokens -----------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh token and its listing prefix."""
    # 6 random bytes → 8 url-safe characters; the prefix is for humans, the secret for machines
    prefix = TOKEN_PREFIX + secrets.token_urlsafe(6)
    return f"{prefix}_{secrets.token_urlsafe(32)}", prefix


def _issue(conn: Connection, organisation_id: int) -> tuple[str, str]:
    token, prefix = new_token()
    conn.execute(insert(TOKEN).values(organisation_id=organisation_id, prefix=prefix,
                                      token_hash=hash_token(token), created_at=utcnow()))
    return token, prefix


def authenticate(engine: Engine, token: str, *, admin_token: str | None) -> Principal | None:
    """The principal a bearer token stands for, or None for an unknown or revoked token."""
    if not token:
        return None
    # compare_digest: the administrator's token is a plain secret, so compare in constant time
    if admin_token and hmac.compare_digest(token.encode(), admin_token.encode()):
        return Principal(actor="admin", admin=True)
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    with engine.connect() as conn:  # read-only: a request never waits for a write lock to authenticate
        row = conn.execute(
            select(TOKEN.c.id, TOKEN.c.prefix, TOKEN.c.revoked_at, TOKEN.c.last_used_at,
                   ORG.c.id.label("org_id"), ORG.c.name)
            .join(ORG, ORG.c.id == TOKEN.c.organisation_id)
            .where(TOKEN.c.token_hash == hash_token(token))
        ).first()
    if row is None or row.revoked_at is not None:
        return None
    if _stale(row.last_used_at):
        touch_token(engine, row.id)
    return Principal(actor=f"{row.name} ({row.prefix})", organisation_id=row.org_id)


LAST_USED_EVERY = timedelta(seconds=60)  # a token's last use is recorded at most once a minute


def _stale(last_used: datetime | None) -> bool:
    if last_used is None:
        return True
    if last_used.tzinfo is None:  # SQLite gives naive UTC
        last_used = last_used.replace(tzinfo=UTC)
    return utcnow() - last_used >= LAST_USED_EVERY


def touch_token(engine: Engine, token_id: int) -> bool:
    """Record a token's use, once a minute at most, in its own short transaction that does not wait for
    a lock: when another writer holds one (a harvest's swap on SQLite), this use is simply not recorded
    (a later one is). Whether it was recorded (issue 15, problem 5)."""
    now = utcnow()
    with engine.connect() as conn, lock_wait(conn, 0):
        try:
            if conn.dialect.name == "postgresql":  # another request touching the same row: skip, not wait
                conn.exec_driver_sql("SET LOCAL lock_timeout = '50ms'")
            done = conn.execute(update(TOKEN).where(
                TOKEN.c.id == token_id,
                or_(TOKEN.c.last_used_at.is_(None), TOKEN.c.last_used_at <= now - LAST_USED_EVERY),
            ).values(last_used_at=now))
            conn.commit()
        except OperationalError:
            conn.rollback()
            return False
    return bool(done.rowcount)


# -- organisations ----------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    name = " ".join(check_text("name", name).split())
    if not name or len(name) > 200:
        raise FieldError("name", "an organisation name is 1 to 200 characters")
    return name


def create_organisation(engine: Engine, *, name: str, actor: Principal) -> tuple[Organisation, str]:
    """A new organisation and its first token (the only time the token is shown)."""
    name = _clean_name(name)
    with engine.begin() as conn:
        if conn.execute(select(ORG.c.id).where(ORG.c.name == name)).first():
            raise Conflict(f"an organisation named {name!r} exists already")
        org_id = conn.execute(insert(ORG).values(name=name, created_at=utcnow()).returning(ORG.c.id)).scalar_one()
        token, prefix = _issue(conn, org_id)
        record(conn, actor, "organisation.create", f"organisation:{org_id}", {"name": name, "token": prefix})
    return Organisation(id=org_id, name=name), token


def get_organisation(engine: Engine, ref: int | str) -> Organisation:
    """An organisation by id or name."""
    with engine.connect() as conn:
        row = None
        if isinstance(ref, int) or ref.isdigit():
            row = conn.execute(select(ORG).where(ORG.c.id == int(ref))).first()
        if row is None:
            row = conn.execute(select(ORG).where(ORG.c.name == str(ref))).first()
    if row is None:
        raise NotFound(f"no organisation {ref!r}")
    return Organisation(id=row.id, name=row.name, created_at=row.created_at)


def list_organisations(engine: Engine) -> list[dict[str, Any]]:
    """Every organisation with its number of sources and active tokens (never the tokens) and the
    publishers it is linked to."""
    with engine.connect() as conn:
        orgs = conn.execute(select(ORG).order_by(ORG.c.name)).all()
        linked: dict[int, list[str]] = {}
        for org_id, pub_id in conn.execute(select(ORGPUB.c.organisation_id, ORGPUB.c.publisher_id)
                                           .order_by(ORGPUB.c.publisher_id)):
            linked.setdefault(org_id, []).append(pub_id)
        sources: dict[int, int] = {r[0]: r[1] for r in conn.execute(
            select(SRC.c.organisation_id, func.count()).where(SRC.c.deleted.is_(False))
            .group_by(SRC.c.organisation_id))}
        tokens: dict[int, int] = {r[0]: r[1] for r in conn.execute(
            select(TOKEN.c.organisation_id, func.count()).where(TOKEN.c.revoked_at.is_(None))
            .group_by(TOKEN.c.organisation_id))}
    return [{"id": o.id, "name": o.name, "created_at": iso(o.created_at), "sources": sources.get(o.id, 0),
             "active_tokens": tokens.get(o.id, 0), "publishers": linked.get(o.id, [])} for o in orgs]


def list_tokens(engine: Engine, organisation: int | str) -> list[dict[str, Any]]:
    """An organisation's tokens by prefix, newest first."""
    org = get_organisation(engine, organisation)
    with engine.connect() as conn:
        rows = conn.execute(select(TOKEN).where(TOKEN.c.organisation_id == org.id).order_by(TOKEN.c.id.desc())).all()
    return [{"prefix": r.prefix, "organisation": org.name, "created_at": iso(r.created_at),
             "last_used_at": iso(r.last_used_at), "revoked_at": iso(r.revoked_at),
             "active": r.revoked_at is None} for r in rows]


def revoke_token(engine: Engine, prefix: str, *, actor: Principal) -> dict[str, Any]:
    """Revoke the token with this prefix (revoking a revoked token changes nothing)."""
    with engine.begin() as conn:
        row = conn.execute(select(TOKEN).where(TOKEN.c.prefix == prefix.strip())).first()
        if row is None:
            raise NotFound(f"no token with prefix {prefix!r}")
        if row.revoked_at is None:
            conn.execute(update(TOKEN).where(TOKEN.c.id == row.id).values(revoked_at=utcnow()))
            record(conn, actor, "token.revoke", f"organisation:{row.organisation_id}", {"token": row.prefix},
                   organisation_id=row.organisation_id)
    return {"prefix": row.prefix, "revoked": True}


def rotate_token(engine: Engine, organisation: int | str, *, actor: Principal) -> tuple[str, list[str]]:
    """Revoke every active token of an organisation and issue a new one: (new token, revoked prefixes)."""
    org = get_organisation(engine, organisation)
    assert org.id is not None
    with engine.begin() as conn:
        old = list(conn.execute(select(TOKEN.c.prefix).where(
            TOKEN.c.organisation_id == org.id, TOKEN.c.revoked_at.is_(None))).scalars())
        conn.execute(update(TOKEN).where(TOKEN.c.organisation_id == org.id, TOKEN.c.revoked_at.is_(None))
                     .values(revoked_at=utcnow()))
        token, prefix = _issue(conn, org.id)
        record(conn, actor, "token.rotate", f"organisation:{org.id}", {"token": prefix, "revoked": old},
               organisation_id=org.id)
    return token, old


# -- the publishers an organisation is ---------------------------------------------------------


def linked_publishers(conn: Connection, organisation_id: int) -> list[str]:
    """The publishers (by their current id: a linked publisher merged since counts as the one it is
    part of) an organisation is linked to."""
    linked = list(conn.execute(select(ORGPUB.c.publisher_id).where(ORGPUB.c.organisation_id == organisation_id)
                               .order_by(ORGPUB.c.publisher_id)).scalars())
    return list(dict.fromkeys(resolve(conn, linked).values()))


def link_publisher(engine: Engine, organisation: int | str, publisher_id: str, *, actor: Principal) -> dict[str, Any]:
    """Link an organisation to a publisher (an alias's id links its publisher): what that publisher
    publishes, wherever it was harvested, is the organisation's. Linking twice changes nothing."""
    org = get_organisation(engine, organisation)
    assert org.id is not None
    with engine.begin() as conn:
        if conn.execute(select(PUB.c.id).where(PUB.c.id == publisher_id)).first() is None:
            raise NotFound(f"no publisher {publisher_id!r}")
        target = resolve(conn, [publisher_id])[publisher_id]
        taken = conn.execute(select(ORGPUB.c.publisher_id).where(
            ORGPUB.c.organisation_id == org.id, ORGPUB.c.publisher_id == target)).first()
        if taken is None:
            conn.execute(insert(ORGPUB).values(organisation_id=org.id, publisher_id=target, created_at=utcnow()))
            record(conn, actor, "organisation.link_publisher", f"organisation:{org.id}", {"publisher": target},
                   organisation_id=org.id)
        publishers = linked_publishers(conn, org.id)
    return {"organisation": {"id": org.id, "name": org.name}, "publisher": target, "linked": taken is None,
            "publishers": publishers}


def unlink_publisher(engine: Engine, organisation: int | str, publisher_id: str, *,
                     actor: Principal) -> dict[str, Any]:
    """Undo a link (by the publisher's id or an alias's); NotFound when there is none."""
    org = get_organisation(engine, organisation)
    assert org.id is not None
    with engine.begin() as conn:
        linked = list(conn.execute(select(ORGPUB.c.publisher_id).where(ORGPUB.c.organisation_id == org.id)).scalars())
        roots = resolve(conn, [*linked, publisher_id])
        target = roots[publisher_id]
        gone = [p for p in linked if roots[p] == target]
        if not gone:
            raise NotFound(f"organisation {org.name!r} is not linked to publisher {publisher_id!r}")
        conn.execute(delete(ORGPUB).where(ORGPUB.c.organisation_id == org.id, ORGPUB.c.publisher_id.in_(gone)))
        record(conn, actor, "organisation.unlink_publisher", f"organisation:{org.id}", {"publisher": target},
               organisation_id=org.id)
        publishers = linked_publishers(conn, org.id)
    return {"organisation": {"id": org.id, "name": org.name}, "publisher": target, "linked": False,
            "publishers": publishers}
