"""Who may write: the ownership matrix on every write endpoint, deletion, the audit log, and
tokens that never appear in clear in the database or the logs.

Callers: the owning organisation, another organisation, no token, an unknown token, a revoked
token and the administrator (DATAKATALOG_ADMIN_TOKEN).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, MetaData, select

from api.app import create_app
from catalog.services import audit as audit_log
from catalog.services import organisations, sources
from catalog.services.organisations import Principal
from catalog.settings import Settings
from catalog.store import runs
from harvester.registration import register_source
from harvester.runner import harvest_source

ADMIN_TOKEN = "admin-" + "x" * 40
PROBLEM = "application/problem+json"
CALLERS = ("owner", "other", "none", "bad", "revoked", "admin")
SETUP = Principal(actor="test-setup", admin=True)


@dataclass
class World:
    client: TestClient
    engine: Engine
    settings: Settings
    tokens: dict[str, str | None]
    org_ids: dict[str, int]
    catalog_url: str

    def headers(self, caller: str) -> dict[str, str]:
        token = self.tokens[caller]
        return {"Authorization": f"Bearer {token}"} if token else {}

    def owned_source(self, name: str, *, harvest: bool = False) -> int:
        source = register_source(self.engine, self.settings, name=name, kind="dcat", url=self.catalog_url,
                                 organisation_id=self.org_ids["owner"])
        if harvest:
            job = harvest_source(engine=self.engine, source=source, settings=self.settings)
            assert job.status == "succeeded", job.message
        assert source.id is not None
        return source.id


@pytest.fixture
def world(engine: Engine, settings: Settings, http_server: Any) -> Iterator[World]:
    app_settings = settings.model_copy(update={"admin_token": ADMIN_TOKEN})
    owner, owner_token = organisations.create_organisation(engine, name="Stockholms stad", actor=SETUP)
    other, other_token = organisations.create_organisation(engine, name="Malmö stad", actor=SETUP)
    assert owner.id is not None and other.id is not None
    revoked_token, _ = organisations.rotate_token(engine, owner.id, actor=SETUP)  # a second, soon revoked token
    new_owner_token, _ = organisations.rotate_token(engine, owner.id, actor=SETUP)  # revokes the first two
    assert organisations.authenticate(engine, owner_token, admin_token=None) is None
    tokens: dict[str, str | None] = {
        "owner": new_owner_token, "other": other_token, "none": None,
        "bad": "dk_AAAAAAAA_" + "B" * 43, "revoked": revoked_token, "admin": ADMIN_TOKEN,
    }
    with TestClient(create_app(app_settings, engine)) as client:
        yield World(client, engine, app_settings, tokens, {"owner": owner.id, "other": other.id},
                    http_server.url("dcat/catalog.ttl"))


def assert_refused(resp: Any, caller: str) -> None:
    """401 for a missing, unknown or revoked token; 403 for another organisation's; problem JSON."""
    expected = 403 if caller == "other" else 401
    assert resp.status_code == expected, (caller, resp.status_code, resp.text)
    assert resp.headers["content-type"].startswith(PROBLEM)
    body = resp.json()
    assert body["status"] == expected
    if expected == 401:
        assert resp.headers["www-authenticate"] == "Bearer"
        assert "token" in body["detail"]
    else:
        assert "another organisation" in body["detail"]


def source_row(world: World, source_id: int) -> Any:
    from catalog.store.tables import Source

    table = Source.__table__  # type: ignore[attr-defined]
    with world.engine.connect() as conn:
        return conn.execute(select(table).where(table.c.id == source_id)).one()


def audit(world: World) -> list[dict[str, Any]]:
    return audit_log.list_audit(world.engine, limit=1000)


# -- the matrix -----------------------------------------------------------------------------------


def test_post_sources_matrix_registers_for_the_callers_own_organisation(world: World) -> None:
    for caller in CALLERS:
        body = {"name": f"src-{caller}", "kind": "dcat", "url": world.catalog_url, "schedule": "6h"}
        resp = world.client.post("/api/sources", json=body, headers=world.headers(caller))
        if caller in ("none", "bad", "revoked"):
            assert resp.status_code == 401, resp.text
            assert resp.headers["www-authenticate"] == "Bearer"
            continue
        assert resp.status_code == 201, (caller, resp.text)
        created = resp.json()
        assert created["name"] == f"src-{caller}"
        assert created["schedule"] == "6h"
        assert created["organisation_id"] == {"owner": world.org_ids["owner"], "other": world.org_ids["other"],
                                              "admin": None}[caller]
    names = [s.name for s in sources.list_sources(world.engine)]
    assert names == ["src-admin", "src-other", "src-owner"]
    created = [e for e in audit(world) if e["action"] == "source.create"]
    assert {e["actor"].split(" (")[0] for e in created} == {"Stockholms stad", "Malmö stad", "admin"}


