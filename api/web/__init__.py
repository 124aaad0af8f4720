"""The web portal: server-rendered pages for people, on the same service functions as the API.

:func:`mount` adds the static files, the security headers of HTML responses and every router of
:data:`api.web.pages.PAGES` to the application.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from api.web.render import STATIC_DIR, static_hash
from api.web.security import SecurityHeaders

IMMUTABLE = "public, max-age=31536000, immutable"


class HashedStatic(StaticFiles):
    """Static files: a year of caching for a URL carrying the file's current hash (``static()`` makes
    them); anything else is revalidated, so that an old link never pins an old file."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            query = dict(q.split("=", 1) for q in scope.get("query_string", b"").decode().split("&") if "=" in q)
            fresh = query.get("v") and query.get("v") == static_hash(path)
            response.headers["Cache-Control"] = IMMUTABLE if fresh else "no-cache"
        return response


def mount(app: FastAPI) -> None:
    """Add the portal to ``app``: /static, the HTML security headers, then the pages in PAGES order."""
    from api.web.pages import PAGES  # the page modules import the app's dependencies

    app.mount("/static", HashedStatic(directory=STATIC_DIR), name="static")
    app.add_middleware(SecurityHeaders)
    for router in PAGES:
        app.include_router(router)
