"""Held runs: POST /api/jobs/{id}/confirm and /reject, and ``datakatalog job confirm|reject ID``.

The fixture catalogue has 8 records; a run that lists only 2 of them would withdraw 6 (75 %, over the
50 % limit) and is held. Confirming withdraws exactly those 6, rejecting none; row counts are taken
from the database before and after every decision.
"""

from __future__ import annotations

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
from catalog.store import runs
from catalog.store.tables import DS, JOBREC, REV
from harvester.registration import register_source
from harvester.runner import harvest_source
from tests.api.test_sources_jobs_api import CATALOG_TTL, _only_two_datasets
from tests.conftest import FixtureHTTPServer

ADMIN_TOKEN = "admin-" + "y" * 40
SETUP = Principal(actor="test-setup", admin=True)
PROBLEM = "application/problem+json"


@dataclass
class Held:
    client: TestClient
    engine: Engine
    settings: Settings
    server: FixtureHTTPServer
    source_id: int
    job_id: int
    held_ids: set[str]
    kept_ids: set[str]
    owner: dict[str, str]
    other: dict[str, str]
    admin: dict[str, str]

    def harvest(self) -> Any:
        from catalog.services.sources import get_source

        return harvest_source(engine=self.engine, source=get_source(self.engine, self.source_id),
                              settings=self.settings)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _statuses(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return {r.id: r.status for r in conn.execute(select(DS.c.id, DS.c.status))}


def _counts(engine: Engine) -> dict[str, int]:
    """Rows that a decision may change: datasets by status, withdrawal revisions, the generation."""
    with engine.connect() as conn:
        by_status: dict[str, int] = dict(conn.execute(select(DS.c.status, func.count()).group_by(DS.c.status)).all())
        withdrawals = conn.execute(select(func.count()).select_from(REV).where(REV.c.change == "withdrawn")).scalar()
        revisions = conn.execute(select(func.count()).select_from(REV)).scalar()
        return {"active": by_status.get("active", 0), "withdrawn": by_status.get("withdrawn", 0),
                "withdrawal_revisions": int(withdrawals or 0), "revisions": int(revisions or 0),
                "generation": runs.generation(conn)}


def _audit(engine: Engine, action: str) -> list[dict[str, Any]]:
    return [e for e in audit.list_audit(engine, limit=1000) if e["action"] == action]


@pytest.fixture
def held(engine: Engine, settings: Settings, http_server: FixtureHTTPServer) -> Iterator[Held]:
    app_settings = settings.model_copy(update={"admin_token": ADMIN_TOKEN})
    owner, owner_token = organisations.create_organisation(engine, name="Uppsala kommun", actor=SETUP)
    _, other_token = organisations.create_organisation(engine, name="Region Skåne", actor=SETUP)
    url = http_server.set("dcat/held.ttl", CATALOG_TTL)
    source = register_source(engine, app_settings, name="uppsala", kind="dcat", url=url, organisation_id=owner.id)
    first = harvest_source(engine=engine, source=source, settings=app_settings)
    assert first.status == "succeeded" and first.added == 8
    before = set(_statuses(engine))
    http_server.set("dcat/held.ttl", _only_two_datasets(CATALOG_TTL))
    job = harvest_source(engine=engine, source=source, settings=app_settings)
    assert job.status == "held" and job.held == 6 and job.withdrawn == 0
    assert source.id is not None and job.id is not None
    with engine.connect() as conn:
        held_ids = set(conn.execute(select(JOBREC.c.dataset_id).where(
            JOBREC.c.job_id == job.id, JOBREC.c.outcome == "held")).scalars())
    assert len(held_ids) == 6 and held_ids < before
    with TestClient(create_app(app_settings, engine)) as client:
        yield Held(client, engine, app_settings, http_server, source.id, job.id, held_ids, before - held_ids,
                   _bearer(owner_token), _bearer(other_token), _bearer(ADMIN_TOKEN))


# -- the job report -------------------------------------------------------------------------------


def test_held_job_report_names_every_held_dataset_and_awaits_a_decision(held: Held) -> None:
    report = held.client.get(f"/api/jobs/{held.job_id}").json()
    assert report["status"] == "held" and report["decision"] is None
    assert {c["dataset_id"] for c in report["changes"]["held"]} == held.held_ids
    assert report["changes"]["withdrawn"] == []
    assert all(g["rule"] != "held" for g in report["problems"])  # a held withdrawal is a change, not a problem


# -- confirm --------------------------------------------------------------------------------------


def test_confirm_withdraws_exactly_the_held_datasets(held: Held) -> None:
    before = _counts(held.engine)
    assert (before["active"], before["withdrawn"], before["withdrawal_revisions"]) == (8, 0, 0)
    resp = held.client.post(f"/api/jobs/{held.job_id}/confirm", headers=held.owner)
    assert resp.status_code == 200, resp.text
    report = resp.json()
    after = _counts(held.engine)
    assert after == {"active": 2, "withdrawn": 6, "withdrawal_revisions": 6, "revisions": before["revisions"] + 6,
                     "generation": before["generation"] + 1}
    statuses = _statuses(held.engine)
    assert {d for d, s in statuses.items() if s == "withdrawn"} == held.held_ids
    assert {d for d, s in statuses.items() if s == "active"} == held.kept_ids
    assert report["decision"]["decision"] == "confirmed"
    assert report["decision"]["by"].startswith("Uppsala kommun (dk_")
    assert report["decision"]["at"]
    assert report["counts"]["withdrawn"] == 6 and report["counts"]["held"] == 6
    assert {c["dataset_id"] for c in report["changes"]["withdrawn"]} == held.held_ids
    assert held.client.get(f"/api/jobs/{held.job_id}").json()["decision"] == report["decision"]
    # the withdrawals are visible as any other: search, the dataset's revisions, the change feed
    assert held.client.get("/api/datasets").json()["total"] == 2
    some = sorted(held.held_ids)[0]
    revisions = held.client.get(f"/api/datasets/{some}").json()["revisions"]
    assert [r["change"] for r in revisions] == ["added", "withdrawn"]
    feed = held.client.get("/api/changes", params={"since": "2000-01-01T00:00:00Z", "limit": 100}).json()
    assert {c["dataset_id"] for c in feed["items"] if c["change"] == "withdrawn"} == held.held_ids


def test_confirm_is_audited(held: Held) -> None:
    held.client.post(f"/api/jobs/{held.job_id}/confirm", headers=held.owner)
    [entry] = _audit(held.engine, "job.confirm")
    assert entry["target"] == f"job:{held.job_id}"
    assert entry["actor"].startswith("Uppsala kommun (dk_")
    assert entry["details"] == {"source": "uppsala", "held": 6, "withdrawn": 6}
    assert entry["organisation_id"] is not None


def test_confirm_after_a_newer_run_is_409_asking_for_a_new_run(held: Held) -> None:
    newer = held.harvest()  # lists the same 2 datasets: held again, as a job of its own
    assert newer.status == "held" and newer.id != held.job_id
    before = _counts(held.engine)
    resp = held.client.post(f"/api/jobs/{held.job_id}/confirm", headers=held.owner)
    assert resp.status_code == 409
    assert resp.headers["content-type"].startswith(PROBLEM)
    assert "new harvest" in resp.json()["detail"] and f"job {newer.id}" in resp.json()["detail"]
    assert _counts(held.engine) == before
    assert held.client.get(f"/api/jobs/{held.job_id}").json()["decision"] is None
    assert _audit(held.engine, "job.confirm") == []
    # the newer run's own hold can be confirmed
    assert held.client.post(f"/api/jobs/{newer.id}/confirm", headers=held.owner).status_code == 200
    assert _counts(held.engine)["withdrawn"] == 6


def test_a_failed_later_run_changed_nothing_so_confirm_still_applies(held: Held) -> None:
    held.server.set("dcat/held.ttl", "Internal error", content_type="text/plain", status=500)
    assert held.harvest().status == "failed"
    resp = held.client.post(f"/api/jobs/{held.job_id}/confirm", headers=held.owner)
    assert resp.status_code == 200, resp.text
    assert _counts(held.engine)["withdrawn"] == 6


def test_a_decision_is_made_once(held: Held) -> None:
    assert held.client.post(f"/api/jobs/{held.job_id}/confirm", headers=held.owner).status_code == 200
    before = _counts(held.engine)
    for verb in ("confirm", "reject"):
        resp = held.client.post(f"/api/jobs/{held.job_id}/{verb}", headers=held.admin)
        assert resp.status_code == 409
        assert "confirmed already" in resp.json()["detail"]
    assert _counts(held.engine) == before
    assert len(_audit(held.engine, "job.confirm")) == 1 and _audit(held.engine, "job.reject") == []


def test_a_job_that_is_not_held_cannot_be_confirmed(held: Held) -> None:
    held.server.set("dcat/held.ttl", CATALOG_TTL)
    ok = held.harvest()
    assert ok.status == "succeeded"
    resp = held.client.post(f"/api/jobs/{ok.id}/confirm", headers=held.owner)
    assert resp.status_code == 409 and "not held" in resp.json()["detail"]
    assert held.client.post("/api/jobs/987654/confirm", headers=held.owner).status_code == 404


# -- reject ---------------------------------------------------------------------------------------


def test_reject_withdraws_nothing_and_records_the_decision(held: Held) -> None:
    before = _counts(held.engine)
    resp = held.client.post(f"/api/jobs/{held.job_id}/reject", headers=held.owner)
    assert resp.status_code == 200, resp.text
    assert _counts(held.engine) == before
    assert set(_statuses(held.engine).values()) == {"active"}
    report = resp.json()
    assert report["decision"]["decision"] == "rejected" and report["counts"]["withdrawn"] == 0
    [entry] = _audit(held.engine, "job.reject")
    assert entry["target"] == f"job:{held.job_id}" and entry["details"] == {"source": "uppsala", "held": 6}
    # rejected is final: it cannot be confirmed afterwards
    assert held.client.post(f"/api/jobs/{held.job_id}/confirm", headers=held.owner).status_code == 409
    assert _counts(held.engine) == before


# -- who may decide ---------------------------------------------------------------------------------


@pytest.mark.parametrize("verb", ["confirm", "reject"])
def test_another_organisation_gets_403_and_changes_nothing(held: Held, verb: str) -> None:
    before = _counts(held.engine)
    resp = held.client.post(f"/api/jobs/{held.job_id}/{verb}", headers=held.other)
    assert resp.status_code == 403
    assert resp.headers["content-type"].startswith(PROBLEM)
    assert "another organisation" in resp.json()["detail"]
    assert _counts(held.engine) == before
    assert held.client.get(f"/api/jobs/{held.job_id}").json()["decision"] is None
    assert _audit(held.engine, f"job.{verb}") == []


@pytest.mark.parametrize("verb", ["confirm", "reject"])
def test_without_a_token_it_is_401(held: Held, verb: str) -> None:
    resp = held.client.post(f"/api/jobs/{held.job_id}/{verb}")
    assert resp.status_code == 401 and resp.headers["www-authenticate"] == "Bearer"
    resp = held.client.post(f"/api/jobs/{held.job_id}/{verb}", headers=_bearer("dk_AAAAAAAA_" + "B" * 43))
    assert resp.status_code == 401


def test_the_administrator_may_confirm_any_organisations_hold(held: Held) -> None:
    resp = held.client.post(f"/api/jobs/{held.job_id}/confirm", headers=held.admin)
    assert resp.status_code == 200
    assert resp.json()["decision"]["by"] == "admin"
    assert _counts(held.engine)["withdrawn"] == 6


# -- the command line -----------------------------------------------------------------------------


@pytest.fixture
def cli(held: Held, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("DATAKATALOG_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    runner = CliRunner()
    return lambda *args: runner.invoke(cli_app, [*args, "--db", db_url])


def test_cli_job_id_still_shows_the_report_and_how_to_decide(held: Held, cli: Any) -> None:
    import json

    shown = cli("job", str(held.job_id))
    assert shown.exit_code == 0, shown.output
    assert f"job {held.job_id} of uppsala: held" in shown.stdout
    assert f"datakatalog job confirm {held.job_id}" in shown.stdout
    as_json = cli("job", str(held.job_id), "--json")
    assert as_json.exit_code == 0 and json.loads(as_json.stdout)["counts"]["held"] == 6
    assert json.loads(cli("job", "show", str(held.job_id), "--json").stdout)["id"] == held.job_id


def test_cli_job_confirm_withdraws_the_held_datasets_as_the_local_administrator(held: Held, cli: Any) -> None:
    before = _counts(held.engine)
    result = cli("job", "confirm", str(held.job_id))
    assert result.exit_code == 0, result.output
    assert "held withdrawals confirmed (6 withdrawn, 6 held)" in result.stdout
    after = _counts(held.engine)
    assert (after["active"], after["withdrawn"]) == (before["active"] - 6, 6)
    assert {d for d, s in _statuses(held.engine).items() if s == "withdrawn"} == held.held_ids
    [entry] = _audit(held.engine, "job.confirm")
    assert entry["actor"].startswith("cli:")
    shown = cli("job", str(held.job_id))
    assert "held withdrawals confirmed by cli:" in shown.stdout


def test_cli_job_reject_withdraws_nothing(held: Held, cli: Any) -> None:
    import json

    before = _counts(held.engine)
    result = cli("job", "reject", str(held.job_id), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["decision"]["decision"] == "rejected"
    assert _counts(held.engine) == before
    assert len(_audit(held.engine, "job.reject")) == 1


def test_cli_job_confirm_after_a_newer_run_fails_with_one_line(held: Held, cli: Any) -> None:
    held.harvest()
    before = _counts(held.engine)
    result = cli("job", "confirm", str(held.job_id))
    assert result.exit_code == 1
    assert "start a new harvest" in " ".join(result.stderr.split())
    assert _counts(held.engine) == before


def test_two_people_confirming_at_once_withdraw_once(held: Held) -> None:
    import threading

    from catalog.errors import Conflict
    from catalog.services import held as held_runs

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def confirm(who: str) -> None:
        barrier.wait()
        try:
            held_runs.confirm_held(held.engine, held.job_id, actor=Principal(actor=who, admin=True))
            outcomes.append("confirmed")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=confirm, args=(who,)) for who in ("first", "second")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["confirmed", "conflict"]
    counts = _counts(held.engine)
    assert (counts["withdrawn"], counts["withdrawal_revisions"]) == (6, 6)
    assert len(_audit(held.engine, "job.confirm")) == 1
