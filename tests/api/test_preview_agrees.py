"""A preview reports what the harvest then does: the same counts (seen, added, updated, unchanged,
withdrawn, held, invalid, failed), the same duplicates and the same problems by rule, because it runs
the harvest's code with a writer that writes nothing. Each scenario previews, checks that the
database did not change, harvests, and compares."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from catalog.resources import config_dir
from catalog.services import jobs, organisations, sources
from catalog.services.organisations import Principal
from catalog.settings import Settings
from harvester.demo.server import DemoServer
from harvester.registration import remove_source
from tests.api.test_preview import row_counts
from tests.api.test_sources_jobs_api import CATALOG_TTL, _only_two_datasets
from tests.catalog.test_source_takeover import catalogue
from tests.conftest import FixtureHTTPServer, HarvestFn

JOB_COUNTS = ("seen", "added", "updated", "unchanged", "withdrawn", "held", "invalid", "failed")
ADMIN = Principal(actor="test-admin", admin=True)


@pytest.fixture
def api(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    _org, token = organisations.create_organisation(engine, name="Region Skåne", actor=ADMIN)
    with TestClient(create_app(settings, engine), headers={"Authorization": f"Bearer {token}"}) as c:
        yield c


def preview_then_harvest(api: TestClient, engine: Engine, harvest: HarvestFn, add_source: Any, *, name: str,
                         url: str, kind: str = "dcat") -> tuple[dict[str, Any], dict[str, Any]]:
    """Preview a source (registered under ``name`` if it is not yet), then harvest it; both reports."""
    before = row_counts(engine)
    resp = api.post("/api/sources/preview", json={"name": name, "url": url, "kind": kind})
    assert resp.status_code == 200, resp.text
    preview = resp.json()
    assert preview["complete"] is True, preview["fetch_problems"]
    assert row_counts(engine) == before  # nothing stored, nothing changed
    try:
        sources.get_source(engine, name)
    except Exception:
        add_source(name, url, kind=kind)
    job = harvest(name)
    return preview, jobs.get_job(engine, job.id or 0)


def assert_agree(preview: dict[str, Any], report: dict[str, Any]) -> None:
    assert {k: preview["counts"][k] for k in JOB_COUNTS} == report["counts"]
    assert preview["datasets"] == report["counts"]["seen"]
    assert {g["rule"]: g["count"] for g in preview["problems"]} == {g["rule"]: g["count"] for g in report["problems"]}
    duplicates = next((g["count"] for g in report["problems"] if g["rule"] == "duplicate"), 0)
    assert preview["counts"]["duplicates"] == duplicates
    assert preview["message"] == report["message"]


def test_preview_of_the_demo_portal_under_a_second_name_says_what_the_harvest_skips(
    api: TestClient, engine: Engine, harvest: HarvestFn, add_source: Any,
) -> None:
    with config_dir("demo") as demo, DemoServer(Path(demo), port=0) as server:
        url = f"{server.base_url}/ckan/"
        add_source("kommunportal", url, kind="ckan")
        assert harvest("kommunportal").added == 15
        preview, report = preview_then_harvest(api, engine, harvest, add_source, name="portal2", url=url,
                                               kind="ckan")
    assert preview["counts"]["duplicates"] == 15 and preview["counts"]["valid"] == 0
    assert preview["datasets"] == 0 and preview["sample"] == []
    dup = next(g for g in preview["problems"] if g["rule"] == "duplicate")
    assert dup["records"][0]["message"] == "already harvested from source 'kommunportal'; kept there"
    assert "kept by source 'kommunportal'" in (preview["message"] or "")
    assert_agree(preview, report)


def test_preview_of_a_new_source_agrees_with_its_first_harvest(
    api: TestClient, engine: Engine, harvest: HarvestFn, add_source: Any, http_server: FixtureHTTPServer,
) -> None:
    # the fixture catalogue (one invalid record, a data service) plus two blank nodes sharing one
    # dct:identifier but saying different things: two datasets, whose ids cannot collide (issue 14)
    twice = CATALOG_TTL + "".join(
        f'\n[] a dcat:Dataset ; dct:identifier "dubbel" ; dct:title "Dubbel {n}"@sv ; '
        f'dct:description "Två gånger"@sv ; dct:publisher dporg:SE2120000142 .' for n in (1, 2))
    preview, report = preview_then_harvest(api, engine, harvest, add_source, name="fx",
                                           url=http_server.set("fx.ttl", twice))
    assert report["counts"]["added"] == 10 and report["counts"]["invalid"] == 1
    assert not [g for g in report["problems"] if g["rule"] == "duplicate"]
    assert_agree(preview, report)


def test_preview_of_a_registered_source_counts_updates_and_withdrawals(
    api: TestClient, engine: Engine, harvest: HarvestFn, add_source: Any, http_server: FixtureHTTPServer,
) -> None:
    url = http_server.set("k.ttl", catalogue(range(10)))
    add_source("kommunen", url)
    harvest("kommunen")
    http_server.set("k.ttl", catalogue([*range(7), 20]) .replace("Datamängd 3", "Datamängd tre"))
    preview, report = preview_then_harvest(api, engine, harvest, add_source, name="kommunen", url=url)
    assert {k: report["counts"][k] for k in ("added", "updated", "unchanged", "withdrawn")} == {
        "added": 1, "updated": 1, "unchanged": 6, "withdrawn": 3}
    assert_agree(preview, report)


def test_preview_of_a_run_that_would_be_held_says_so(
    api: TestClient, engine: Engine, harvest: HarvestFn, add_source: Any, http_server: FixtureHTTPServer,
) -> None:
    url = http_server.set("fx.ttl", CATALOG_TTL)
    add_source("fx", url)
    harvest("fx")
    http_server.set("fx.ttl", _only_two_datasets(CATALOG_TTL))
    preview, report = preview_then_harvest(api, engine, harvest, add_source, name="fx", url=url)
    assert report["status"] == "held" and report["counts"]["held"] == 6
    assert_agree(preview, report)


def test_preview_of_a_source_that_would_take_over_a_deleted_sources_datasets(
    api: TestClient, engine: Engine, harvest: HarvestFn, add_source: Any, http_server: FixtureHTTPServer,
) -> None:
    url = http_server.set("k.ttl", catalogue(range(4)))
    old = add_source("gamla", url)
    harvest("gamla")
    remove_source(engine, actor=ADMIN, source_id=old.id)
    preview, report = preview_then_harvest(api, engine, harvest, add_source, name="nya", url=url)
    assert report["counts"]["updated"] == 4
    assert next(g for g in preview["problems"] if g["rule"] == "taken_over")["count"] == 4
    assert_agree(preview, report)
