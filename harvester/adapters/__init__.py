"""Source adapters, one module per kind, and the registry that names them: the *adapt* step of the
flow, between fetching (:mod:`harvester.fetch`) and the records :mod:`harvester.runner` hands the store.

A new kind is one module with a :class:`~harvester.adapters.base.SourceAdapter` subclass, and one
line in :data:`ADAPTERS` (docs/architecture.md, "Adding a source kind").
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from catalog.errors import UnknownSourceKind

if TYPE_CHECKING:
    from harvester.adapters.base import SourceAdapter

# kind -> "module:class"; imported when a source of that kind is first used
ADAPTERS: dict[str, str] = {
    "dcat": "harvester.adapters.dcat:DcatAdapter",
    "ckan": "harvester.adapters.ckan:CkanAdapter",
    "jsonapi": "harvester.adapters.jsonapi:JsonApiAdapter",
}


def known_kinds() -> list[str]:
    return sorted(ADAPTERS)


def get_adapter(kind: str) -> type[SourceAdapter]:
    """The adapter class for a kind; raises UnknownSourceKind naming the known kinds."""
    target = ADAPTERS.get(kind)
    if target is None:
        raise UnknownSourceKind(f"unknown source kind {kind!r}; known kinds: {', '.join(known_kinds())}")
    module, _, name = target.partition(":")
    cls: type[SourceAdapter] = getattr(importlib.import_module(module), name)
    return cls
