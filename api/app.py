"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.problems import problem
from api.routes import ROUTERS
from api.schemas import Health
from api.web import mount
from api.web.render import error_page, wants_html
from catalog.errors import CatalogError, FieldError
from catalog.services import health
from catalog.settings import Settings, get_settings
from catalog.store.engine import init_engine
from harvester.scheduler import stop_fallback_pool


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the API for the given settings (the environment's when none are given)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        # harvests the API triggered without `serve`'s scheduler finish before the app is gone
        await run_in_threadpool(stop_fallback_pool, app.state.engine)

    app = FastAPI(
        lifespan=lifespan,
        title="datakatalog",
        version="0.1.0",
        description="Open-data catalogue of the Swedish public sector: search, DCAT-AP-SE, harvesting.",
        # served by the app itself (api/web/pages/docs.py): the CDN FastAPI would load is not always reachable
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine or init_engine(settings.database_url)

    @app.exception_handler(CatalogError)
    async def catalog_error(request: Request, exc: CatalogError) -> Response:
        if wants_html(request):  # a page (or a form post) in a browser: the error page, not JSON
            return error_page(request, exc.status, exc.message, headers=getattr(exc, "headers", None))
        extra: dict[str, Any] = {}
        if isinstance(exc, FieldError):  # the same shape as request validation errors
            extra["errors"] = [{"field": exc.field, "message": exc.reason}]
        response = problem(exc.status, exc.title, exc.message, **extra)
        response.headers.update(getattr(exc, "headers", None) or {})  # 401: WWW-Authenticate
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """Unknown paths and methods: a page for browsers, problem JSON for everyone else."""
        headers = getattr(exc, "headers", None)
        if wants_html(request):
            return error_page(request, exc.status_code, None, headers=headers)
        try:
            title = HTTPStatus(exc.status_code).phrase
        except ValueError:
            title = "Error"
        # Starlette's own detail repeats the title ("Not Found"): the path says more
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else f"{title}: {request.url.path}"
        response = problem(exc.status_code, title, detail)
        response.headers.update(headers or {})
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"field": ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")),
             "message": err.get("msg")}
            for err in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        if wants_html(request):
            return error_page(request, 422, detail)
        return problem(422, "Invalid input", detail, errors=errors)

    @app.get("/healthz", tags=["meta"], response_model=Health)
    def healthz() -> dict[str, Any]:
        """Liveness and a count of active datasets."""
        return health.health(app.state.engine)

    for router in ROUTERS:
        app.include_router(router)
    mount(app)  # the portal's pages come after the API: its paths never shadow /api ones
    return app
