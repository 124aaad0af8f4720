"""The adapter contract: what a source adapter is given, what it yields and what it raises.

The registry of kinds is :data:`harvester.adapters.ADAPTERS`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from catalog.errors import ParseError
from catalog.records import DatasetRecord
from catalog.settings import Settings
from harvester.fetch import Fetcher


@dataclass(slots=True)
class SourceSpec:
    """What an adapter needs to know of a source (saved or not yet saved). ``profile``: the text of
    an uploaded mapping profile, which wins over ``mapping`` (a bundled profile's name)."""

    name: str
    kind: str
    url: str
    mapping: str | None = None
    profile: str | None = None


@dataclass(slots=True)
class PreviousPage:
    """What the last successful run saw on one page: its body hash, next link and the ids of the
    datasets it kept (``ids``) and of those it listed that another source keeps (``claimed``)."""

    hash: str
    next: str | None
    ids: list[str]
    etag: str | None = None
    last_modified: str | None = None
    claimed: list[str] = field(default_factory=list)

    def validators(self) -> dict[str, str]:
        """Conditional-GET headers that let the source answer 304 Not Modified."""
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(slots=True)
class Page:
    """One fetched page of a source.

    ``records`` holds (reference, record or the error that kept it from being read). When
    ``unchanged`` is true the body is byte-identical to the last successful run's and was not
    parsed: the runner reuses that run's dataset ids for it.
    """

    url: str
    hash: str
    next: str | None
    records: Iterable[tuple[str, DatasetRecord | Exception]] = field(default_factory=list)
    unchanged: bool = False
    # the source answered 304 Not Modified to the last run's validators: one request, no body
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None


@dataclass(slots=True)
class FetchedPage:
    """A page fetched with the last run's validators, hashed, and compared with what that run saw."""

    url: str
    hash: str
    body: bytes
    final_url: str
    content_type: str | None
    etag: str | None
    last_modified: str | None
    previous: PreviousPage | None
    not_modified: bool = False

    @property
    def unchanged(self) -> bool:
        """A 304, or the same bytes (and mapping) as last time: the page need not be read again."""
        return self.previous is not None and (self.not_modified or self.previous.hash == self.hash)

    def unchanged_page(self) -> Page:
        """The Page for an unchanged fetch: the last run's next link and dataset ids stand."""
        assert self.previous is not None
        return Page(url=self.url, hash=self.hash, next=self.previous.next, unchanged=True,
                    not_modified=self.not_modified, etag=self.etag, last_modified=self.last_modified)


class PageWalk:
    """Guards a walk over a source's pages: each URL once, at most ``limit`` pages."""

    def __init__(self, start: str, limit: int) -> None:
        self.start = start
        self.limit = limit
        self.visited: set[str] = set()

    def visit(self, url: str) -> None:
        if url in self.visited:
            raise ParseError(f"the paging of {self.start} loops back to {url}")
        if len(self.visited) >= self.limit:
            raise ParseError(f"{self.start}: more than {self.limit} pages")
        self.visited.add(url)


class SourceAdapter:
    """Base of every adapter.

    ``pages()`` fetches the source page by page (memory stays bounded by one page) and yields
    :class:`Page` objects. It raises ``FetchError`` or ``ParseError`` when a page cannot be
    fetched or read: the run is then incomplete and the runner stores nothing from it. A single
    record that cannot be mapped is yielded as an exception in ``Page.records`` and never raises.
    """

    kind: ClassVar[str]

    def __init__(self, spec: SourceSpec, fetcher: Fetcher, settings: Settings) -> None:
        self.spec = spec
        self.fetcher = fetcher
        self.settings = settings

    def fetch_page(self, url: str, previous: dict[str, PreviousPage], *, salt: str,
                   headers: dict[str, str] | None = None) -> FetchedPage:
        """GET a page with the last run's validators (conditional GET) and hash its body with ``salt``
        (the adapter's mapping version), so an upgraded mapping reads unchanged bytes again."""
        prev = previous.get(url)
        resp = self.fetcher.get(url, headers={**(headers or {}), **(prev.validators() if prev else {})})
        etag, last_modified = resp.headers.get("etag"), resp.headers.get("last-modified")
        if resp.status == 304 and prev is not None:
            return FetchedPage(url, prev.hash, b"", resp.url, None, etag or prev.etag,
                               last_modified or prev.last_modified, prev, not_modified=True)
        digest = hashlib.blake2b(resp.body, digest_size=16)
        digest.update(salt.encode())
        return FetchedPage(url, digest.hexdigest(), resp.body, resp.url, resp.content_type, etag, last_modified, prev)

    def validate(self) -> None:
        """Check the source's configuration before it is saved (raise InvalidInput)."""

    def pages(self, previous: dict[str, PreviousPage] | None = None) -> Iterator[Page]:
        raise NotImplementedError

    def state(self) -> dict[str, Any]:
        """Adapter state to keep for the next run (validators for conditional GET and the like)."""
        return {}
