"""Who may act, and on what: bearer tokens → an organisation or the administrator, and the rules
that say which sources and organisations each may write.

Authorisation is decided here, in the API layer, and nowhere else. Routes take the dependencies
below, and call :func:`owner_of_new_source` and :func:`check_source_changes` for the parts of a body
that need a decision; only then do they call the services (``catalog.services.*``,
``harvester.registration``), which trust their caller and take the principal only to name it in the
audit log. The CLI acts on the database directly, as the local administrator
(:func:`catalog.services.organisations.local_admin`), so it has nothing to decide.

Dependencies for routes (``Annotated`` aliases, use them as parameter types):

- ``WriterDep`` → :class:`catalog.services.organisations.Principal`: any valid token (an
  organisation's, or ``DATAKATALOG_ADMIN_TOKEN``). 401 problem JSON without a valid token (missing,
  unknown, revoked). Used by ``POST /api/sources`` and ``POST /api/sources/preview`` (a preview needs
  a token too: it makes the server fetch a URL someone else chose).
- ``SourceWriterDep`` → :class:`SourceWrite` (``.principal``, ``.source``) for routes with a
  ``{source_id}`` path parameter: 401 without a valid token, 404 for an unknown or deleted source,
  403 when the token's organisation does not own the source; administrators pass for every source.
  For example ``POST /api/sources/{source_id}/harvest``::

      @router.post("/sources/{source_id}/harvest")
      def harvest(source_id: int, write: SourceWriterDep, ...) -> ...:
          ... write.source ... write.principal.actor ...

- ``AdminDep`` → Principal: the administrator's token only (401 without a token, 403 for an
  organisation's).

Read endpoints need no token. Tokens are compared by hash (:mod:`catalog.services.organisations`),
the administrator's in constant time; a token never appears in a response, the database or a log.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.deps import EngineDep, SettingsDep
from catalog.errors import Forbidden, Unauthorized
from catalog.services import sources
from catalog.services.organisations import Principal, authenticate
from catalog.store.tables import Source

# auto_error off: a missing header is answered by our own 401 problem JSON, not FastAPI's 403
bearer = HTTPBearer(auto_error=False, description="An organisation's API token or the administrator's token")


# -- the rules ----------------------------------------------------------------------------------


def may_write(principal: Principal, source: Source) -> bool:
    """Administrators write every source; an organisation only its own."""
    return principal.admin or (principal.organisation_id is not None
                               and source.organisation_id == principal.organisation_id)


def owner_of_new_source(principal: Principal, organisation_id: int | None) -> int | None:
    """The organisation a source registered by this caller belongs to: the caller's own; an
    administrator names any (or none). 403 when an organisation names another."""
    if principal.admin:
        return organisation_id
    if organisation_id is not None and organisation_id != principal.organisation_id:
        raise Forbidden("an organisation registers sources for itself only")
    return principal.organisation_id


def check_source_changes(write: SourceWrite, fields: Collection[str]) -> None:
    """403 when a change names a field only an administrator may set (the owning organisation)."""
    if "organisation_id" in fields and not write.principal.admin:
        raise Forbidden("only an administrator moves a source to another organisation")


# -- the dependencies ---------------------------------------------------------------------------


def optional_principal(
    engine: EngineDep, settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal | None:
    """The caller, when the request carries a valid bearer token."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        return None
    return authenticate(engine, credentials.credentials.strip(), admin_token=settings.admin_token)


def require_writer(principal: Annotated[Principal | None, Depends(optional_principal)]) -> Principal:
    if principal is None:
        raise Unauthorized("a write needs 'Authorization: Bearer <token>' with a valid, unrevoked token")
    return principal


WriterDep = Annotated[Principal, Depends(require_writer)]


def require_admin(principal: WriterDep) -> Principal:
    if not principal.admin:
        raise Forbidden("only an administrator may do this")
    return principal


AdminDep = Annotated[Principal, Depends(require_admin)]


@dataclass(frozen=True, slots=True)
class SourceWrite:
    """A writer allowed to change one source, and that source."""

    principal: Principal
    source: Source


def require_source_writer(source_id: int, principal: WriterDep, engine: EngineDep) -> SourceWrite:
    """The caller must own the source (or be the administrator)."""
    source = sources.get_source(engine, source_id)
    if not may_write(principal, source):
        raise Forbidden(f"source {source_id} belongs to another organisation")
    return SourceWrite(principal=principal, source=source)


SourceWriterDep = Annotated[SourceWrite, Depends(require_source_writer)]
