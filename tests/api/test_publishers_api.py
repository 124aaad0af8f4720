"""Publishers over HTTP (issue 13, problem 5): one publisher per organisation number, merge proposals,
merging and unmerging and linking organisations to publishers by the administrator only, and answers
that match their documented models (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from api import schemas
from api.app import create_app
from api.schemas.publishers import MergeCandidate, MergeResult, PublisherDetail, PublisherLink, PublisherListing
from catalog.services import organisations
from catalog.settings import Settings
from catalog.store.tables import DS, PUB
from harvester.demo.server import DemoServer
from tests.api.test_openapi import conforms
from tests.conftest import CONFIG_DIR, HarvestFn

ADMIN_TOKEN = "dk_publishersadmin_" + "x" * 40
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
PROBLEM = "application/problem+json"
UPPSALA_DCAT, UPPSALA_CKAN, SKANE = "se2120003005-a396a1", "uppsala-kommun-f028b7", "se2321000255-25fba8"


@pytest.fixture
def api(settings: Settings, engine: Engine, add_source: Callable[..., Any], harvest: HarvestFn) -> Iterator[TestClient]:
    with DemoServer(CONFIG_DIR / "demo") as server:
        add_source("kommuner", f"{server.base_url}/kommuner.ttl")
        add_source("kommunportal", f"{server.base_url}/ckan/", kind="ckan")
        add_source("trafiklab", f"{server.base_url}/trafiklab/apis.json", kind="jsonapi", mapping="trafiklab")
        for name in ("kommuner", "kommunportal", "trafiklab"):
            assert harvest(name).status == "succeeded"
    with TestClient(create_app(settings.model_copy(update={"admin_token": ADMIN_TOKEN}), engine)) as client:
        yield client


def ok(resp: Any, status: int = 200) -> Any:
    assert resp.status_code == status, resp.text
    return resp.json()


def problem(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith(PROBLEM)
    return dict(resp.json())


def rows(engine: Engine) -> tuple[int, int, dict[str, int]]:
    with engine.connect() as conn:
        return (conn.execute(select(func.count()).select_from(DS)).scalar_one(),
                conn.execute(select(func.count()).select_from(PUB)).scalar_one(),
                dict(conn.execute(select(DS.c.publisher_id, func.count()).group_by(DS.c.publisher_id)).all()))


def test_publishers_are_listed_once_per_organisation_number(api: TestClient) -> None:
    listed = ok(api.get("/api/publishers"))
    conforms(list[PublisherListing], listed)
    skane = [p for p in listed if p["org_number"] == "232100-0255"]
    assert [(p["id"], p["name"], p["datasets"] + p["dataservices"]) for p in skane] == [(SKANE, "Region Skåne", 7)]
    detail = ok(api.get(f"/api/publishers/{SKANE}"))
    conforms(PublisherDetail, detail)
    assert {s["name"] for s in detail["sources"]} == {"kommuner", "trafiklab"}
    problem(api.get("/api/publishers/no-such-publisher"), 404)


def test_only_the_administrator_merges_and_a_merge_of_two_numbers_is_a_409(api: TestClient, engine: Engine) -> None:
    [proposal] = ok(api.get("/api/publishers/candidates"))
    conforms(list[MergeCandidate], [proposal])
    url = f"/api/publishers/{proposal['keep']['id']}/merge"
    body = {"publisher": proposal["merge"]["id"]}
    _org, token = organisations.create_organisation(engine, name="Uppsala kommun",
                                                    actor=organisations.local_admin())
    before = rows(engine)
    problem(api.post(url, json=body), 401)
    problem(api.post(url, json=body, headers={"Authorization": f"Bearer {token}"}), 403)
    refused = problem(api.post(f"/api/publishers/{UPPSALA_DCAT}/merge", json={"publisher": SKANE}, headers=ADMIN),
                      409)
    assert "212000-3005" in refused["detail"] and "232100-0255" in refused["detail"]
    unknown = problem(api.post(url, json={**body, "force": True}, headers=ADMIN), 422)
    assert unknown["errors"][0]["field"] == "force"
    problem(api.post(f"/api/publishers/{UPPSALA_DCAT}/merge", json={"publisher": "nobody"}, headers=ADMIN), 404)
    assert rows(engine) == before  # nothing refused changed anything

    merged = ok(api.post(url, json=body, headers=ADMIN))
    conforms(MergeResult, merged)
    assert (merged["merged"], merged["datasets_moved"]) == (UPPSALA_CKAN, 5)
    datasets, publisher_rows, spread = rows(engine)
    assert (datasets, publisher_rows) == before[:2]
    assert spread[UPPSALA_DCAT] == 10 and UPPSALA_CKAN not in spread
    alias = ok(api.get(f"/api/publishers/{UPPSALA_CKAN}"))
    assert (alias["id"], alias["requested"], alias["org_number"]) == (UPPSALA_DCAT, UPPSALA_CKAN, "212000-3005")
    facet = ok(api.get("/api/datasets", params={"per_page": 1}))["facets"]["publisher"]
    assert [e["label"] for e in facet].count("Uppsala kommun") == 1
    assert ok(api.get("/api/datasets", params={"publisher": UPPSALA_CKAN}))["total"] == 10

    back = ok(api.post(f"/api/publishers/{UPPSALA_CKAN}/unmerge", headers=ADMIN))
    conforms(MergeResult, back)
    assert (back["from"], back["datasets_moved"]) == (UPPSALA_DCAT, 5)
    assert rows(engine) == before
    problem(api.post(f"/api/publishers/{UPPSALA_CKAN}/unmerge", headers=ADMIN), 409)
    actions = [e["action"] for e in ok(api.get("/api/audit", headers=ADMIN))]
    assert actions[:2] == ["publisher.unmerge", "publisher.merge"]


def test_the_administrator_links_an_organisation_to_its_publisher_and_its_report_covers_it(
    api: TestClient, engine: Engine,
) -> None:
    org, token = organisations.create_organisation(engine, name="Uppsala kommun", actor=organisations.local_admin())
    url = f"/api/organisations/{org.id}/publishers"
    problem(api.post(url, json={"publisher": UPPSALA_DCAT}), 401)
    problem(api.post(url, json={"publisher": UPPSALA_DCAT}, headers={"Authorization": f"Bearer {token}"}), 403)
    problem(api.post(url, json={"publisher": "nobody"}, headers=ADMIN), 404)
    problem(api.post("/api/organisations/999/publishers", json={"publisher": UPPSALA_DCAT}, headers=ADMIN), 404)
    assert ok(api.get(f"/api/organisations/{org.id}/quality"))["datasets"] == 0

    linked = ok(api.post(url, json={"publisher": UPPSALA_DCAT}, headers=ADMIN))
    conforms(PublisherLink, linked)
    assert linked["publishers"] == [UPPSALA_DCAT]
    report = ok(api.get(f"/api/organisations/{org.id}/quality"))
    conforms(schemas.OrganisationQuality, report)
    assert report["datasets"] == 5 and report["publishers"][0]["id"] == UPPSALA_DCAT
    assert [(s["name"], s["own"]) for s in report["sources"]] == [("kommuner", False)]
    listed = ok(api.get("/api/organisations"))
    conforms(list[schemas.Organisation], listed)
    assert listed[0]["publishers"] == [UPPSALA_DCAT]

    unlinked = ok(api.delete(f"{url}/{UPPSALA_DCAT}", headers=ADMIN))
    assert unlinked["publishers"] == []
    problem(api.delete(f"{url}/{UPPSALA_DCAT}", headers=ADMIN), 404)
