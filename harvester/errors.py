"""Errors of harvesting.

    HarvestError
    ├── FetchError                a source could not be fetched
    │   ├── SourceTimeout         no answer, or an answer too slow, within the bounds
    │   ├── SourceUnreachable     the connection failed or broke (retried before it is raised)
    │   ├── SourceTooLarge        a body over the size limit
    │   ├── SourceRefused         an address or scheme the rules forbid
    │   └── SourceHTTPError       a 4xx/5xx answer (after retries)
    ├── ParseError                the body is not the RDF/JSON it claims to be (catalog.errors)
    └── MappingError              a mapping profile that cannot be applied
"""

from __future__ import annotations

from catalog.errors import CatalogError


class HarvestError(CatalogError):
    status = 502
    title = "Harvest error"


class FetchError(HarvestError):
    title = "Fetch error"


class SourceTimeout(FetchError):
    status = 504
    title = "Source timed out"


class SourceUnreachable(FetchError):
    title = "Source unreachable"


class SourceTooLarge(FetchError):
    status = 413
    title = "Source too large"


class SourceRefused(FetchError):
    status = 422
    title = "Source address refused"


class SourceHTTPError(FetchError):
    title = "Source answered with an error"

    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


class MappingError(HarvestError):
    status = 422
    title = "Mapping error"