def test_an_organisation_cannot_register_a_source_for_another(world: World) -> None:
    body = {"name": "smuggled", "url": world.catalog_url, "organisation_id": world.org_ids["other"]}
    resp = world.client.post("/api/sources", json=body, headers=world.headers("owner"))
    assert resp.status_code == 403
    assert sources.list_sources(world.engine) == []
    resp = world.client.post("/api/sources", json=body, headers=world.headers("admin"))
    assert resp.status_code == 201
    assert resp.json()["organisation_id"] == world.org_ids["other"]


def test_patch_source_matrix_only_owner_and_admin_change_it(world: World) -> None:
    source_id = world.owned_source("stockholm")
    for caller in CALLERS:
        schedule = f"{CALLERS.index(caller) + 1}h"
        resp = world.client.patch(f"/api/sources/{source_id}", json={"schedule": schedule},
                                  headers=world.headers(caller))
        if caller in ("owner", "admin"):
            assert resp.status_code == 200, (caller, resp.text)
            assert resp.json()["schedule"] == schedule
            assert source_row(world, source_id).schedule == schedule
        else:
            before = source_row(world, source_id).schedule
            assert_refused(resp, caller)
            assert source_row(world, source_id).schedule == before
    assert source_row(world, source_id).schedule == "6h"  # the administrator's, the last allowed write
    updates = [e for e in audit(world) if e["action"] == "source.update"]
    assert [e["details"]["after"] for e in updates] == [{"schedule": "6h"}, {"schedule": "1h"}]
    assert all(e["target"] == f"source:{source_id}" for e in updates)


def test_delete_source_matrix_only_owner_and_admin_delete_it(world: World) -> None:
    for caller in CALLERS:
        source_id = world.owned_source(f"del-{caller}")
        resp = world.client.delete(f"/api/sources/{source_id}", headers=world.headers(caller))
        if caller in ("owner", "admin"):
            assert resp.status_code == 200, (caller, resp.text)
            assert resp.json() == {"id": source_id, "name": f"del-{caller}", "deleted": True, "withdrawn": 0}
            assert source_row(world, source_id).deleted is True
            assert world.client.get(f"/api/sources/{source_id}").status_code == 404
        else:
            assert_refused(resp, caller)
            assert source_row(world, source_id).deleted is False
    assert sorted(s.name for s in sources.list_sources(world.engine)) == ["del-bad", "del-none", "del-other",
                                                                           "del-revoked"]


def test_preview_matrix_needs_a_valid_token_of_any_organisation(world: World) -> None:
    for caller in CALLERS:
        resp = world.client.post("/api/sources/preview", json={"url": world.catalog_url},
                                 headers=world.headers(caller))
        if caller in ("none", "bad", "revoked"):
            assert resp.status_code == 401, (caller, resp.text)
            assert resp.headers["www-authenticate"] == "Bearer"
        else:
            assert resp.status_code == 200, (caller, resp.text)
            assert resp.json()["datasets"] == 8


def test_harvest_route_matrix_only_owner_and_admin_trigger_a_harvest(world: World) -> None:
    paths = world.client.get("/openapi.json").json()["paths"]
    if "/api/sources/{source_id}/harvest" not in paths:
        pytest.skip("POST /api/sources/{id}/harvest is not mounted in this tree")
    for caller in CALLERS:
        source_id = world.owned_source(f"harvest-{caller}")
        resp = world.client.post(f"/api/sources/{source_id}/harvest", headers=world.headers(caller))
        jobs = world.client.get(f"/api/sources/{source_id}/jobs").json()
        if caller in ("owner", "admin"):
            assert resp.status_code == 202, (caller, resp.text)
            assert [j["id"] for j in jobs] == [resp.json()["id"]]
            deadline = time.monotonic() + 20
            while (report := world.client.get(f"/api/jobs/{jobs[0]['id']}").json())["status"] in ("queued",
                                                                                                 "running"):
                assert time.monotonic() < deadline, "the triggered harvest did not finish"
                time.sleep(0.05)
            assert report["status"] == "succeeded"
            assert report["source"] == f"harvest-{caller}"
        else:
            assert_refused(resp, caller)
            assert jobs == []


