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

from api.deps import EngineDep
from api.web import i18n
from api.web.i18n import N_
from api.web.render import error_page, render, url_with
from api.web.views import active_filters, dataset_page, facet_panels, localise_item, pagination
from catalog.errors import NotFound
from catalog.search.query import FACETS, SORTS, STATUSES, parse_query
from catalog.services import datasets

router = APIRouter(include_in_schema=False)

MAX_PAGE = 100_000  # as /api/datasets
PER_PAGE = 20
MAX_PER_PAGE = 100  # a page of HTML stays quick to render and to read
MAX_Q = 500


def _number(raw: str | None, default: float | None, low: float, high: float, *,
            integer: bool) -> tuple[float | None, bool]:
    """A parameter as a number within [low, high]: (value, True) or (default, False) when unusable."""
    if raw is None or raw.strip() == "":
        return default, True
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        return default, False
    if not low <= value <= high or (isinstance(value, float) and math.isnan(value)):
        return default, False
    return value, True


def read_search(request: Request) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The search parameters of the request, each unusable one replaced by its default, and a
    notice (a message and its values) for each one replaced."""
    params = request.query_params
    notices: list[dict[str, Any]] = []
    q = params.get("q", "").strip()
    if len(q) > MAX_Q:
        q = q[:MAX_Q]
        notices.append({"text": N_("The search text was cut to %(n)s characters."), "args": {"n": MAX_Q}})
    filters = {f: list(dict.fromkeys(v.strip() for v in params.getlist(f) if v.strip())) for f in FACETS}
    sort = params.get("sort") or "relevance"
    if sort not in SORTS:
        notices.append({"text": N_("Unknown sort order “%(value)s”: sorted by relevance."), "args": {"value": sort}})
        sort = "relevance"
    status = params.get("status") or "active"
    if status not in STATUSES:
        notices.append({"text": N_("Unknown status “%(value)s”: showing current datasets."),
                        "args": {"value": status}})
        status = "active"
    page, ok = _number(params.get("page"), 1, 1, MAX_PAGE, integer=True)
    if not ok:
        notices.append({"text": N_("“%(value)s” is not a page number: showing the first page."),
                        "args": {"value": params.get("page")}})
    per_page, ok = _number(params.get("per_page"), PER_PAGE, 1, MAX_PER_PAGE, integer=True)
    if not ok:
        notices.append({"text": N_("Results per page must be a number from 1 to %(max)s: showing %(n)s."),
                        "args": {"max": MAX_PER_PAGE, "n": PER_PAGE}})
    min_quality, ok = _number(params.get("min_quality"), None, 0, 100, integer=False)
    if not ok:
        notices.append({"text": N_("The lowest quality score must be a number from 0 to 100: ignored."), "args": {}})
    return ({"q": q or None, "filters": {f: v for f, v in filters.items() if v}, "sort": sort, "status": status,
             "page": int(page or 1), "per_page": int(per_page or PER_PAGE), "min_quality": min_quality}, notices)


@router.get("/datasets", response_class=HTMLResponse)
def search_page(request: Request, engine: EngineDep) -> HTMLResponse:
    lang = i18n.negotiate(request)
    args, notices = read_search(request)
    result = datasets.search_datasets(engine, parse_query(**args))
    total = int(result["total"])
    pages = max(1, math.ceil(total / args["per_page"]))
    panels = facet_panels(result["facets"], args["filters"], lang)
    active = active_filters(panels, args["filters"], lang)
    without_filters = None
    if total == 0 and (args["filters"] or args["min_quality"] is not None) and args["q"]:
        # what the words alone would find: the no-results page offers it
        alone = datasets.search_datasets(engine, parse_query(q=args["q"], per_page=1, status=args["status"]))
        without_filters = {"total": alone["total"], "url": url_with("/datasets", [("q", args["q"])])}
    api_params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return render(request, "datasets.html", {
        **args,
        "total": total,
        "pages": pages,
        "page_numbers": pagination(args["page"], pages),
        "beyond_last": total > 0 and args["page"] > pages,
        "items": [localise_item(i, lang) for i in result["items"]],
        "facets": panels,
        "active": active,
        "notices": notices,
        "without_filters": without_filters,
        "sorts": SORTS,
        "api_url": url_with("/api/datasets", api_params),
        "search_hidden": [(k, v) for k, v in request.query_params.multi_items()
                          if k not in ("q", "page", "lang")],
    })


@router.get("/datasets/{dataset_id}", response_class=HTMLResponse)
def dataset(dataset_id: str, request: Request, engine: EngineDep) -> HTMLResponse:
    lang = i18n.negotiate(request)
    try:
        context = dataset_page(engine, dataset_id, lang)
    except NotFound:
        return error_page(request, 404)
    withdrawn = context["dataset"]["status"] == "withdrawn"
    # a withdrawn dataset's page stays readable (links to it keep working) but answers 410 Gone
    return render(request, "dataset.html", {**context, "withdrawn": withdrawn}, status_code=410 if withdrawn else 200)
