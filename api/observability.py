"""Watching a running server: GET /metrics (Prometheus text format), request ids, HTTP timings, JSON logs.

- ``GET /metrics`` serves this process's counters (catalog/metrics.py: ``REGISTRY``) and the state
  read at scrape time from the app's own registry (a ``StateCollector`` of its engine). It is left out
  of the OpenAPI schema (it is no JSON API). Who may read it: with ``METRICS_TOKEN`` set, a request
  with ``Authorization: Bearer <token>``; without, clients on loopback only (a public portal does not
  show its source names, queue and timings to everyone). Refused: 403 problem JSON.
- Every request gets an id: a client's ``X-Request-ID`` when it is short and plain, else a new one;
  it is answered in ``X-Request-ID`` and carried by every log line of the request
  (catalog/logs.py: ``REQUEST_ID``).
- Each request's time is observed by method, route template (never the raw path: bounded labels)
  and status.
"""

from __future__ import annotations

import hmac
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import problem
from catalog import logs, metrics
from catalog.settings import Settings

log = logging.getLogger(__name__)
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
_PLAIN_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class RequestContext:
    """ASGI middleware: the request id (header in, header out, log context) and the request's timing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"x-request-id"), "")
        request_id = given if _PLAIN_ID.fullmatch(given) else uuid.uuid4().hex
        token = logs.REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                message = {**message, "headers": [*headers, (b"x-request-id", request_id.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            metrics.HTTP_SECONDS.labels(scope.get("method", ""), template, str(status)).observe(
                time.perf_counter() - started)
            logs.REQUEST_ID.reset(token)


def may_read(authorization: str, client_host: str | None, settings: Settings) -> bool:
    """With METRICS_TOKEN: that bearer token; without: a client on loopback."""
    if settings.metrics_token:
        scheme, _, given = authorization.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                                  settings.metrics_token.encode())
    return client_host in LOOPBACK


def may_read_metrics(request: Request, settings: Settings) -> bool:
    return may_read(request.headers.get("authorization", ""), request.client.host if request.client else None,
                    settings)


class _Both(Collector):
    """The process's counters and an engine's scrape-time state, as one registry's content."""

    def __init__(self, engine: Engine) -> None:
        self.state = metrics.StateCollector(engine)

    def describe(self) -> Iterable[Any]:
        return []  # read at scrape time (catalog.metrics.StateCollector)

    def collect(self) -> Iterable[Any]:
        yield from metrics.REGISTRY.collect()
        yield from self.state.collect()


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        pass  # a scrape every 15 s is no news


def serve_metrics(settings: Settings, engine: Engine) -> WSGIServer | None:
    """``datakatalog worker``: GET /metrics on WORKER_METRICS_ADDRESS (host:port) in a daemon thread, under
    the same rule as the API's (METRICS_TOKEN, else loopback clients only); None when not set."""
    if not settings.worker_metrics_address:
        return None
    host, _, port = settings.worker_metrics_address.rpartition(":")
    registry = CollectorRegistry()
    registry.register(_Both(engine))

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if environ.get("PATH_INFO") != "/metrics":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found: /metrics only\n"]
        if not may_read(environ.get("HTTP_AUTHORIZATION", ""), environ.get("REMOTE_ADDR"), settings):
            start_response("403 Forbidden", [("Content-Type", "text/plain")])
            return [b"forbidden: a bearer token (METRICS_TOKEN), or a client on loopback\n"]
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
        return [generate_latest(registry)]

    server = make_server(host.strip("[]") or "127.0.0.1", int(port), app, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, daemon=True, name="datakatalog-metrics").start()
    log.info("metrics at http://%s:%s/metrics", *server.server_address[:2])
    return server


def install(app: FastAPI, settings: Settings) -> None:
    """Add the request middleware, the app's scrape-time collector and GET /metrics to ``app``."""
    registry = CollectorRegistry()  # the app's own: two apps in one process never mix their databases
    registry.register(_Both(app.state.read_engine))  # the searches' engine: their index lag and pool
    app.state.metrics_registry = registry
    app.add_middleware(RequestContext)

    @app.get("/metrics", include_in_schema=False)
    def metrics_page(request: Request) -> Response:
        """Prometheus text format: this process's counters and the state read now."""
        if not may_read_metrics(request, settings):
            why = ("a bearer token (METRICS_TOKEN) is needed" if settings.metrics_token
                   else "only clients on loopback may read it unless METRICS_TOKEN is set")
            return problem(403, "Forbidden", f"/metrics: {why}")
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