def test_unknown_source_is_404_for_a_writer_and_401_without_a_token(world: World) -> None:
    assert world.client.delete("/api/sources/999", headers=world.headers("owner")).status_code == 404
    assert world.client.delete("/api/sources/999").status_code == 401
    assert world.client.patch("/api/sources/999", json={"schedule": "1h"},
                              headers=world.headers("admin")).status_code == 404


def test_reads_stay_public(world: World) -> None:
    source_id = world.owned_source("stockholm", harvest=True)
    assert world.client.get("/api/sources").json()[0]["id"] == source_id
    assert world.client.get(f"/api/sources/{source_id}/jobs").status_code == 200
    assert world.client.get("/api/datasets").json()["total"] == 8
    quality = world.client.get(f"/api/organisations/{world.org_ids['owner']}/quality").json()
    assert quality["datasets"] == 8


# -- deletion keeps history ---------------------------------------------------------------------


def test_delete_withdraws_datasets_and_keeps_history(world: World) -> None:
    source_id = world.owned_source("stockholm", harvest=True)
    [job] = world.client.get(f"/api/sources/{source_id}/jobs").json()
    with world.engine.connect() as conn:
        generation = runs.generation(conn)
    resp = world.client.delete(f"/api/sources/{source_id}", headers=world.headers("owner"))
    assert resp.json()["withdrawn"] == 8
    everything = world.client.get("/api/datasets", params={"status": "all", "per_page": 100}).json()
    assert everything["total"] == 8
    assert {i["status"] for i in everything["items"]} == {"withdrawn"}
    assert world.client.get("/api/datasets").json()["total"] == 0
    detail = world.client.get(f"/api/datasets/{everything['items'][0]['id']}").json()
    assert detail["status"] == "withdrawn"
    assert detail["withdrawn_at"]
    assert [r["change"] for r in detail["revisions"]] == ["added", "withdrawn"]
    # the job and its report stay, with the source's name
    report = world.client.get(f"/api/jobs/{job['id']}").json()
    assert report["source"] == "stockholm"
    assert report["counts"]["added"] == 8
    with world.engine.connect() as conn:
        assert runs.generation(conn) == generation + 1
    [entry] = [e for e in audit(world) if e["action"] == "source.delete"]
    assert entry["details"] == {"name": "stockholm", "withdrawn": 8}
    assert entry["organisation_id"] == world.org_ids["owner"]
    # deleting twice: the source is gone for writers too
    assert world.client.delete(f"/api/sources/{source_id}", headers=world.headers("owner")).status_code == 404


# -- input validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"name": "meta", "url": "http://169.254.169.254/latest/meta-data/"}, "url", "metadata"),
    ({"name": "file", "url": "file:///etc/passwd"}, "url", "only http and https"),
    ({"name": "x" * 101, "url": "https://example.se/catalog.ttl"}, "name", "at most 100"),
    ({"name": "bad-kind", "kind": "nope", "url": "https://example.se/catalog.ttl"}, "kind", "unknown source kind"),
    ({"name": "bad-cron", "url": "https://example.se/c.ttl", "schedule": "every tuesday"}, "schedule", "cron"),
    ({"name": "bad-map", "url": "https://example.se/c.ttl", "mapping": "../../etc/passwd"}, "mapping", "pattern"),
    ({"name": "no-url"}, "url", "required"),
    ({"name": "spaces", "url": "https://example.se/a b"}, "url", "pattern"),
    ({"name": "extra", "url": "https://example.se/c.ttl", "owner": "me"}, "owner", "extra"),
])
def test_bad_source_bodies_are_refused_naming_the_field(world: World, body: dict[str, Any], field: str,
                                                        words: str) -> None:
    resp = world.client.post("/api/sources", json=body, headers=world.headers("owner"))
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"].startswith(PROBLEM)
    problem = resp.json()
    assert [e["field"] for e in problem["errors"]] == [field]
    assert words.lower() in (problem["errors"][0]["message"] + problem["detail"]).lower()
    assert sources.list_sources(world.engine) == []


