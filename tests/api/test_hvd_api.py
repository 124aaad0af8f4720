"""High-value datasets (issue 14): the hvd_category and applicable_legislation facets and filters in
the search API, the CKAN API and the CLI, HVD facts on the dataset's JSON, export columns, and a
publisher's HVD report (API and CLI), harvested from tests/fixtures/dcat/hvd.ttl."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from api.cli import app
from catalog.settings import get_settings
from tests.conftest import CONFIG_DIR

HVD_ELI = "http://data.europa.eu/eli/reg_impl/2023/138/oj"
METEO = "c_164e0bf5"
EARTH = "c_dd313021"


@pytest.fixture
def harvested(http_server, add_source, harvest) -> None:
    add_source("vader", http_server.url("dcat/hvd.ttl"))
    job = harvest("vader")
    assert job.status == "succeeded", job.message


def _search(client, **params: Any) -> dict[str, Any]:
    resp = client.get("/api/datasets", params=params)
    assert resp.status_code == 200, resp.text
    return resp.json()


def _titles(body: dict[str, Any]) -> set[str]:
    return {item["title"] for item in body["items"]}


def _publisher(client) -> str:
    [entry] = _search(client)["facets"]["publisher"]
    return str(entry["value"])


def test_hvd_categories_and_legislation_are_facets_with_labels(client, harvested) -> None:
    facets = _search(client)["facets"]
    cats = {e["value"]: e for e in facets["hvd_category"]}
    assert {v: e["count"] for v, e in cats.items()} == {METEO: 3, EARTH: 1}
    assert cats[METEO]["label"] == "Meteorologiska data"
    laws = {e["value"]: e for e in facets["applicable_legislation"]}
    # the https spelling of the ELI counts as the one regulation
    assert {v: e["count"] for v, e in laws.items()} == {HVD_ELI: 2}
    assert "2023/138" in laws[HVD_ELI]["label"]


def test_hvd_filters_by_code_or_iri(client, harvested) -> None:
    by_code = _search(client, hvd_category=METEO)
    assert _titles(by_code) == {"Meteorologiska observationer", "Prognoser", "Observations-API"}
    by_iri = _search(client, hvd_category="http://data.europa.eu/bna/" + EARTH)
    assert _titles(by_iri) == {"Prognoser"}
    by_law = _search(client, applicable_legislation="https://data.europa.eu/eli/reg_impl/2023/138/oj")
    assert _titles(by_law) == {"Meteorologiska observationer", "Observations-API"}
    both = _search(client, hvd_category=METEO, applicable_legislation=HVD_ELI, type="dataset")
    assert _titles(both) == {"Meteorologiska observationer"}


def test_the_dataset_json_carries_hvd_facts(client, harvested) -> None:
    ids = {item["title"]: item["id"] for item in _search(client)["items"]}
    obs = client.get(f"/api/datasets/{ids['Meteorologiska observationer']}").json()["hvd"]
    assert obs["is_hvd"] is True and obs["missing"] == []
    assert obs["categories"] == [{"code": METEO, "uri": "http://data.europa.eu/bna/" + METEO,
                                  "label": {"en": "Meteorological", "sv": "Meteorologiska data"}}]
    assert [law["uri"] for law in obs["legislation"]] == [HVD_ELI]
    progn = client.get(f"/api/datasets/{ids['Prognoser']}").json()["hvd"]
    assert progn["missing"] == ["legislation", "contact_point"]
    office = client.get(f"/api/datasets/{ids['Kontorsadresser']}").json()["hvd"]
    assert office == {"is_hvd": False, "categories": [], "legislation": [], "missing": []}


def test_a_publishers_hvd_report_names_what_is_missing(client, harvested) -> None:
    resp = client.get(f"/api/publishers/{_publisher(client)}/hvd")
    assert resp.status_code == 200, resp.text
    report = resp.json()
    assert (report["datasets"], report["hvd"], report["complete"], report["incomplete"]) == (4, 3, 1, 2)
    assert [(c["code"], c["datasets"]) for c in report["categories"]] == [(METEO, 3), (EARTH, 1)]
    assert {m["fact"]: m["datasets"] for m in report["missing"]} == {
        "legislation": 1, "contact_point": 1, "documentation": 1}
    incomplete = {i["title"]: i["missing"] for i in report["incomplete_datasets"]}
    assert incomplete == {"Prognoser": ["legislation", "contact_point"], "Observations-API": ["documentation"]}


def test_the_hvd_report_of_an_unknown_publisher_is_a_404(client, harvested) -> None:
    resp = client.get("/api/publishers/no-such-publisher/hvd")
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith("application/problem+json")


def test_the_ckan_api_facets_and_filters_by_hvd_category(client, harvested) -> None:
    resp = client.get("/api/3/action/package_search", params={
        "fq": f"hvd_category:{EARTH}", "facet.field": '["hvd_category","applicable_legislation"]'})
    assert resp.status_code == 200, resp.text
    result = resp.json()["result"]
    assert [p["title"] for p in result["results"]] == ["Prognoser"]
    # a facet is counted over every filter but its own (the search's multi-select rule)
    assert {i["name"]: i["count"] for i in result["search_facets"]["hvd_category"]["items"]} == {METEO: 3, EARTH: 1}


def test_exports_have_hvd_columns(client, harvested) -> None:
    resp = client.get("/api/datasets/export", params={"format": "csv", "sort": "title"})
    assert resp.status_code == 200, resp.text
    rows = {r["title"]: r for r in csv.DictReader(io.StringIO(resp.text))}
    assert rows["Prognoser"]["hvd_categories"] == f"{METEO}; {EARTH}"
    assert rows["Meteorologiska observationer"]["applicable_legislation"] == HVD_ELI
    assert rows["Kontorsadresser"]["hvd_categories"] == ""


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, db_url: str, harvested: None) -> Iterator[Callable[..., Result]]:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("DATAKATALOG_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, [*args, "--db", db_url])

    yield run
    get_settings.cache_clear()


def test_cli_search_filters_by_hvd_and_the_publisher_report_prints(cli: Callable[..., Result]) -> None:
    found = cli("search", "--hvd-category", EARTH, "--json")
    assert found.exit_code == 0, found.output
    result = json.loads(found.stdout)
    assert [i["title"] for i in result["items"]] == ["Prognoser"]
    assert result["facets"]["applicable_legislation"] == []  # Prognoser cites no legislation
    law = json.loads(cli("search", "--legislation", HVD_ELI, "--json").stdout)
    assert law["total"] == 2
    publisher = result["items"][0]["publisher"]["id"]
    shown = cli("publisher", "hvd", publisher)
    assert shown.exit_code == 0, shown.output
    assert "3 high-value dataset(s) of 4, 1 complete, 2 incomplete" in shown.stdout
    assert "Prognoser" in shown.stdout and "contact_point" in shown.stdout
    as_json = json.loads(cli("publisher", "hvd", publisher, "--json").stdout)
    assert as_json["hvd"] == 3


def test_the_demo_catalogue_has_high_value_datasets(client, http_server, add_source, harvest) -> None:
    add_source("kommuner", http_server.set("kommuner.ttl", (CONFIG_DIR / "demo" / "kommuner.ttl").read_bytes()))
    assert harvest("kommuner").status == "succeeded"
    facets = _search(client)["facets"]
    assert {e["value"]: e["count"] for e in facets["hvd_category"]} == {EARTH: 1, "c_e1da4e07": 1}
    stockholm = {e["value"] for e in _search(client, hvd_category=EARTH)["facets"]["publisher"]}
    [publisher] = stockholm
    report = client.get(f"/api/publishers/{publisher}/hvd").json()
    assert (report["hvd"], report["complete"]) == (2, 2)
