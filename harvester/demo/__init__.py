"""The demo's local source server and its dynamic endpoints (a CKAN portal, paged JSON APIs).

Each handler in :func:`all_handlers` takes ``(path, query, root)`` and returns ``(status,
content_type, body)`` for a request it serves, or None to pass; requests no handler takes are served
as static files from the bundled ``config/demo/``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

Handler = Callable[[str, dict[str, list[str]], Path], "tuple[int, str, bytes] | None"]


def all_handlers() -> list[Handler]:
    """The dynamic endpoints, in the order they are asked."""
    from harvester.demo import ckan, jsonapi

    return [ckan.handle, jsonapi.handle]