def test_registering_a_source_resolves_its_host_and_reads_its_profile_once(
    world: World, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from catalog.formats import jsonapi
    from harvester import fetch

    resolved: list[str] = []
    profiles: list[str | None] = []
    resolve, load_profile = fetch.resolve, jsonapi.load_profile

    def counting_resolve(host: str, *args: Any, **kw: Any) -> Any:
        resolved.append(host)
        return resolve(host, *args, **kw)

    def counting_load(mapping: str | None) -> Any:
        profiles.append(mapping)
        return load_profile(mapping)

    monkeypatch.setattr(fetch, "resolve", counting_resolve)
    monkeypatch.setattr(jsonapi, "load_profile", counting_load)
    body = {"name": "trafik", "kind": "jsonapi", "url": world.catalog_url, "mapping": "trafiklab"}
    resp = world.client.post("/api/sources", json=body, headers=world.headers("owner"))
    assert resp.status_code == 201, resp.text
    assert (resolved, profiles) == (["127.0.0.1"], ["trafiklab"])


def test_patch_refuses_a_metadata_address_and_a_new_name(world: World) -> None:
    source_id = world.owned_source("stockholm")
    resp = world.client.patch(f"/api/sources/{source_id}", json={"url": "http://169.254.169.254/"},
                              headers=world.headers("owner"))
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "url"
    resp = world.client.patch(f"/api/sources/{source_id}", json={"name": "renamed"}, headers=world.headers("owner"))
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "name"
    resp = world.client.patch(f"/api/sources/{source_id}", json={"organisation_id": world.org_ids["other"]},
                              headers=world.headers("owner"))
    assert resp.status_code == 403
    row = source_row(world, source_id)
    assert (row.name, row.url, row.organisation_id) == ("stockholm", world.catalog_url, world.org_ids["owner"])


def test_patch_to_a_new_url_forgets_the_page_memory(world: World, http_server: Any) -> None:
    source_id = world.owned_source("stockholm", harvest=True)
    assert source_row(world, source_id).state
    new_url = http_server.url("dcat/catalog.rdf")
    resp = world.client.patch(f"/api/sources/{source_id}", json={"url": new_url}, headers=world.headers("owner"))
    assert resp.json()["url"] == new_url
    assert source_row(world, source_id).state is None


def test_duplicate_source_name_is_a_conflict(world: World) -> None:
    world.owned_source("stockholm")
    resp = world.client.post("/api/sources", json={"name": "stockholm", "url": world.catalog_url},
                             headers=world.headers("other"))
    assert resp.status_code == 409
    assert "exists already" in resp.json()["detail"]


# -- administrators -------------------------------------------------------------------------------


def test_audit_log_is_for_administrators_and_records_every_write(world: World) -> None:
    for caller in ("none", "bad", "revoked"):
        assert world.client.get("/api/audit", headers=world.headers(caller)).status_code == 401
    assert world.client.get("/api/audit", headers=world.headers("owner")).status_code == 403
    created = world.client.post("/api/sources", json={"name": "s", "url": world.catalog_url},
                                headers=world.headers("owner")).json()
    world.client.patch(f"/api/sources/{created['id']}", json={"schedule": "1d"}, headers=world.headers("owner"))
    world.client.delete(f"/api/sources/{created['id']}", headers=world.headers("admin"))
    entries = world.client.get("/api/audit", headers=world.headers("admin")).json()
    actions = [e["action"] for e in entries]
    assert actions[:3] == ["source.delete", "source.update", "source.create"]
    assert actions.count("organisation.create") == 2
    assert actions.count("token.rotate") == 2
    delete, update, create = entries[:3]
    assert delete["actor"] == "admin"
    assert update["actor"].startswith("Stockholms stad (dk_")
    assert create["details"]["url"] == world.catalog_url
    assert all(e["at"] for e in entries)
    older = world.client.get("/api/audit", params={"before": entries[0]["id"], "limit": 1},
                             headers=world.headers("admin")).json()
    assert [e["id"] for e in older] == [entries[1]["id"]]


# -- tokens never in clear ----------------------------------------------------------------------


def _all_database_text(engine: Engine) -> tuple[str, dict[str, int]]:
    """Every value of every table, as text, and the rows read per table (SQLite and PostgreSQL alike)."""
    meta = MetaData()
    meta.reflect(engine)
    parts: list[str] = []
    rows_read: dict[str, int] = {}
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            rows = conn.execute(select(table)).all()
            rows_read[table.name] = len(rows)
            for row in rows:
                parts.extend(str(v) for v in row)
    return "\n".join(parts), rows_read


def test_tokens_never_appear_in_clear_in_the_database_or_logs(
    world: World, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str], db_url: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    org, token = organisations.create_organisation(world.engine, name="Uppsala kommun", actor=SETUP)
    headers = {"Authorization": f"Bearer {token}"}
    created = world.client.post("/api/sources", json={"name": "uppsala", "url": world.catalog_url},
                                headers=headers)
    assert created.status_code == 201
    world.client.post("/api/sources/preview", json={"url": world.catalog_url}, headers=headers)
    world.client.patch(f"/api/sources/{created.json()['id']}", json={"schedule": "1h"}, headers=headers)
    world.client.delete("/api/sources/999", headers=headers)
    [listed] = organisations.list_tokens(world.engine, org.id or 0)
    assert listed["last_used_at"] is not None
    assert token.startswith(listed["prefix"])
    secret = token[len(listed["prefix"]):]
    secrets_to_hide = [token, *(t for t in world.tokens.values() if t and t != ADMIN_TOKEN)]
    text, rows_read = _all_database_text(world.engine)
    # we are looking in the right place: every token made (owner 3, other 1, Uppsala 1), every organisation,
    # and the audit entries (3 organisations, 2 rotations, Uppsala's source created and changed)
    assert (rows_read["api_token"], rows_read["organisation"], rows_read["audit_log"]) == (5, 3, 7)
    assert listed["prefix"] in text and organisations.hash_token(token) in text
    for value in secrets_to_hide:
        assert value not in text
        assert value[12:] not in text
    assert secret not in text
    if db_url.startswith("sqlite"):
        path = Path(db_url.removeprefix("sqlite:///"))
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        assert organisations.hash_token(token).encode() in raw
        for value in secrets_to_hide:
            assert value.encode() not in raw
            assert value[12:].encode() not in raw
    captured = capfd.readouterr()
    logged = caplog.text + captured.out + captured.err
    assert caplog.records  # the requests were logged at all (httpx logs each one)
    for value in secrets_to_hide:
        assert value not in logged
        assert value[12:] not in logged


# -- reports for publishers -----------------------------------------------------------------------


def test_organisation_quality_summarises_only_its_own_datasets(world: World, http_server: Any) -> None:
    mine = world.owned_source("stockholm", harvest=True)
    theirs = register_source(world.engine, world.settings, name="paged", kind="dcat",
                             url=http_server.url("dcat/paged/page1.ttl"), organisation_id=world.org_ids["other"])
    assert harvest_source(engine=world.engine, source=theirs, settings=world.settings).status == "succeeded"
    quality = world.client.get(f"/api/organisations/{world.org_ids['owner']}/quality").json()
    assert quality["organisation"] == {"id": world.org_ids["owner"], "name": "Stockholms stad"}
    assert (quality["datasets"], quality["invalid"], quality["valid"]) == (8, 1, 7)
    assert quality["sources"] == [{"id": mine, "name": "stockholm", "datasets": 8, "invalid": 1, "own": True}]
    rules = {r["rule"]: r for r in quality["rules"]}
    assert rules["dataset-title"]["datasets"] == 1
    assert rules["dataset-title"]["path"] == "dcat:Dataset/dct:title"
    assert [r["datasets"] for r in quality["rules"]] == sorted((r["datasets"] for r in quality["rules"]), reverse=True)
    other = world.client.get(f"/api/organisations/{world.org_ids['other']}/quality").json()
    assert (other["datasets"], other["invalid"]) == (9, 0)
    assert world.client.get("/api/organisations/999/quality").status_code == 404


def test_a_publishers_job_report_names_the_dataset_and_the_rule(world: World) -> None:
    source_id = world.owned_source("stockholm", harvest=True)
    [job] = world.client.get(f"/api/sources/{source_id}/jobs").json()
    report = world.client.get(f"/api/jobs/{job['id']}").json()
    group = next(g for g in report["problems"] if g["rule"] == "dataset-title")
    assert group["path"] == "dcat:Dataset/dct:title" and "mandatory" in group["message_en"]
    [named] = group["records"]
    assert named["ref"] == "https://fixtures.example.se/dataset/utan-titel"
    assert world.client.get(f"/api/datasets/{named['dataset_id']}").json()["uri"] == named["ref"]
