"""No silent ignores (issue 13, problem 7): an unknown query parameter on an /api route is a 422 naming
it (and the parameter meant, for a misspelling such as ``licence``), ``?format=csv`` on one dataset is
a 422 rather than JSON with 200, a malformed body is located by line and column, and every error —
404, 405 and 500 included — is problem JSON (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text

from api.app import create_app
from catalog.services import organisations
from catalog.settings import Settings
from catalog.store.tables import DS, SRC
from tests.conftest import FixtureHTTPServer, HarvestFn

PROBLEM = "application/problem+json"


@pytest.fixture
def harvested(client: TestClient, http_server: FixtureHTTPServer, add_source: Any, harvest: HarvestFn) -> TestClient:
    add_source("fx", http_server.url("dcat/catalog.ttl"))
    assert harvest("fx").status == "succeeded"
    return client


def problem(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith(PROBLEM), resp.headers["content-type"]
    body: dict[str, Any] = resp.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


@pytest.mark.parametrize(("path", "params", "name", "meant"), [
    ("/api/datasets", {"licence": "CC-BY-4.0"}, "licence", "license"),
    ("/api/datasets", {"type": "dataservice", "acess": "open"}, "acess", "access"),
    ("/api/datasets", {"organisation": "x"}, "organisation", "publisher"),
    ("/api/datasets", {"tags": "bad"}, "tags", "keyword"),
    ("/api/datasets/export", {"format": "csv", "licence": "CC0-1.0"}, "licence", "license"),
    ("/api/changes", {"sinc": "2024-01-01"}, "sinc", "since"),
    ("/api/audit", {"limt": "5"}, "limt", "limit"),
])
def test_a_misspelt_parameter_is_a_422_naming_it_and_the_one_meant(
    harvested: TestClient, path: str, params: dict[str, str], name: str, meant: str,
) -> None:
    body = problem(harvested.get(path, params=params), 422)
    assert body["errors"] == [{"field": name, "message": f"unknown parameter; did you mean {meant!r}?"}]


def test_an_unknown_parameter_names_what_the_route_takes(harvested: TestClient) -> None:
    body = problem(harvested.get("/api/sources", params={"page": "2"}), 422)
    assert body["errors"] == [{"field": "page", "message": "unknown parameter; this route takes no query parameters"}]
    item = harvested.get("/api/datasets", params={"per_page": 1}).json()["items"][0]
    body = problem(harvested.get(f"/api/datasets/{item['id']}", params={"lang": "en"}), 422)
    assert body["errors"][0]["field"] == "lang" and "format" in body["errors"][0]["message"]


def test_known_parameters_still_filter_and_the_ckan_api_takes_what_ckan_clients_send(harvested: TestClient) -> None:
    every = harvested.get("/api/datasets").json()["total"]
    services = harvested.get("/api/datasets", params={"type": "dataservice"})
    assert services.status_code == 200 and 0 < services.json()["total"] < every
    licensed = harvested.get("/api/datasets", params={"license": "CC0-1.0"})
    assert licensed.status_code == 200 and licensed.json()["total"] < every
    ckan = harvested.get("/api/3/action/package_search", params={"rows": 1, "include_private": "true"})
    assert ckan.status_code == 200 and ckan.json()["success"] is True
    # the portal's pages keep their own parameters (a language, a tracking tag) out of this rule
    assert harvested.get("/datasets", params={"lang": "en", "utm_source": "x"}).status_code == 200


def test_format_csv_on_one_dataset_is_a_422_not_json(harvested: TestClient) -> None:
    item = harvested.get("/api/datasets", params={"per_page": 1}).json()["items"][0]
    url = f"/api/datasets/{item['id']}"
    body = problem(harvested.get(url, params={"format": "csv"}), 422)
    assert body["errors"][0]["field"] == "format" and "/api/datasets/export" in body["errors"][0]["message"]
    assert harvested.get(url, params={"format": "ttl"}).headers["content-type"].startswith("text/turtle")
    assert harvested.get(url, params={"format": "json"}).json()["id"] == item["id"]
    assert harvested.get(url).json()["id"] == item["id"]


def test_a_malformed_body_is_located_by_line_and_column_and_nothing_is_stored(
    harvested: TestClient, engine: Engine,
) -> None:
    _org, token = organisations.create_organisation(engine, name="Testkommun", actor=organisations.local_admin())
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(SRC)).scalar_one()
    body = problem(harvested.post("/api/sources", content=b'{"name": "x",\n "url": "https://a.se/c.ttl",,}',
                                  headers=auth), 422)
    assert body["errors"] == [{"field": "body", "message": "body is not valid JSON at line 2 column 30: "
                                                           "expecting property name enclosed in double quotes"}]
    assert body["detail"].startswith("body is not valid JSON at line 2 column 30")
    # an unknown key is named, not ignored
    unknown = problem(harvested.post("/api/sources", json={"name": "x", "url": "https://a.se/c.ttl",
                                                          "kind": "dcat", "shedule": "1d"}, headers=auth), 422)
    assert [e["field"] for e in unknown["errors"]] == ["shedule"]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(SRC)).scalar_one() == before


def test_every_error_is_problem_json_404_405_and_500_included(
    harvested: TestClient, settings: Settings, engine: Engine,
) -> None:
    assert problem(harvested.get("/api/no-such-route"), 404)["detail"] == "Not Found: /api/no-such-route"
    problem(harvested.get("/api/datasets/no-such-dataset"), 404)
    problem(harvested.delete("/api/datasets"), 405)
    problem(harvested.get("/api/jobs/not-a-number"), 422)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(DS)).scalar_one() == 8
    # the database losing a table is an outage the API reports as problem JSON, not a bare text 500
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE harvest_job"))
    with TestClient(create_app(settings, engine), raise_server_exceptions=False) as broken:
        problem(broken.get("/api/sources"), 500)
