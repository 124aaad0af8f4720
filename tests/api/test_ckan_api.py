"""The CKAN-compatible read API, driven by the real ``ckanapi`` client against a real uvicorn
server in a thread: package_search (q, fq, facets, sort, paging), package_show, package_list,
organization_list / organization_show, status_show, and CKAN's error envelope."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import ckanapi
import pytest
import requests
import uvicorn

from api.app import create_app
from tests.api.test_exports import small_catalog
from tests.conftest import FixtureHTTPServer, serving

STOCKHOLM = "se2120000142-50b261"  # the publisher id of "Stockholms stad" in the DCAT fixture


@pytest.fixture(scope="module")
def _files():
    with serving(FixtureHTTPServer()) as srv:
        yield srv


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def ckan(settings, engine, _files, add_source, harvest) -> Iterator[ckanapi.RemoteCKAN]:
    """The DCAT fixture harvested, served by uvicorn, and a ckanapi client for it."""
    add_source("fx", _files.url("dcat/catalog.ttl"))
    assert harvest("fx").status == "succeeded"
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, engine), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    client = ckanapi.RemoteCKAN(f"http://127.0.0.1:{port}", user_agent="datakatalog-tests")
    try:
        yield client
    finally:
        client.close()
        server.should_exit = True
        thread.join(timeout=10)


def test_status_show_answers_like_ckan(ckan, settings):
    status = ckan.action.status_show()
    assert status["ckan_version"].startswith("2.")
    assert status["site_url"] == settings.base_url
    assert status["site_title"] == "datakatalog"


def test_package_search_with_q_fq_and_facets(ckan):
    found = ckan.action.package_search(q="badplatser", fq=f"organization:{STOCKHOLM}",
                                       **{"facet.field": '["organization", "tags", "res_format", "groups"]'})
    assert found["count"] >= 1
    bad = next(p for p in found["results"] if p["title"] == "Badplatser")
    assert bad["organization"]["name"] == STOCKHOLM and bad["organization"]["title"] == "Stockholms stad"
    assert {t["name"] for t in bad["tags"]} == {"bad", "badplats", "swimming"}
    facets = found["search_facets"]
    assert {i["name"] for i in facets["organization"]["items"]} == {STOCKHOLM}
    assert {"bad", "badplats", "swimming"} <= {i["name"] for i in facets["tags"]["items"]}
    assert {i["name"]: i["display_name"] for i in facets["groups"]["items"]}["envi"] == "Miljö"
    assert found["facets"]["res_format"]["CSV"] >= 1
    by_theme = ckan.action.package_search(fq="groups:envi", sort="title_string asc")
    assert [p["title"] for p in by_theme["results"]] == ["Badplatser", "Luftkvalitet"]
    csv_cc0 = ckan.action.package_search(fq="res_format:CSV license_id:CC0-1.0", rows=100)
    assert {p["title"] for p in csv_cc0["results"]} == {"Hållplatser i Skåne", "Luftkvalitet",
                                                      "Överförmyndarnämndens ärenden"}
    # a field named twice must match both, as in Solr
    both = ckan.action.package_search(fq="res_format:JSON res_format:CSV")
    assert [p["title"] for p in both["results"]] == ["Luftkvalitet"]
    either = ckan.action.package_search(fq="res_format:(JSON OR GEOJSON)", rows=100)
    # utan-titel offers JSON too, and has no title
    assert {p["title"] for p in either["results"]} == {"Luftkvalitet", "Kommungränser", ""}


def test_package_search_pages_with_rows_and_start(ckan):
    everything = ckan.action.package_search(rows=100, sort="title_string asc")
    assert everything["count"] == 8 and len(everything["results"]) == 8
    names = [p["name"] for p in everything["results"]]
    paged: list[str] = []
    for start in range(0, 8, 3):
        page = ckan.action.package_search(rows=3, start=start, sort="title_string asc")
        assert page["count"] == 8
        paged += [p["name"] for p in page["results"]]
    assert paged == names
    backwards = ckan.action.package_search(rows=100, sort="title_string desc")
    assert [p["name"] for p in backwards["results"]] == names[::-1]
    assert ckan.action.package_search(rows=0)["results"] == []


def test_package_show_has_ckans_package_shape(ckan):
    ident = ckan.action.package_search(q="luftkvalitet")["results"][0]["id"]
    pkg = ckan.action.package_show(id=ident)
    assert pkg["name"] == ident and pkg["title"] == "Luftkvalitet" and pkg["state"] == "active"
    assert pkg["license_id"] == "CC0-1.0" and pkg["license_title"]
    assert pkg["num_resources"] == 2 == len(pkg["resources"])
    assert {r["format"] for r in pkg["resources"]} == {"JSON", "CSV"}
    csv_res = next(r for r in pkg["resources"] if r["format"] == "CSV")
    assert csv_res["url"] == "https://fixtures.example.se/filer/luftkvalitet.csv"
    assert csv_res["license"] == "CC0-1.0" and csv_res["id"]
    assert [g["name"] for g in pkg["groups"]] == ["envi"]
    assert pkg["organization"]["title"] == "Malmö stad"
    extras = {e["key"]: e["value"] for e in pkg["extras"]}
    assert extras["uri"] == "https://fixtures.example.se/dataset/luftkvalitet"
    assert pkg["metadata_created"] and pkg["metadata_modified"]
    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_show(id="finns-inte")


def test_package_list_and_organizations(ckan):
    names = ckan.action.package_list()
    assert len(names) == 8 and names == sorted(names)
    orgs = ckan.action.organization_list()
    assert STOCKHOLM in orgs
    full = ckan.action.organization_list(all_fields=True, sort="package_count desc")
    stockholm = next(o for o in full if o["name"] == STOCKHOLM)
    assert stockholm["title"] == "Stockholms stad" and stockholm["package_count"] == 2
    assert full[0]["package_count"] >= full[-1]["package_count"]
    shown = ckan.action.organization_show(id=STOCKHOLM, include_datasets=True)
    assert shown["package_count"] == 2
    assert {p["title"] for p in shown["packages"]} == {"Badplatser", "Badplats-API"}
    with pytest.raises(ckanapi.NotFound):
        ckan.action.organization_show(id="ingen")


def test_errors_come_in_ckans_envelope(ckan):
    with pytest.raises(ckanapi.SearchQueryError):
        ckan.action.package_search(fq="author:someone")
    with pytest.raises(ckanapi.ValidationError):
        ckan.action.package_search(rows="many")
    resp = requests.get(f"{ckan.address}/api/3/action/package_show", params={"id": "nope"}, timeout=5)
    assert resp.status_code == 404
    body = resp.json()
    assert body["success"] is False and body["error"]["__type"] == "Not Found Error"
    assert body["help"].endswith("help_show?name=package_show")
    resp = requests.get(f"{ckan.address}/api/3/action/package_search",
                        params={"q": "badplatser", "rows": 1}, timeout=5)
    assert resp.status_code == 200 and resp.json()["success"] is True
    assert resp.json()["result"]["results"][0]["title"] == "Badplatser"


def test_withdrawn_dataset_is_deleted_for_ckan_clients(ckan, _files, add_source, harvest):
    base = "https://ckan.example.se/"
    _files.set("ckan.ttl", small_catalog(base, [{"slug": "x", "title": "Ett"}, {"slug": "y", "title": "Två"},
                                                {"slug": "z", "title": "Tre"}]))
    add_source("ckanish", _files.url("ckan.ttl"))
    assert harvest("ckanish").status == "succeeded"
    ident = ckan.action.package_search(q="Två")["results"][0]["id"]
    _files.set("ckan.ttl", small_catalog(base, [{"slug": "x", "title": "Ett"}, {"slug": "z", "title": "Tre"}]))
    assert harvest("ckanish").withdrawn == 1
    assert ckan.action.package_show(id=ident)["state"] == "deleted"
    assert ckan.action.package_search(q="Två")["count"] == 0
    assert ident not in ckan.action.package_list()


def test_package_search_filters_and_facets_on_type_and_access(ckan):
    services = ckan.action.package_search(fq="dataset_type:dataservice", rows=100,
                                          **{"facet.field": '["dataset_type", "access_rights"]'})
    assert services["count"] >= 1
    assert {p["name"] for p in services["results"]} == {
        p["name"] for p in ckan.action.package_search(rows=100)["results"]
        if {"key": "type", "value": "dataservice"} in p["extras"]}
    # a facet's counts respect every filter but its own, as in /api/datasets
    assert services["facets"]["dataset_type"]["dataservice"] == services["count"]
    assert sum(services["facets"]["access_rights"].values()) <= services["count"]
    everything = ckan.action.package_search(rows=0, **{"facet.field": '["dataset_type", "access_rights"]'})
    assert set(everything["facets"]["dataset_type"]) == {"dataset", "dataservice"}
    assert sum(everything["facets"]["dataset_type"].values()) == everything["count"]
    open_ = ckan.action.package_search(fq="access_rights:open", rows=0)
    assert open_["count"] == everything["facets"]["access_rights"].get("open", 0)
