"""Page/size-paged JSON endpoints for the Riksteatern-style demo source.

``/riksteatern/api/<collection>.json?page=N&pageSize=S`` answers one page of
``config/demo/riksteatern/data/<collection>.json`` wrapped as ``{totalCount, page, pageSize, results}``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

_ROUTE = re.compile(r"^/riksteatern/api/([a-z]+)\.json$")
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100


def _int(query: dict[str, list[str]], name: str, default: int) -> int | None:
    raw = (query.get(name) or [str(default)])[0]
    return int(raw) if raw.isdigit() else None


def handle(path: str, query: dict[str, list[str]], root: Path) -> tuple[int, str, bytes] | None:
    """One page of a demo collection, or None for paths this module does not serve."""
    match = _ROUTE.match(path)
    if not match:
        return None
    data_file = root / "riksteatern" / "data" / f"{match.group(1)}.json"
    if not data_file.is_file():
        return 404, "application/json", b'{"error": "no such collection"}'
    page, size = _int(query, "page", 1), _int(query, "pageSize", DEFAULT_PAGE_SIZE)
    if not page or not size or size > MAX_PAGE_SIZE:
        return 400, "application/json", b'{"error": "page and pageSize are positive whole numbers"}'
    records = json.loads(data_file.read_text(encoding="utf-8"))
    body = {"totalCount": len(records), "page": page, "pageSize": size,
            "results": records[(page - 1) * size : page * size]}
    return 200, "application/json; charset=utf-8", json.dumps(body, ensure_ascii=False).encode("utf-8")
