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
import re
import time
import uuid

from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import problem
from catalog import logs, metrics
from catalog.settings import Settings

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


def may_read_metrics(request: Request, settings: Settings) -> bool:
    """With METRICS_TOKEN: that bearer token; without: a client on loopback."""
    if settings.metrics_token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                                  settings.metrics_token.encode())
    return request.client is not None and request.client.host in LOOPBACK


def install(app: FastAPI, settings: Settings) -> None:
    """Add the request middleware, the app's scrape-time collector and GET /metrics to ``app``."""
    registry = CollectorRegistry()
    registry.register(metrics.StateCollector(app.state.engine))
    app.state.metrics_registry = registry
    app.add_middleware(RequestContext)

    @app.get("/metrics", include_in_schema=False)
    def metrics_page(request: Request) -> Response:
        """Prometheus text format: this process's counters and the state read now."""
        if not may_read_metrics(request, settings):
            why = ("a bearer token (METRICS_TOKEN) is needed" if settings.metrics_token
                   else "only clients on loopback may read it unless METRICS_TOKEN is set")
            return problem(403, "Forbidden", f"/metrics: {why}")
        body = generate_latest(metrics.REGISTRY) + generate_latest(registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)
