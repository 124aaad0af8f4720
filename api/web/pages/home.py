"""``/``: the portal's front page, a search box and ways into the catalogue."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.deps import ReadEngineDep
from api.web import i18n
from api.web.render import render
from api.web.views import front_page

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, engine: ReadEngineDep) -> HTMLResponse:
    return render(request, "home.html", front_page(engine, i18n.negotiate(request)))
