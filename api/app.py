"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Engine

from api.problems import problem
from api.routes import ROUTERS
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
    )
    app.state.settings = settings
    app.state.engine = engine or init_engine(settings.database_url)

    @app.exception_handler(CatalogError)
    async def catalog_error(_request: Request, exc: CatalogError) -> JSONResponse:
        extra: dict[str, Any] = {}
        if isinstance(exc, FieldError):  # the same shape as request validation errors
            extra["errors"] = [{"field": exc.field, "message": exc.reason}]
        response = problem(exc.status, exc.title, exc.message, **extra)
        response.headers.update(getattr(exc, "headers", None) or {})  # 401: WWW-Authenticate
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")),
             "message": err.get("msg")}
            for err in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem(422, "Invalid input", detail, errors=errors)

    @app.get("/healthz", tags=["meta"])
    def healthz() -> dict[str, Any]:
        """Liveness and a count of active datasets."""
        return health.health(app.state.engine)

    for router in ROUTERS:
        app.include_router(router)
    return app
