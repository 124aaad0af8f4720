"""POST /api/sources/{id}/harvest: a harvest next to the schedule, never two at once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from catalog.services.jobs import get_job
from catalog.services.organisations import create_organisation, local_admin
from harvester import job_lifecycle
from tests.conftest import FIXTURES

CATALOG_TTL = (FIXTURES / "dcat" / "catalog.ttl").read_bytes()
PROBLEM = "application/problem+json"
ADMIN = {"Authorization": "Bearer test-admin-token-for-harvests"}


@pytest.fixture
def client(settings, engine) -> Iterator[TestClient]:
    """conftest's client with an administrator token configured and sent."""
    app_settings = settings.model_copy(update={"admin_token": ADMIN["Authorization"].split()[1]})
    with TestClient(create_app(app_settings, engine), headers=ADMIN) as c:
        yield c


def _finished(client: Any, job_id: int, timeout: float = 10) -> dict[str, Any]:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        report = client.get(f"/api/jobs/{job_id}").json()
        if not report["live"]:
            return report
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still live after {timeout} s")


def test_trigger_queues_a_job_that_harvests_the_source(client, http_server, add_source) -> None:
    source = add_source("fx", http_server.url("dcat/catalog.ttl"))
    resp = client.post(f"/api/sources/{source.id}/harvest")
    assert resp.status_code == 202
    job = resp.json()
    assert resp.headers["location"] == f"/api/jobs/{job['id']}"
    assert (job["source_id"], job["trigger"], job["live"]) == (source.id, "manual", True)
    assert job["status"] in ("queued", "running") and job["worker"] == job_lifecycle.worker_id()
    report = _finished(client, job["id"])
    assert report["status"] == "succeeded"
    assert report["counts"]["added"] == 8 and report["counts"]["invalid"] == 1
    titles = {i["title"] for i in client.get("/api/datasets", params={"per_page": 50}).json()["items"]}
    assert {"Badplatser", "Luftkvalitet"} <= titles
    assert client.get(f"/api/sources/{source.id}").json()["last_job"]["id"] == job["id"]


def test_trigger_while_a_run_is_in_progress_answers_409_with_that_job(client, http_server, add_source) -> None:
    def slow() -> tuple[int, str, bytes]:
        time.sleep(0.6)
        return 200, "text/turtle", CATALOG_TTL

    http_server.routes["/slow.ttl"] = slow
    source = add_source("slow", http_server.url("slow.ttl"))
    first = client.post(f"/api/sources/{source.id}/harvest").json()
    second = client.post(f"/api/sources/{source.id}/harvest")
    assert second.status_code == 409
    assert second.headers["content-type"] == PROBLEM
    body = second.json()
    assert body["job"]["id"] == first["id"] and body["job"]["status"] in ("queued", "running")
    assert f"job {first['id']}" in body["detail"]
    assert _finished(client, first["id"])["status"] == "succeeded"
    assert [j["id"] for j in client.get(f"/api/sources/{source.id}/jobs").json()] == [first["id"]]
    again = client.post(f"/api/sources/{source.id}/harvest")  # finished: a new run may start
    assert again.status_code == 202 and again.json()["id"] != first["id"]
    assert _finished(client, again.json()["id"])["counts"]["unchanged"] == 8


def test_trigger_reports_a_run_of_another_process_instead_of_doubling_it(
    client, engine, http_server, add_source
) -> None:
    source = add_source("fx", http_server.url("dcat/catalog.ttl"))
    elsewhere = job_lifecycle.claim(engine, source.id, trigger="schedule", status="running", dead_after=600,
                           worker="other-host:42")
    resp = client.post(f"/api/sources/{source.id}/harvest")
    assert resp.status_code == 409
    assert resp.json()["job"]["id"] == elsewhere.id
    assert resp.json()["job"]["worker"] == "other-host:42"
    assert http_server.hits == []
    shown = client.get(f"/api/jobs/{elsewhere.id}").json()
    assert (shown["status"], shown["live"], shown["source"], shown["duration_seconds"]) == \
        ("running", True, "fx", None)


def test_trigger_of_an_unknown_source_is_404(client) -> None:
    resp = client.post("/api/sources/999/harvest")
    assert resp.status_code == 404
    assert resp.headers["content-type"] == PROBLEM
    assert resp.json()["detail"] == "no source 999"


def test_only_the_owning_organisation_may_trigger_a_harvest(client, engine, http_server, add_source) -> None:
    mine, my_token = create_organisation(engine, name="Kommun A", actor=local_admin())
    _other, other_token = create_organisation(engine, name="Kommun B", actor=local_admin())
    source = add_source("fx", http_server.url("dcat/catalog.ttl"), organisation_id=mine.id)
    url = f"/api/sources/{source.id}/harvest"
    anonymous = client.post(url, headers={"Authorization": ""})
    refused = client.post(url, headers={"Authorization": f"Bearer {other_token}"})
    assert (anonymous.status_code, refused.status_code) == (401, 403)
    assert client.get(f"/api/sources/{source.id}/jobs").json() == []  # neither queued anything
    allowed = client.post(url, headers={"Authorization": f"Bearer {my_token}"})
    assert allowed.status_code == 202
    assert _finished(client, allowed.json()["id"])["counts"]["added"] == 8


def test_api_keeps_answering_while_a_triggered_harvest_trickles_and_then_fails(
    settings, engine, add_source
) -> None:
    from tests.harvester import misbehaving

    tight = settings.model_copy(update={"admin_token": ADMIN["Authorization"].split()[1], "fetch_timeout": 1.0,
                                        "fetch_deadline": 2.0, "fetch_retries": 0})
    with misbehaving.running() as bad, TestClient(create_app(tight, engine), headers=ADMIN) as client:
        url = bad.serve("/cat.ttl", CATALOG_TTL)
        source = add_source("trickle", url)
        first = client.post(f"/api/sources/{source.id}/harvest").json()
        assert _finished(client, first["id"])["status"] == "succeeded"
        before = client.get("/api/datasets", params={"per_page": 50}).json()
        bad.trickle("/cat.ttl", every=0.2)
        started = time.monotonic()
        job = client.post(f"/api/sources/{source.id}/harvest").json()
        # while the source trickles, the API answers at once
        slowest = 0.0
        while client.get(f"/api/jobs/{job['id']}").json()["live"] and time.monotonic() - started < 10:
            t = time.monotonic()
            assert client.get("/healthz").json()["datasets"] == before["total"]
            assert client.get("/api/datasets", params={"q": "badplatser"}).json()["total"] >= 1
            slowest = max(slowest, time.monotonic() - t)
            time.sleep(0.05)
        report = _finished(client, job["id"])
        assert report["status"] == "failed" and "deadline" in report["message"]
        assert time.monotonic() - started < 6
        assert slowest < 1.0
        after = client.get("/api/datasets", params={"per_page": 50}).json()
        assert {i["id"] for i in after["items"]} == {i["id"] for i in before["items"]}


def test_stopping_the_app_lets_a_triggered_harvest_finish(settings, engine, http_server, add_source) -> None:
    source = add_source("fx", http_server.url("dcat/catalog.ttl"))
    app_settings = settings.model_copy(update={"admin_token": ADMIN["Authorization"].split()[1]})
    with TestClient(create_app(app_settings, engine), headers=ADMIN) as c:
        job_id = c.post(f"/api/sources/{source.id}/harvest").json()["id"]
    # the app is gone: its harvest ran to the end rather than being cut off or left queued
    report = get_job(engine, job_id)
    assert report["status"] == "succeeded" and report["counts"]["added"] == 8
