"""Kind detection: preview and registration without ``kind`` ask the URL what it is (one function,
harvester/detection.py), against the fixture HTTP server: CKAN APIs, DCAT in every RDF syntax, JSON
APIs (which need a mapping profile), and what is none of these, said as what it is."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli_app
from catalog.errors import FieldError
from catalog.services import audit, organisations
from catalog.services.organisations import Principal
from catalog.settings import Settings, get_settings
from harvester.detection import detect_kind
from tests.api.test_preview import row_counts
from tests.conftest import FIXTURES, FixtureHTTPServer

STATUS = orjson.dumps({"help": "…/api/3/action/help_show?name=status_show", "success": True,
                       "result": {"ckan_version": "2.10.4", "site_title": "Portalen"}})
SEARCH = orjson.dumps({"help": "…", "success": True, "result": {"count": 0, "results": []}})
HTML = b"<!DOCTYPE html><html><head><title>Portalen</title></head><body><h1>Data</h1></body></html>"
JSON = "application/json"


def ckan_portal(server: FixtureHTTPServer, at: str = "portal") -> str:
    """A CKAN portal at /<at>: an HTML home page, status_show and package_search; its base URL."""
    server.set(f"{at}/", HTML, "text/html; charset=utf-8")
    server.set(f"{at}/dataset/badplatser", HTML, "text/html")
    server.set(f"{at}/api/3/action/status_show", STATUS, JSON)
    server.set(f"{at}/api/3/action/package_search", SEARCH, JSON)
    return server.url(at)


@pytest.mark.parametrize(("fixture", "content_type", "syntax"), [
    ("catalog.ttl", "text/turtle", "Turtle"),
    ("catalog.rdf", "application/rdf+xml", "RDF/XML"),
    ("catalog.jsonld", "application/ld+json", "JSON-LD"),
    ("catalog.nt", "application/n-triples", "N-Triples"),
    ("catalog.ttl", "application/octet-stream", "Turtle"),  # a server that names no RDF type: sniffed
    ("catalog.rdf", "application/xml", "RDF/XML"),
    ("catalog.jsonld", JSON, "JSON-LD"),
])
def test_a_dcat_document_in_any_syntax_is_dcat(
    http_server: FixtureHTTPServer, settings: Settings, fixture: str, content_type: str, syntax: str,
) -> None:
    url = http_server.set_fixture(f"cat/{fixture}", f"dcat/{fixture}", content_type)
    found = detect_kind(url, settings)
    assert (found.kind, found.found) == ("dcat", f"a DCAT document ({syntax})")


def test_a_hydra_paged_first_page_is_dcat(http_server: FixtureHTTPServer, settings: Settings) -> None:
    assert detect_kind(http_server.url("dcat/paged/page1.ttl"), settings).kind == "dcat"


@pytest.mark.parametrize("path", ["portal/api/3/action/package_search", "portal/api/3", "portal/api/3/action/",
                                  "portal/api/action/package_search"])
def test_a_ckan_api_address_is_ckan(http_server: FixtureHTTPServer, settings: Settings, path: str) -> None:
    ckan_portal(http_server)
    found = detect_kind(http_server.url(path), settings)
    assert (found.kind, found.found) == ("ckan", "a CKAN API (CKAN 2.10.4)")


def test_a_ckan_action_answer_is_ckan_wherever_it_is(http_server: FixtureHTTPServer, settings: Settings) -> None:
    url = http_server.set("proxy/search.json", SEARCH, JSON)
    for has_mapping in (False, True):  # a mapping given by mistake does not make it a JSON API
        assert detect_kind(url, settings, has_mapping=has_mapping).kind == "ckan"


@pytest.mark.parametrize("path", ["portal/", "portal/dataset/badplatser"])
def test_an_html_page_of_a_ckan_portal_points_at_its_api(
    http_server: FixtureHTTPServer, settings: Settings, path: str,
) -> None:
    base = ckan_portal(http_server)
    with pytest.raises(FieldError) as refused:
        detect_kind(http_server.url(path), settings)
    assert refused.value.field == "url"
    assert refused.value.reason == f"the URL answers an HTML page; did you mean its CKAN API at {base}/api/3?"


def test_an_html_page_that_links_a_dcat_document_points_at_it(
    http_server: FixtureHTTPServer, settings: Settings,
) -> None:
    page = (b'<!doctype html><html><head><link rel="stylesheet" href="/s.css">'
            b'<link rel="alternate" type="text/turtle" href="../dcat/catalog.ttl"></head></html>')
    url = http_server.set("site/om/data.html", page, "text/html")
    with pytest.raises(FieldError) as refused:
        detect_kind(url, settings)
    assert refused.value.reason == ("the URL answers an HTML page; did you mean the DCAT document it links to at "
                                    f"{http_server.url('site/dcat/catalog.ttl')}?")


def test_any_other_html_page_is_said_to_be_one(http_server: FixtureHTTPServer, settings: Settings) -> None:
    # served as text/plain: the bytes say HTML all the same
    url = http_server.set("sida", HTML, "text/plain")
    with pytest.raises(FieldError) as refused:
        detect_kind(url, settings)
    assert refused.value.field == "url"
    assert refused.value.reason.startswith("the URL answers an HTML page, not a DCAT document, a CKAN API or JSON")


def test_json_that_is_not_ckan_is_a_json_api_that_needs_a_mapping(
    http_server: FixtureHTTPServer, settings: Settings,
) -> None:
    url = http_server.set("api/poster", (FIXTURES / "jsonapi" / "lund" / "offset-0.json").read_bytes(), JSON)
    with pytest.raises(FieldError) as refused:
        detect_kind(url, settings)
    assert refused.value.field == "mapping"
    assert "a JSON API (kind jsonapi), which is read through a mapping profile" in refused.value.reason
    assert "riksteatern, trafiklab" in refused.value.reason
    found = detect_kind(url, settings, has_mapping=True)
    assert (found.kind, found.found) == ("jsonapi", "a JSON API")


def test_rdf_without_dcat_and_other_documents_are_refused_saying_what_they_are(
    http_server: FixtureHTTPServer, settings: Settings,
) -> None:
    rdf = http_server.set("foaf.ttl", "<https://ex.se/a> a <http://xmlns.com/foaf/0.1/Person> .\n", "text/turtle")
    with pytest.raises(FieldError) as refused:
        detect_kind(rdf, settings)
    assert refused.value.reason == ("the URL answers an RDF document (Turtle) with no dcat:Catalog, dcat:Dataset "
                                    "or dcat:DataService in it")
    csv = http_server.set("data.csv", "namn;antal\nbad;3\n", "text/csv")
    with pytest.raises(FieldError) as refused:
        detect_kind(csv, settings)
    assert "a document served as text/csv that is neither RDF, JSON nor HTML" in refused.value.reason


def test_a_document_served_as_rdf_that_does_not_parse_is_dcat_and_the_run_says_where_it_breaks(
    http_server: FixtureHTTPServer, settings: Settings,
) -> None:
    url = http_server.set("trasig.ttl", "@prefix x: <http://x/> . x:a x:b", "text/turtle")
    found = detect_kind(url, settings)
    assert (found.kind, found.found) == ("dcat", "a document served as text/turtle that is not valid Turtle")


def test_a_url_that_cannot_be_fetched_asks_for_the_kind(http_server: FixtureHTTPServer, settings: Settings) -> None:
    with pytest.raises(FieldError) as refused:
        detect_kind(http_server.url("finns-inte.ttl"), settings)
    assert refused.value.field == "kind"
    assert "HTTP 404" in refused.value.reason and "give kind" in refused.value.reason


# -- registration and preview use it ------------------------------------------------------------------


@pytest.fixture
def api(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    _org, token = organisations.create_organisation(engine, name="Region Skåne",
                                                    actor=Principal(actor="setup", admin=True))
    with TestClient(create_app(settings, engine), headers={"Authorization": f"Bearer {token}"}) as c:
        yield c


def test_registration_without_a_kind_registers_what_it_found(
    api: TestClient, engine: Engine, http_server: FixtureHTTPServer,
) -> None:
    base = ckan_portal(http_server)
    dcat = api.post("/api/sources", json={"name": "fx", "url": http_server.url("dcat/catalog.rdf")})
    ckan = api.post("/api/sources", json={"name": "portal", "url": f"{base}/api/3"})
    assert dcat.status_code == 201 and ckan.status_code == 201, (dcat.text, ckan.text)
    assert (dcat.json()["kind"], dcat.json()["detected"]) == ("dcat", "a DCAT document (RDF/XML)")
    assert (ckan.json()["kind"], ckan.json()["detected"]) == ("ckan", "a CKAN API (CKAN 2.10.4)")
    assert "detected" not in api.get(f"/api/sources/{ckan.json()['id']}").json()
    created = [e for e in audit.list_audit(engine, limit=10) if e["action"] == "source.create"]
    assert {e["details"]["detected"] for e in created} == {"a DCAT document (RDF/XML)", "a CKAN API (CKAN 2.10.4)"}
    # a kind that is given is not asked about
    hits = len(http_server.hits)
    assert api.post("/api/sources", json={"name": "given", "kind": "dcat", "url": http_server.url("x.ttl")}
                    ).status_code == 201
    assert len(http_server.hits) == hits


def test_registration_of_what_is_no_source_is_refused_and_stores_nothing(
    api: TestClient, engine: Engine, http_server: FixtureHTTPServer,
) -> None:
    base = ckan_portal(http_server)
    before = row_counts(engine)
    resp = api.post("/api/sources", json={"name": "portal", "url": f"{base}/"})
    assert resp.status_code == 422
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["errors"] == [{"field": "url", "message": "the URL answers an HTML page; did you mean its "
                                                                 f"CKAN API at {base}/api/3?"}]
    lund = http_server.set("api/poster", (FIXTURES / "jsonapi" / "lund" / "offset-0.json").read_bytes(), JSON)
    needs = api.post("/api/sources", json={"name": "lund", "url": lund})
    assert needs.status_code == 422 and needs.json()["errors"][0]["field"] == "mapping"
    assert row_counts(engine) == before


def test_preview_without_a_kind_detects_it_and_says_what_it_found(
    api: TestClient, http_server: FixtureHTTPServer,
) -> None:
    report = api.post("/api/sources/preview", json={"url": http_server.url("dcat/catalog.ttl")}).json()
    assert report["detected"] == "a DCAT document (Turtle)"
    assert report["source"]["kind"] == "dcat" and report["counts"]["seen"] == 8
    refused = api.post("/api/sources/preview", json={"url": http_server.set("sida", HTML, "text/html")})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "url"
    given = api.post("/api/sources/preview", json={"url": http_server.url("dcat/catalog.ttl"), "kind": "dcat"})
    assert given.json()["detected"] is None


def test_cli_registers_without_a_kind(
    http_server: FixtureHTTPServer, db_url: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATAKATALOG_ALLOW_PRIVATE_SOURCES", "1")
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    runner = CliRunner()

    def cli(*args: str) -> Any:
        return runner.invoke(cli_app, [*args, "--db", db_url])

    result = cli("source", "add", "fx", "--url", http_server.url("dcat/catalog.jsonld"))
    assert result.exit_code == 0, result.output
    assert "(id 1, dcat; found a DCAT document (JSON-LD))" in result.stdout
    base = ckan_portal(http_server)
    result = cli("source", "add", "portal", "--url", f"{base}/")
    assert result.exit_code == 1
    assert f"did you mean its CKAN API at {base}/api/3?" in " ".join(result.stderr.split())
    get_settings.cache_clear()
