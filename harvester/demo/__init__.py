"""Dynamic endpoints of the demo's source server (a CKAN portal, paged JSON APIs).

Every module here may define ``handle(path: str, query: dict[str, list[str]], root: Path)`` that
returns ``(status, content_type, body)`` for a request it serves, or None to pass; requests no
module takes are served as static files from ``config/demo/``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

Handler = Callable[[str, dict[str, list[str]], Path], "tuple[int, str, bytes] | None"]


def all_handlers() -> list[Handler]:
    out: list[Any] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        handle = getattr(module, "handle", None)
        if callable(handle):
            out.append(handle)
    return out
