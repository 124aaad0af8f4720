"""``/publishers`` and ``/publishers/{id}``: who publishes what, with quality and sources."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import ReadEngineDep
from api.web import i18n
from api.web.pages.datasets import plausible_id
from api.web.render import error_page, render, url_with
from api.web.views import localise_item, pick, publisher_type_label
from catalog.errors import NotFound
from catalog.quality import reports
from catalog.quality.hvd import FACT_LABELS
from catalog.search.query import parse_query
from catalog.services import datasets, hvd, publishers

router = APIRouter(include_in_schema=False)

NEWEST = 10


@router.get("/publishers", response_class=HTMLResponse)
def publishers_page(request: Request, engine: ReadEngineDep) -> HTMLResponse:
    lang = i18n.negotiate(request)
    rows = [{**p, "label": pick(p["names"], lang) or p["name"], "type_label": publisher_type_label(p["type"], lang)}
            for p in publishers.list_publishers(engine)]
    return render(request, "publishers.html", {"publishers": rows})


@router.get("/publishers/{publisher_id}", response_class=HTMLResponse)
def publisher_page(publisher_id: str, request: Request, engine: ReadEngineDep) -> Response:
    lang = i18n.negotiate(request)
    if not plausible_id(publisher_id):
        return error_page(request, 404)
    try:
        publisher = publishers.get_publisher(engine, publisher_id)
    except NotFound:
        return error_page(request, 404)
    if publisher["id"] != publisher_id:  # a merged publisher's old id: one page, at one address
        target = url_with(f"/publishers/{quote(publisher['id'], safe='')}", request.query_params.multi_items())
        return RedirectResponse(target, status_code=301)
    quality = reports.publisher_quality(engine, publisher_id)
    newest = datasets.search_datasets(engine, parse_query(filters={"publisher": [publisher_id]}, sort="modified",
                                                          per_page=NEWEST))
    rules = [{**r, "message": (r["message_en"] if lang == "en" else r["message_sv"]) or r["message_en"] or r["rule"]}
             for r in quality.get("most_failed_rules", [])]
    hvd_report = hvd.publisher_hvd(engine, publisher_id)
    return render(request, "publisher.html", {
        "hvd": hvd_report,
        "hvd_facts": {fact: labels.get(lang) or labels["en"] for fact, labels in FACT_LABELS.items()},
        "publisher": publisher,
        "label": pick(publisher["names"], lang) or publisher["name"],
        "type_label": publisher_type_label(publisher["type"], lang),
        "quality": quality,
        "rules": rules,
        "newest": [localise_item(i, lang) for i in newest["items"]],
        "total": newest["total"],
    })
