"""Errors of the catalogue domain.

    CatalogError (500)
    ├── NotFound (404)
    ├── Conflict (409)
    ├── InvalidInput (422)
    │   └── UnknownSourceKind (422)
    └── ParseError (422)      a document that is not the RDF or JSON it claims to be

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


class NotFound(CatalogError):
    status = 404
    title = "Not found"


class Conflict(CatalogError):
    status = 409
    title = "Conflict"


class InvalidInput(CatalogError):
    status = 422
    title = "Invalid input"


class UnknownSourceKind(InvalidInput):
    title = "Unknown source kind"


class ParseError(CatalogError):
    status = 422
    title = "Parse error"
