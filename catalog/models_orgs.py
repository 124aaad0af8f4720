"""Tables of publishing organisations: the organisation, its API tokens and the audit log.

Tokens are stored as a SHA-256 hash only, with a short prefix (``dk_`` + 8 characters) that is
safe to show and list. See :mod:`catalog.orgs` for why a fast hash is right for these tokens.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from catalog.models import utcnow


class Organisation(SQLModel, table=True):
    """An agency or municipality that registers and runs its own sources."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class ApiToken(SQLModel, table=True):
    """An organisation's API token: its hash (never the token) and a prefix for listing."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(index=True)
    prefix: str = Field(index=True, unique=True, max_length=20)
    token_hash: str = Field(index=True, unique=True, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = Field(default=None)
    revoked_at: datetime | None = Field(default=None)


class AuditLog(SQLModel, table=True):
    """One write: who did it, what, when, to what, and the details (JSON)."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=200)
    organisation_id: int | None = Field(default=None, index=True)
    action: str = Field(index=True, max_length=50)
    target: str | None = Field(default=None, max_length=200)
    details: str | None = Field(default=None, sa_column=Column(Text))
