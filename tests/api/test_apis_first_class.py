"""APIs are first-class (issue 13, problem 6): a dataset and the data services serving it are shown
together — search results carry the services' endpoints and documentation, ``collapse=services``
lists each API once, CKAN's package_show of a service has its endpoint as a resource, and CSV and
XLSX exports have type, endpoint, documentation and contact columns (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api import schemas
from api.cli import app
from catalog.export import rows as rows_module
from harvester.demo.server import DemoServer
from tests.api.test_openapi import conforms
from tests.conftest import CONFIG_DIR, HarvestFn

TRAFIKLAB_CONTACT = "Trafiklab <info@trafiklab.se> https://www.trafiklab.se/support/"


@pytest.fixture
def demo(client: TestClient, add_source: Callable[..., Any], harvest: HarvestFn) -> TestClient:
    """The demo's Trafiklab-style portal (11 APIs, each a dataset and a data service) and DCAT catalogue
    (two data services: one serving one dataset, one serving three)."""
    with DemoServer(CONFIG_DIR / "demo") as server:
        add_source("trafiklab", f"{server.base_url}/trafiklab/apis.json", kind="jsonapi", mapping="trafiklab")
        add_source("kommuner", f"{server.base_url}/kommuner.ttl")
        for name in ("trafiklab", "kommuner"):
            assert harvest(name).status == "succeeded"
    return client


def search(client: TestClient, **params: Any) -> dict[str, Any]:
    resp = client.get("/api/datasets", params={"per_page": 100, **params})
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def test_a_result_carries_the_services_serving_it_with_endpoint_and_documentation(demo: TestClient) -> None:
    found = search(demo, q="SL Transport", source="trafiklab")
    by_type = {i["type"]: i for i in found["items"] if i["title"].startswith("SL Transport")}
    dataset, service = by_type["dataset"], by_type["dataservice"]
    assert dataset["services"] == [{
        "id": service["id"], "title": "SL Transport (API)", "endpoint_urls": ["https://transport.integration.sl.se/v1/"],
        "documentation": ["https://www.trafiklab.se/api/our-apis/sl/transport/"], "status": "active"}]
    assert service["endpoint_urls"] == ["https://transport.integration.sl.se/v1/"]
    assert service["documentation"] == ["https://www.trafiklab.se/api/our-apis/sl/transport/"]
    assert service["services"] == []
    # a DCAT service that names three datasets (dcat:servesDataset) is shown with each of them
    kommuner = search(demo, source="kommuner")["items"]
    served = {i["title"] for i in kommuner
              if [s["title"] for s in i["services"]] == ["Trafikverkets öppna API för trafikinformation"]}
    assert served == {"Trafikflöden på statliga vägar", "Vägväderstationer – mätdata", "Färjeleder och turlistor"}


def test_collapse_services_lists_each_api_once(demo: TestClient) -> None:
    every = search(demo, source="trafiklab")
    collapsed = search(demo, source="trafiklab", collapse="services")
    assert every["total"] == 22 and collapsed["total"] == 11
    assert {i["type"] for i in collapsed["items"]} == {"dataset"}
    services = {i["id"] for i in every["items"] if i["type"] == "dataservice"}
    # each API appears exactly once: in the services of the one dataset it serves
    shown = [s["id"] for i in collapsed["items"] for s in i["services"]]
    assert sorted(shown) == sorted(services)
    # facet counts still count every matching record; pages follow the collapsed list
    assert {e["value"]: e["count"] for e in collapsed["facets"]["type"]} == {"dataset": 11, "dataservice": 11}
    page2 = search(demo, source="trafiklab", collapse="services", per_page=5, page=3, sort="title")
    assert page2["total"] == 11 and len(page2["items"]) == 1

    # a service serving three datasets is listed itself; one serving a single dataset folds into it
    kommuner = {i["title"]: i for i in search(demo, source="kommuner", collapse="services")["items"]}
    assert len(kommuner) == 41 == search(demo, source="kommuner")["total"] - 1
    assert "Trafikverkets öppna API för trafikinformation" in kommuner
    assert "LTF-Tolken – API för lokala trafikföreskrifter" not in kommuner
    assert [s["title"] for s in kommuner["Parkeringsplatser och lokala trafikföreskrifter"]["services"]] == [
        "LTF-Tolken – API för lokala trafikföreskrifter"]
    # a service matched without its dataset is not hidden
    alone = search(demo, q="LTF-Tolken", collapse="services")
    assert [i["type"] for i in alone["items"]] == ["dataservice"]


def test_an_unknown_collapse_is_a_422_naming_it(demo: TestClient) -> None:
    resp = demo.get("/api/datasets", params={"collapse": "publishers"})
    assert resp.status_code == 422
    assert resp.json()["errors"] == [{"field": "collapse", "message": "must be services"}]


def test_search_answers_with_services_match_their_model(demo: TestClient) -> None:
    for params in ({"source": "trafiklab"}, {"collapse": "services"}, {"type": "dataservice"}):
        conforms(schemas.SearchResult, search(demo, **params))


def test_ckan_package_show_of_a_data_service_has_its_endpoint_as_a_resource(demo: TestClient) -> None:
    service = next(i for i in search(demo, q="SL Transport", type="dataservice")["items"])
    resp = demo.get("/api/3/action/package_show", params={"id": service["id"]})
    assert resp.status_code == 200, resp.text
    package = resp.json()["result"]
    assert package["num_resources"] == 1
    [resource] = package["resources"]
    assert resource["url"] == "https://transport.integration.sl.se/v1/" and resource["format"] == "API"
    assert resource["resource_type"] == "api" and resource["package_id"] == service["id"]
    assert "https://www.trafiklab.se/api/our-apis/sl/transport/" in resource["description"]
    extras = {e["key"]: e["value"] for e in package["extras"]}
    assert extras["type"] == "dataservice"
    assert extras["documentation"] == "https://www.trafiklab.se/api/our-apis/sl/transport/"
    # a dataset's resources stay its distributions
    dataset = next(i for i in search(demo, q="SL Transport", type="dataset")["items"])
    shown = demo.get("/api/3/action/package_show", params={"id": dataset["id"]}).json()["result"]
    assert [r["format"] for r in shown["resources"]] == ["JSON"]


def _csv(client: TestClient, **params: Any) -> list[dict[str, str]]:
    resp = client.get("/api/datasets/export", params={"format": "csv", **params})
    assert resp.status_code == 200, resp.text
    return list(csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig"))))


def test_csv_and_xlsx_exports_have_type_endpoint_documentation_and_contact(demo: TestClient) -> None:
    assert rows_module.COLUMNS[15:19] == ("type", "endpoint", "documentation", "contact")
    rows = {(r["title"], r["type"]): r for r in _csv(demo, source="trafiklab")}
    service = rows[("SL Transport (API)", "dataservice")]
    dataset = rows[("SL Transport – Region Stockholm, Trafikförvaltningen (SL)", "dataset")]
    assert service["endpoint"] == dataset["endpoint"] == "https://transport.integration.sl.se/v1/"
    assert service["documentation"] == dataset["documentation"] == "https://www.trafiklab.se/api/our-apis/sl/transport/"
    assert dataset["contact"] == TRAFIKLAB_CONTACT
    kommuner = {r["title"]: r for r in _csv(demo, source="kommuner")}
    plain = kommuner["Trafikflöden på statliga vägar"]
    assert plain["type"] == "dataset" and plain["endpoint"].startswith("https://")  # its API's endpoint
    assert kommuner["Trafikverkets öppna API för trafikinformation"]["type"] == "dataservice"

    resp = demo.get("/api/datasets/export", params={"format": "xlsx", "source": "trafiklab", "sort": "title"})
    assert resp.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(resp.content), read_only=True).active
    assert sheet is not None
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = table[0]
    assert tuple(header) == rows_module.COLUMNS
    by_title = {r[1]: dict(zip(header, r, strict=True)) for r in table[1:]}
    assert by_title["SL Transport (API)"]["endpoint"] == "https://transport.integration.sl.se/v1/"
    assert by_title["SL Transport (API)"]["type"] == "dataservice"
    assert by_title["SL Transport – Region Stockholm, Trafikförvaltningen (SL)"]["contact"] == TRAFIKLAB_CONTACT


def test_the_cli_search_collapses_services_like_the_api(demo: TestClient, db_url: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATAKATALOG_DATABASE_URL", raising=False)
    result = CliRunner().invoke(app, ["search", "--source", "trafiklab", "--collapse", "services", "--per-page", "100",
                                      "--json", "--db", db_url])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["total"] == 11
    assert answer == search(demo, source="trafiklab", collapse="services")
    refused = CliRunner().invoke(app, ["search", "--collapse", "everything", "--db", db_url])
    assert refused.exit_code == 1 and "collapse" in refused.stderr
