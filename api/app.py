"""The FastAPI application factory."""

from __future__ import annotations

import difflib
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import observability
from api.problems import problem
from api.routes import ROUTERS
from api.schemas import Health
from api.web import mount
from api.web.render import error_page, wants_html
from catalog import logs
from catalog.errors import Busy, CatalogError, FieldError
from catalog.services import health
from catalog.settings import Settings, get_settings
from catalog.store.engine import init_engine, is_lock_timeout, make_read_engine
from harvester.scheduler import stop_fallback_pool

# parameters people write for one a route takes; any other near miss is found by difflib
MISSPELLINGS = {"licence": "license", "licences": "license", "licenses": "license", "license_id": "license",
                "organisation": "publisher", "organization": "publisher", "tag": "keyword", "tags": "keyword",
                "query": "q", "text": "q", "limit": "per_page", "rows": "per_page", "offset": "page",
                "kind": "type", "order": "sort", "sort_by": "sort"}
# CKAN's action API takes the parameters CKAN clients send, as CKAN does (catalog/services/ckan.py)
LENIENT_PREFIXES = ("/api/3/action/", "/api/action/")
_known: dict[int, frozenset[str]] = {}


def _query_names(dependant: Any) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def known_parameters(route: APIRoute) -> frozenset[str]:
    """The query parameters a route reads: those in its signature and its dependencies', and those it
    documents (routes that read the raw query string, such as the search, list them in openapi_extra)."""
    found = _known.get(id(route))
    if found is None:
        documented = {p["name"] for p in (route.openapi_extra or {}).get("parameters", []) if p.get("in") == "query"}
        found = _known[id(route)] = frozenset(_query_names(route.dependant) | documented)
    return found


def refuse_unknown_parameters(request: Request) -> None:
    """A query parameter no /api route reads is an error naming it, not silently ignored (a filter that
    seems to work but matches everything); a known misspelling names the parameter meant."""
    path = request.url.path
    route = request.scope.get("route")
    if not path.startswith("/api/") or path.startswith(LENIENT_PREFIXES) or not isinstance(route, APIRoute):
        return
    known = known_parameters(route)
    for name in dict.fromkeys(request.query_params.keys()):
        if name in known:
            continue
        meant = MISSPELLINGS.get(name.lower())
        if meant not in known:
            close = difflib.get_close_matches(name.lower(), sorted(known), n=1, cutoff=0.75)
            meant = close[0] if close else None
        if meant:
            raise FieldError(name, f"unknown parameter; did you mean {meant!r}?")
        takes = ", ".join(sorted(known)) if known else "no query parameters"
        raise FieldError(name, f"unknown parameter; this route takes {takes}")


def json_error(err: Mapping[str, Any], body: Any) -> dict[str, str]:
    """A body that is no JSON, located as an editor shows it (line and column, from 1), not by the
    character offset the parser gives as the error's "field"."""
    loc = err.get("loc", ())
    pos = loc[-1] if loc and isinstance(loc[-1], int) else None
    reason = str((err.get("ctx") or {}).get("error") or "not JSON").rstrip(".").lower()
    if pos is None or not isinstance(body, str | bytes):
        return {"field": "body", "message": f"body is not valid JSON: {reason}"}
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return {"field": "body", "message": f"body is not valid JSON at line {line} column {column}: {reason}"}


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the API for the given settings (the environment's when none are given). With DATABASE_READ_URL,
    the read-only answers (``api.deps.ReadEngineDep``: searches, dataset and publisher pages, DCAT and CKAN
    output, exports, the change feed, /healthz and the search state /metrics shows) read through a read-only
    engine of that URL; everything else, and every write, uses ``engine`` (DATABASE_URL)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        logs.configure(settings.log_format)  # after uvicorn set up its own loggers: LOG_FORMAT=json makes them JSON too
        yield
        # harvests the API triggered without `serve`'s scheduler finish before the app is gone
        await run_in_threadpool(stop_fallback_pool, app.state.engine)
        if app.state.read_engine is not app.state.engine:
            app.state.read_engine.dispose()

    app = FastAPI(
        lifespan=lifespan,
        title="datakatalog",
        version="0.1.0",
        description="Open-data catalogue of the Swedish public sector: search, DCAT-AP-SE, harvesting.",
        # served by the app itself (api/web/pages/docs.py): the CDN FastAPI would load is not always reachable
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(refuse_unknown_parameters)],
    )
    app.state.settings = settings
    app.state.engine = engine or init_engine(settings.database_url, busy_timeout=settings.db_busy_timeout)
    # the primary's schema is current (above); a replica follows it
    app.state.read_engine = (make_read_engine(settings.database_read_url)
                             if settings.database_read_url else app.state.engine)

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
        errors = [json_error(err, exc.body) if err.get("type") == "json_invalid" else
                  {"field": ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")),
                   "message": err.get("msg")}
                  for err in exc.errors()]
        detail = "; ".join(e["message"] if str(e["message"]).startswith(e["field"] + " ") else
                           f"{e['field']}: {e['message']}" for e in errors)
        if wants_html(request):
            return error_page(request, 422, detail)
        return problem(422, "Invalid input", detail, errors=errors)

    @app.exception_handler(OperationalError)
    async def database_error(request: Request, exc: Exception) -> Response:
        """Another writer held the database longer than a request waits (SQLite: DB_BUSY_TIMEOUT): 503 with
        Retry-After, never a plain 500; any other database failure is an unexpected error."""
        if is_lock_timeout(exc):
            return await catalog_error(request, Busy())
        return await unexpected_error(request, exc)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> Response:
        """A bug or an outage (the database gone) is problem JSON too; Starlette logs the exception."""
        if wants_html(request):
            return error_page(request, 500, None)
        return problem(500, "Internal Server Error", "an unexpected error on the server; it has been logged")

    @app.get("/healthz", tags=["meta"], response_model=Health)
    def healthz() -> dict[str, Any]:
        """Liveness and a count of active datasets (read where searches read: DATABASE_READ_URL when set)."""
        return health.health(app.state.read_engine)

    observability.install(app, settings)  # GET /metrics, request ids, HTTP timings (before the portal's paths)
    for router in ROUTERS:
        app.include_router(router)
    mount(app)  # the portal's pages come after the API: its paths never shadow /api ones
    return app
