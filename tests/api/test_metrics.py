"""GET /metrics (Prometheus text format), request ids and JSON logs (issue 17, observability)."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator

import pytest
import requests
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api import observability
from api.app import create_app
from catalog import logs
from catalog.metrics import query_kind
from catalog.search.query import SearchQuery
from harvester import job_lifecycle

TOKEN = "metrics-token-0123456789"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def client(settings, engine) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update={"metrics_token": TOKEN}), engine)) as c:
        yield c


def samples(client: TestClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    resp = client.get("/metrics", headers=BEARER)
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/plain")
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(resp.text) for s in family.samples}


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


def test_metrics_after_a_harvest_and_searches(client, http_server, add_source, harvest, engine) -> None:
    name = f"fx-{uuid.uuid4().hex[:8]}"  # counters are per process: a name of this test's own
    add_source(name, http_server.url("dcat/catalog.ttl"))
    before = samples(client)
    job = harvest(name)
    assert job.status == "succeeded"
    for params in ({}, {"q": "bad"}, {"q": "luft kvalitet"}, {"theme": "ENVI"}, {"q": "bad", "theme": "ENVI"}):
        assert client.get("/api/datasets", params=params).status_code == 200
    queued = add_source(f"q-{name}", http_server.url("dcat/catalog.ttl"))
    job_lifecycle.claim(engine, queued.id, trigger="schedule", dead_after=60)  # queued, never run here
    after = samples(client)

    assert value(after, "datakatalog_harvest_jobs_total", source=name, outcome="succeeded") == 1
    assert value(after, "datakatalog_harvest_datasets_total", source=name) == job.seen > 0
    assert value(after, "datakatalog_harvest_datasets_per_second", source=name) > 0
    assert (value(after, "datakatalog_harvest_duration_seconds_count", outcome="succeeded")
            - value(before, "datakatalog_harvest_duration_seconds_count", outcome="succeeded")) == 1
    grew = {kind: value(after, "datakatalog_search_duration_seconds_count", kind=kind)
            - value(before, "datakatalog_search_duration_seconds_count", kind=kind)
            for kind in ("match_all", "prefix", "text", "facet")}
    assert grew == {"match_all": 1, "prefix": 1, "text": 1, "facet": 2}
    assert value(after, "datakatalog_harvest_queue_depth") == 1
    assert value(after, "datakatalog_harvest_jobs_live", status="queued") == 1
    database = value(after, "datakatalog_search_generation", of="database")
    assert database > value(before, "datakatalog_search_generation", of="database")
    # the searches brought this process's facet index to the database's generation
    assert value(after, "datakatalog_search_generation", of="facets") == database
    assert value(after, "datakatalog_search_generation_lag", index="facets") == 0
    assert value(after, "datakatalog_db_pool_checked_out", pool=type(engine.pool).__name__) >= 0
    assert value(after, "datakatalog_http_request_duration_seconds_count", method="GET", route="/api/datasets",
                 status="200") >= 5
    assert ("process_resident_memory_bytes", frozenset()) in after or \
        ("process_cpu_seconds_total", frozenset()) in after


def test_fetch_errors_are_counted_by_kind(client, http_server, add_source, harvest) -> None:
    name = f"gone-{uuid.uuid4().hex[:8]}"
    add_source(name, http_server.url("no/such/file.ttl"))
    before = samples(client)
    assert harvest(name).status == "failed"  # the source answers 404
    after = samples(client)
    assert value(after, "datakatalog_harvest_jobs_total", source=name, outcome="failed") == 1
    assert (value(after, "datakatalog_fetch_errors_total", kind="http_4xx")
            - value(before, "datakatalog_fetch_errors_total", kind="http_4xx")) == 1
    assert value(after, "datakatalog_harvest_datasets_total", source=name) == 0


def test_jobs_found_dead_are_counted(client, http_server, add_source, engine) -> None:
    source = add_source(f"dead-{uuid.uuid4().hex[:8]}", http_server.url("dcat/catalog.ttl"))
    job_lifecycle.claim(engine, source.id, trigger="schedule", dead_after=60, status="running")
    time.sleep(0.05)
    before = samples(client)
    assert job_lifecycle.recover_dead(engine, dead_after=0.01, source_id=source.id)  # its heartbeat is too old
    after = samples(client)
    assert (value(after, "datakatalog_harvest_jobs_found_dead_total")
            - value(before, "datakatalog_harvest_jobs_found_dead_total")) == 1


def test_metrics_ask_for_the_token_and_stay_out_of_the_schema(client) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        resp = client.get("/metrics", headers=headers)
        assert resp.status_code == 403 and resp.headers["content-type"] == "application/problem+json"
    assert client.get("/metrics", headers=BEARER).status_code == 200
    assert "/metrics" not in client.get("/openapi.json").json()["paths"]


def test_without_a_token_only_loopback_reads_metrics(settings, engine) -> None:
    app = create_app(settings, engine)
    with TestClient(app, client=("127.0.0.1", 50000)) as local, TestClient(app, client=("203.0.113.7", 50000)) as far:
        assert local.get("/metrics").status_code == 200
        assert far.get("/metrics").status_code == 403


def test_a_worker_serves_its_own_metrics(settings, engine, http_server, add_source, harvest) -> None:
    name = f"wk-{uuid.uuid4().hex[:8]}"
    add_source(name, http_server.url("dcat/catalog.ttl"))
    assert harvest(name).status == "succeeded"
    server = observability.serve_metrics(settings.model_copy(update={"worker_metrics_address": "127.0.0.1:0",
                                                                     "metrics_token": TOKEN}), engine)
    assert server is not None
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/metrics"
        assert requests.get(url, timeout=10).status_code == 403
        resp = requests.get(url, headers=BEARER, timeout=10)
        assert resp.status_code == 200
        found = {(s.name, frozenset(s.labels.items())): s.value
                 for family in text_string_to_metric_families(resp.text) for s in family.samples}
        assert value(found, "datakatalog_harvest_jobs_total", source=name, outcome="succeeded") == 1
        assert ("datakatalog_harvest_queue_depth", frozenset()) in found
    finally:
        server.shutdown()
        server.server_close()
    assert observability.serve_metrics(settings, engine) is None  # not asked for: no server


def test_request_ids_are_answered(client) -> None:
    given = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = client.get("/healthz", headers={"X-Request-ID": "<script>"})  # not plain: a fresh one instead
    assert made.headers["x-request-id"] != "<script>" and len(made.headers["x-request-id"]) == 32


@pytest.mark.parametrize(("query", "kind"), [
    (SearchQuery(), "match_all"), (SearchQuery(q="  "), "match_all"), (SearchQuery(q="vatt"), "prefix"),
    (SearchQuery(q="vatten "), "text"), (SearchQuery(q='"bad plats"'), "text"), (SearchQuery(q="bad plats"), "text"),
    (SearchQuery(q="bad", filters={"theme": ["ENVI"]}), "facet"), (SearchQuery(min_quality=50), "facet"),
])
def test_query_kinds(query, kind) -> None:
    assert query_kind(query) == kind


def test_json_logs_carry_job_and_request_ids(settings, engine, http_server, add_source, harvest, capfd) -> None:
    app = create_app(settings.model_copy(update={"log_format": "json"}), engine)

    def noisy() -> dict[str, str]:  # a route that logs, as a handler in a worker thread does
        logging.getLogger("tests.route").warning("answering")
        return {}

    app.router.routes.insert(0, APIRoute("/test-logs", noisy, include_in_schema=False))
    root = logging.getLogger()
    level, handler = root.level, None
    try:
        with TestClient(app) as c:  # the app's start makes the lines JSON (as after uvicorn's own set-up)
            handler = next(h for h in root.handlers if isinstance(h.formatter, logs.JsonFormatter))
            add_source("broken", http_server.url("no/such/file.ttl"))
            job = harvest("broken")  # fails: its warning is logged inside the job's context
            assert job.status == "failed"
            assert c.get("/test-logs", headers={"X-Request-ID": "req-42"}).status_code == 200
    finally:
        if handler is not None:
            root.removeHandler(handler)
        root.setLevel(level)
    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")]
    assert lines and all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    assert any(line.get("job_id") == job.id and line["logger"] == "harvester.runner" for line in lines)
    assert any(line.get("request_id") == "req-42" and line["logger"] == "tests.route" for line in lines)
