"""Search parameters: the one parser behind the API, the CLI search and both exports."""

from __future__ import annotations

from catalog.errors import InvalidInput
from catalog.search.searcher import FACETS, SORTS, STATUSES, SearchQuery

MAX_PER_PAGE = 1000
# facets whose values are stored in lower case, so a filter matches whatever case it is given in
LOWER_CASE = frozenset({"keyword", "type", "access"})


def parse_query(
    *, q: str | None = None, filters: dict[str, list[str]] | None = None, status: str = "active",
    sort: str = "relevance", page: int = 1, per_page: int = 20, min_quality: float | None = None,
) -> SearchQuery:
    """Validate search parameters (raises InvalidInput naming the bad one)."""
    if sort not in SORTS:
        raise InvalidInput(f"sort must be one of {', '.join(SORTS)}")
    if status not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}")
    if page < 1:
        raise InvalidInput("page starts at 1")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidInput(f"per_page must be between 1 and {MAX_PER_PAGE}")
    if min_quality is not None and not 0 <= min_quality <= 100:
        raise InvalidInput("min_quality must be between 0 and 100")
    clean = {f: [v.lower() if f in LOWER_CASE else v for v in vs if v]
             for f, vs in (filters or {}).items() if f in FACETS}
    return SearchQuery(q=(q or "").strip() or None, filters=clean, status=status, sort=sort, page=page,
                       per_page=per_page, min_quality=min_quality)
