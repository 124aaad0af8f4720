"""Deleting and registering again, over HTTP and on the command line: a deleted source's name is free
(``POST`` with it answers 201, not 409), its datasets go to the source that lists them, and an
administrator decides between two active sources. Row counts are taken before and after each step."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli_app
from catalog.services import audit, organisations
from catalog.services.organisations import Principal
from catalog.settings import Settings, get_settings
from catalog.store.tables import DS, REV, SRC
from tests.catalog.test_source_takeover import catalogue
from tests.conftest import FixtureHTTPServer

ADMIN_TOKEN = "admin-" + "z" * 40
SETUP = Principal(actor="test-setup", admin=True)


@dataclass
class Api:
    client: TestClient
    engine: Engine
    server: FixtureHTTPServer
    uppsala: dict[str, str]
    skane: dict[str, str]
    admin: dict[str, str]

    def harvest(self, source_id: int, who: dict[str, str]) -> dict[str, Any]:
        """Queue a harvest over HTTP and wait for its job (the API runs it on its pool)."""
        resp = self.client.post(f"/api/sources/{source_id}/harvest", headers=who)
        assert resp.status_code == 202, resp.text
        job_id = resp.json()["id"]
        for _ in range(400):
            report: dict[str, Any] = self.client.get(f"/api/jobs/{job_id}").json()
            if not report["live"]:
                return report
            time.sleep(0.025)
        raise AssertionError(f"job {job_id} did not end")


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def counts(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        return {
            "sources": conn.execute(select(func.count()).select_from(SRC)).scalar_one(),
            "live_sources": conn.execute(
                select(func.count()).select_from(SRC).where(SRC.c.deleted.is_(False))).scalar_one(),
            "datasets": dict(conn.execute(select(DS.c.status, func.count()).group_by(DS.c.status)).all()),
            "revisions": conn.execute(select(func.count()).select_from(REV)).scalar_one(),
        }


@pytest.fixture
def api(engine: Engine, settings: Settings, http_server: FixtureHTTPServer) -> Iterator[Api]:
    app_settings = settings.model_copy(update={"admin_token": ADMIN_TOKEN})
    _, uppsala = organisations.create_organisation(engine, name="Uppsala kommun", actor=SETUP)
    _, skane = organisations.create_organisation(engine, name="Region Skåne", actor=SETUP)
    with TestClient(create_app(app_settings, engine)) as client:
        yield Api(client, engine, http_server, _bearer(uppsala), _bearer(skane), _bearer(ADMIN_TOKEN))


def test_a_deleted_sources_name_can_be_registered_again_and_its_datasets_come_back(api: Api) -> None:
    url = api.server.set("u.ttl", catalogue(range(5)))
    created = api.client.post("/api/sources", json={"name": "uppsala", "url": url}, headers=api.uppsala)
    assert created.status_code == 201
    old_id = created.json()["id"]
    assert api.harvest(old_id, api.uppsala)["counts"]["added"] == 5
    deleted = api.client.delete(f"/api/sources/{old_id}", headers=api.uppsala)
    assert deleted.json() == {"id": old_id, "name": "uppsala", "deleted": True, "withdrawn": 5}
    before = counts(api.engine)
    assert before == {"sources": 1, "live_sources": 0, "datasets": {"withdrawn": 5}, "revisions": 10}
    assert api.client.get(f"/api/sources/{old_id}").status_code == 404

    again = api.client.post("/api/sources", json={"name": "uppsala", "url": url}, headers=api.uppsala)

    assert again.status_code == 201, again.text
    new_id = again.json()["id"]
    assert new_id != old_id
    assert [s["id"] for s in api.client.get("/api/sources").json()] == [new_id]
    assert api.client.get(f"/api/sources/{new_id}").json()["name"] == "uppsala"
    assert api.client.get(f"/api/sources/{old_id}").status_code == 404
    report = api.harvest(new_id, api.uppsala)
    assert report["counts"]["updated"] == 5 and report["counts"]["added"] == 0
    assert len(report["changes"]["restored"]) == 5
    assert counts(api.engine) == {"sources": 2, "live_sources": 1, "datasets": {"active": 5}, "revisions": 15}
    # a second live source of that name is still a conflict
    taken = api.client.post("/api/sources", json={"name": "uppsala", "url": url}, headers=api.skane)
    assert taken.status_code == 409
    assert counts(api.engine)["sources"] == 2


def test_another_organisations_source_takes_over_what_a_deleted_source_kept(api: Api) -> None:
    url = api.server.set("u.ttl", catalogue(range(3)))
    mine = api.client.post("/api/sources", json={"name": "uppsala", "url": url}, headers=api.uppsala).json()["id"]
    theirs = api.client.post("/api/sources", json={"name": "skane-spegel", "url": url}, headers=api.skane).json()["id"]
    api.harvest(mine, api.uppsala)
    mirror = api.harvest(theirs, api.skane)
    assert mirror["counts"]["seen"] == 0
    assert next(g for g in mirror["problems"] if g["rule"] == "duplicate")["count"] == 3
    api.client.delete(f"/api/sources/{mine}", headers=api.uppsala)
    before = counts(api.engine)

    report = api.harvest(theirs, api.skane)

    assert report["counts"]["updated"] == 3
    assert counts(api.engine) == {**before, "datasets": {"active": 3}, "revisions": before["revisions"] + 3}
    items = api.client.get("/api/datasets", params={"source": "skane-spegel"}).json()["items"]
    assert len(items) == 3
    feed = api.client.get("/api/changes").json()["items"]
    assert [i["previous_source"] for i in feed if i["change"] == "restored"] == ["uppsala"] * 3


def test_only_an_administrator_hands_datasets_over_between_active_sources(api: Api) -> None:
    mine = api.client.post("/api/sources", json={"name": "uppsala", "url": api.server.set(
        "u.ttl", catalogue(range(3)))}, headers=api.uppsala).json()["id"]
    theirs = api.client.post("/api/sources", json={"name": "skane", "url": api.server.set(
        "s.ttl", catalogue(range(2, 4)))}, headers=api.skane).json()["id"]
    api.harvest(mine, api.uppsala)
    api.harvest(theirs, api.skane)
    before = counts(api.engine)
    for who in (api.skane, api.uppsala):
        refused = api.client.post(f"/api/sources/{theirs}/take-over", json={"from_source": mine}, headers=who)
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("application/problem+json")
    assert api.client.post(f"/api/sources/{theirs}/take-over", json={"from_source": mine}).status_code == 401
    unknown = api.client.post(f"/api/sources/{theirs}/take-over", json={"from_source": mine, "dataset_ids": ["x"]},
                              headers=api.admin)
    assert unknown.status_code == 409
    assert counts(api.engine) == before

    done = api.client.post(f"/api/sources/{theirs}/take-over", json={"from_source": mine}, headers=api.admin)

    assert done.status_code == 200, done.text
    body = done.json()
    assert body["source"] == "skane" and body["from_source"] == "uppsala" and len(body["taken_over"]) == 1
    assert counts(api.engine) == {**before, "revisions": before["revisions"] + 1}
    assert len(api.client.get("/api/datasets", params={"source": "skane"}).json()["items"]) == 2
    entries = [e for e in audit.list_audit(api.engine, limit=100) if e["action"] == "source.take_over"]
    assert len(entries) == 1 and entries[0]["target"] == f"source:{theirs}"


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, db_url: str) -> Any:
    monkeypatch.setenv("DATAKATALOG_ALLOW_PRIVATE_SOURCES", "1")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("DATAKATALOG_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    runner = CliRunner()

    def run(*args: str) -> Any:
        return runner.invoke(cli_app, [*args, "--db", db_url])

    yield run
    get_settings.cache_clear()


def test_cli_deletes_a_source_and_decides_between_two(cli: Any, engine: Engine, http_server: FixtureHTTPServer) -> None:
    for name, numbers in (("a", range(3)), ("b", range(1, 3))):
        url = http_server.set(f"{name}.ttl", catalogue(numbers))
        assert cli("source", "add", name, "--kind", "dcat", "--url", url).exit_code == 0
    assert cli("harvest", "a", "b").exit_code == 0
    before = counts(engine)
    result = cli("source", "take-over", "b", "--from", "a")
    assert result.exit_code == 0, result.output
    assert "took over 2 datasets from a" in result.stdout
    assert counts(engine) == {**before, "revisions": before["revisions"] + 2}

    result = cli("source", "delete", "b")
    assert result.exit_code == 0, result.output
    assert "2 datasets withdrawn" in result.stdout
    assert counts(engine) == {**before, "live_sources": 1, "datasets": {"active": 1, "withdrawn": 2},
                              "revisions": before["revisions"] + 4}
    # a still lists them: its next run takes them back
    assert cli("harvest", "a").exit_code == 0
    assert counts(engine) == {**before, "live_sources": 1, "revisions": before["revisions"] + 6}
    assert cli("source", "delete", "b").exit_code == 1  # deleted already: no source of that name
