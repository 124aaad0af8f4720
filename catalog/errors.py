"""Errors of the catalogue domain.

    CatalogError (500)
    ├── Unauthorized (401)    no valid token for a write
    ├── Forbidden (403)       a valid token, but not for this resource
    ├── NotFound (404)
    ├── Conflict (409)
    ├── InvalidInput (422)
    │   ├── FieldError (422)  names the request field that is wrong
    │   └── UnknownSourceKind (422)
    ├── ParseError (422)      a document that is not the RDF or JSON it claims to be
    └── Busy (503)            the database is held by another writer longer than a request waits

Each carries an HTTP status; the API renders them as problem JSON, the CLI as one line and exit 1.
"""

from __future__ import annotations


class CatalogError(Exception):
    """Base of every error datakatalog raises on purpose."""

    status = 500
    title = "Catalogue error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unauthorized(CatalogError):
    status = 401
    title = "Unauthorized"
    headers = {"WWW-Authenticate": "Bearer"}


class Forbidden(CatalogError):
    status = 403
    title = "Forbidden"


class NotFound(CatalogError):
    status = 404
    title = "Not found"


class Conflict(CatalogError):
    status = 409
    title = "Conflict"


class InvalidInput(CatalogError):
    status = 422
    title = "Invalid input"


class FieldError(InvalidInput):
    """Invalid input in one named field; problem JSON lists it under ``errors``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


class UnknownSourceKind(InvalidInput):
    title = "Unknown source kind"


class ParseError(CatalogError):
    status = 422
    title = "Parse error"


class Busy(CatalogError):
    """Another writer held the database longer than a request waits for it (SQLite's write lock during a
    harvest's final swap, ``DB_BUSY_TIMEOUT``): try again shortly (issue 15, problem 5)."""

    status = 503
    title = "Service Unavailable"
    retry_after = 5

    def __init__(self, message: str = "the catalogue is busy storing a harvest; try again in a few seconds") -> None:
        super().__init__(message)
        self.headers = {"Retry-After": str(self.retry_after)}
