"""The adapter contract and the registry of source kinds.

A source kind is one module in this package defining a :class:`SourceAdapter` subclass decorated
with :func:`register`; :func:`get_adapter` imports it lazily by kind name.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from catalog.errors import UnknownSourceKind
from catalog.records import DatasetRecord
from catalog.settings import Settings
from harvester.fetch import Fetcher

_REGISTRY: dict[str, type[SourceAdapter]] = {}
_NOT_ADAPTERS = {"base"}


def _kinds() -> dict[str, str]:
    """Every module of this package but ``base`` is an adapter, named for its kind."""
    import harvester.adapters as package

    return {m.name: f"{package.__name__}.{m.name}" for m in pkgutil.iter_modules(package.__path__)
            if m.name not in _NOT_ADAPTERS and not m.name.startswith("_")}


KINDS: dict[str, str] = {}


@dataclass(slots=True)
class SourceSpec:
    """What an adapter needs to know of a source (saved or not yet saved)."""

    name: str
    kind: str
    url: str
    mapping: str | None = None


@dataclass(slots=True)
class PreviousPage:
    """What the last successful run saw on one page: its body hash, next link and dataset ids."""

    hash: str
    next: str | None
    ids: list[str]
    etag: str | None = None
    last_modified: str | None = None

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

    def validate(self) -> None:
        """Check the source's configuration before it is saved (raise InvalidInput)."""

    def pages(self, previous: dict[str, PreviousPage] | None = None) -> Iterator[Page]:
        raise NotImplementedError

    def state(self) -> dict[str, Any]:
        """Adapter state to keep for the next run (validators for conditional GET and the like)."""
        return {}


def register(kind: str) -> Callable[[type[SourceAdapter]], type[SourceAdapter]]:
    def deco(cls: type[SourceAdapter]) -> type[SourceAdapter]:
        cls.kind = kind
        _REGISTRY[kind] = cls
        return cls

    return deco


def known_kinds() -> list[str]:
    if not KINDS:
        KINDS.update(_kinds())
    return sorted(KINDS)


def get_adapter(kind: str) -> type[SourceAdapter]:
    """The adapter class for a kind; raises UnknownSourceKind."""
    if kind not in _REGISTRY:
        known_kinds()
        module = KINDS.get(kind)
        if module is None:
            raise UnknownSourceKind(f"unknown source kind {kind!r}; known kinds: {', '.join(known_kinds())}")
        importlib.import_module(module)
    return _REGISTRY[kind]
