"""``/datasets`` (search with facets) and ``/datasets/{id}`` (one dataset), on the API's services.

The search page takes every parameter of ``/api/datasets`` with the same meaning. Where the API
answers 422 to a value it cannot use (a page number that is not a number, an unknown sort), the
page ignores the value, says so, and shows the results it can: a link someone pasted should still
lead somewhere.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.deps import ReadEngineDep
from api.web import i18n
from api.web.i18n import N_
from api.web.render import error_page, render, url_with
from api.web.views import active_filters, dataset_page, facet_panels, localise_item, pagination
from catalog.errors import NotFound
from catalog.search.query import (
    MAX_PAGE,
    MAX_TEXT,
    PARAMETERS,
    SORTS,
    STATUSES,
    parse_query,
    query_from_params,
)
from catalog.services import datasets

router = APIRouter(include_in_schema=False)

PER_PAGE = 20
MAX_PER_PAGE = 100  # a page of HTML stays quick to render and to read
FACET_VALUES = 30  # per facet: the first few shown, the rest behind "show more"


def _usable(raw: str, low: float, high: float, *, integer: bool) -> bool:
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        return False
    return low <= value <= high  # NaN compares false: unusable


def read_search(request: Request) -> tuple[dict[str, list[str]], list[dict[str, Any]]]:
    """The request's search parameters with every unusable value left out (so its default applies),
    and a notice (a message and its arguments) for each value left out."""
    params: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        if value.strip():
            params.setdefault(name, []).append(value.strip())
    notices: list[dict[str, Any]] = []

    def drop(name: str, text: str, **args: Any) -> None:
        params.pop(name, None)
        notices.append({"text": text, "args": args})

    last = {name: values[-1] for name, values in params.items()}
    if len(last.get("q", "")) > MAX_TEXT:
        params["q"] = [last["q"][:MAX_TEXT]]
        notices.append({"text": N_("The search text was cut to %(n)s characters."), "args": {"n": MAX_TEXT}})
    if "sort" in last and last["sort"] not in SORTS:
        drop("sort", N_("Unknown sort order “%(value)s”: sorted by relevance."), value=last["sort"])
    if "status" in last and last["status"] not in STATUSES:
        drop("status", N_("Unknown status “%(value)s”: showing current datasets."), value=last["status"])
    if "page" in last and not _usable(last["page"], 1, MAX_PAGE, integer=True):
        drop("page", N_("“%(value)s” is not a page number: showing the first page."), value=last["page"])
    if "per_page" in last and not _usable(last["per_page"], 1, MAX_PER_PAGE, integer=True):
        drop("per_page", N_("Results per page must be a number from 1 to %(max)s: showing %(n)s."),
             max=MAX_PER_PAGE, n=PER_PAGE)
    if "min_quality" in last and not _usable(last["min_quality"], 0, 100, integer=False):
        drop("min_quality", N_("The lowest quality score must be a number from 0 to 100: ignored."))
    return params, notices


SEARCH_PARAMETERS = frozenset(p.name for p in PARAMETERS)


@router.get("/datasets", response_class=HTMLResponse)
def search_page(request: Request, engine: ReadEngineDep) -> HTMLResponse:
    lang = i18n.negotiate(request)
    params, notices = read_search(request)
    query = query_from_params(params)  # the API's parser: read_search left only values it accepts
    query.facet_limit = FACET_VALUES
    result = datasets.search_datasets(engine, query)
    total = int(result["total"])
    pages = max(1, math.ceil(total / query.per_page))
    panels = facet_panels(result["facets"], query.filters, lang)
    active = active_filters(panels, query.filters, lang)
    without_filters = None
    if total == 0 and (query.filters or query.min_quality is not None) and query.q:
        # what the words alone would find: the no-results page offers it
        alone = datasets.search_datasets(engine, parse_query(q=query.q, per_page=1, status=query.status))
        without_filters = {"total": alone["total"], "url": url_with("/datasets", [("q", query.q)])}
    # "did you mean": each correction's link keeps the filters and starts at the first page
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("q", "page")]
    suggestions = [{**s, "url": url_with("/datasets", [("q", s["q"]), *kept])} for s in result["suggestions"]]
    # the JSON link carries only what the API takes (it refuses unknown parameters, e.g. a utm_source)
    api_params = [(k, v) for k, v in request.query_params.multi_items() if k in SEARCH_PARAMETERS]
    return render(request, "datasets.html", {
        "q": query.q,
        "sort": query.sort,
        "page": query.page,
        "total": total,
        "pages": pages,
        "page_numbers": pagination(query.page, pages),
        "beyond_last": total > 0 and query.page > pages,
        "items": [localise_item(i, lang) for i in result["items"]],
        "facets": panels,
        "active": active,
        "notices": notices,
        "without_filters": without_filters,
        "suggestions": suggestions,
        "sorts": SORTS,
        "api_url": url_with("/api/datasets", api_params),
        "search_hidden": [(k, v) for k, v in request.query_params.multi_items()
                          if k not in ("q", "page", "lang")],
    })


def plausible_id(value: str) -> bool:
    """Whether a path segment could name a stored record at all: no control characters (PostgreSQL
    refuses a NUL in text outright) and no longer than an id column."""
    return len(value) <= 200 and value.isprintable()


@router.get("/datasets/{dataset_id}", response_class=HTMLResponse)
def dataset(dataset_id: str, request: Request, engine: ReadEngineDep) -> HTMLResponse:
    lang = i18n.negotiate(request)
    if not plausible_id(dataset_id):
        return error_page(request, 404)
    try:
        context = dataset_page(engine, dataset_id, lang)
    except NotFound:
        return error_page(request, 404)
    withdrawn = context["dataset"]["status"] == "withdrawn"
    # a withdrawn dataset's page stays readable (links to it keep working) but answers 410 Gone
    return render(request, "dataset.html", {**context, "withdrawn": withdrawn}, status_code=410 if withdrawn else 200)
