"""GET /api/datasets/export and ``datakatalog export``: every matching dataset (not one page), in
the search's order, streamed as CSV, JSON, XLSX, a Markdown hand-out or DCAT-AP-SE RDF."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import openpyxl
import pytest
import rdflib
from typer.testing import CliRunner

from catalog.export import rows as rows_module

DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
ALL_TITLES = {"Badplatser", "Hållplatser i Skåne", "Luftkvalitet", "Överförmyndarnämndens ärenden", "",
              "Kommungränser", "Blanknodsdataset", "Badplats-API"}
EU = "http://publications.europa.eu/resource/authority/"
RDF_PARSERS = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml"}


def small_catalog(base: str, items: list[dict[str, str]]) -> str:
    """A DCAT-AP-SE Turtle catalogue of ``items`` (slug, title, and optional access, format, theme)."""
    out = ["@prefix dcat: <http://www.w3.org/ns/dcat#> .", "@prefix dct: <http://purl.org/dc/terms/> .",
           "@prefix foaf: <http://xmlns.com/foaf/0.1/> .",
                      f"<{base}catalog> a dcat:Catalog ; dct:title \"Test\"@sv ; "
           f"dct:publisher <http://dataportal.se/organisation/SE2120000000> ."]
    out.append('<http://dataportal.se/organisation/SE2120000000> a foaf:Agent ; foaf:name "Testkommun"@sv .')
    for it in items:
        ds = f"{base}dataset/{it['slug']}"
        access = f" ; dct:accessRights <{EU}access-right/{it['access']}>" if it.get("access") else ""
        out.append(
            f'<{ds}> a dcat:Dataset ; dct:title "{it["title"]}"@sv ; dct:description "Om {it["title"]}."@sv ; '
            f"dct:publisher <http://dataportal.se/organisation/SE2120000000> ; "
            f"dcat:theme <{EU}data-theme/{it.get('theme', 'GOVE')}> ; dcat:keyword \"{it['slug']}\"@sv ; "
            f"dcat:landingPage <{base}sida/{it['slug']}> ; dcat:distribution <{ds}/dist>{access} .")
        out.append(f"<{ds}/dist> a dcat:Distribution ; dcat:accessURL <{base}api/{it['slug']}> ; "
                   f"dcat:downloadURL <{base}filer/{it['slug']}.csv> ; "
                   f"dct:format <{EU}file-type/{it.get('format', 'CSV')}> ; "
                   "dct:license <http://creativecommons.org/publicdomain/zero/1.0/> .")
    return "\n".join(out) + "\n"


@pytest.fixture
def harvested(http_server, add_source, harvest):
    """The 8-record DCAT fixture (tests/fixtures/dcat/EXPECTED.md) as source "fx"."""
    add_source("fx", http_server.url("dcat/catalog.ttl"))
    job = harvest("fx")
    assert job.status == "succeeded", job.message


def _get(client, **params: Any):
    resp = client.get("/api/datasets/export", params=params)
    assert resp.status_code == 200, resp.text
    return resp


def _csv_rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_export_path_is_matched_before_the_dataset_id_route(client, harvested):
    from api.routes import ROUTERS

    # routers mount in the listed order: the fixed path has to come first or "export" is taken for an id
    paths = [route.path for router in ROUTERS for route in router.routes]
    assert paths.index("/api/datasets/export") < paths.index("/api/datasets/{dataset_id}")
    resp = _get(client, format="json")
    assert isinstance(resp.json(), list) and len(resp.json()) == 8


def test_csv_has_the_handout_columns_for_every_matching_dataset(client, harvested):
    resp = _get(client, format="csv")
    assert resp.headers["content-type"].startswith("text/csv")
    assert 'attachment; filename="datakatalog-export-' in resp.headers["content-disposition"]
    rows = _csv_rows(resp.content)
    assert list(rows[0]) == list(rows_module.COLUMNS)
    assert {r["title"] for r in rows} == ALL_TITLES
    bad = next(r for r in rows if r["title"] == "Badplatser")
    assert bad["publisher"] == "Stockholms stad"
    assert bad["licence"] == "CC-BY-4.0"
    assert bad["access"] == "open"
    assert bad["formats"] == "CSV"
    assert set(bad["keywords"].split("; ")) == {"bad", "badplats", "swimming"}
    assert bad["themes"] == "Miljö; Hälsa"
    assert bad["landing_page"] == "https://fixtures.example.se/sida/badplatser"
    assert bad["download_urls"] == "https://fixtures.example.se/filer/badplatser.csv"
    assert bad["modified"] == "2024-03-15T10:30:00"
    assert bad["catalogue_url"] == f"http://datakatalog.test/api/datasets/{bad['id']}"
    geo = next(r for r in rows if r["title"] == "Kommungränser")
    assert geo["access_urls"] == "https://geo.fixtures.example.se/wms?service=WMS&request=GetCapabilities"


def test_export_takes_the_search_filters_and_order(client, harvested):
    rows = _csv_rows(_get(client, format="csv", theme="ENVI", sort="title").content)
    assert [r["title"] for r in rows] == ["Badplatser", "Luftkvalitet"]
    # lower case names the export format; the EU upper-case code filters, as in search
    items = _get(client, format=["json", "GEOJSON"]).json()
    assert [i["title"] for i in items] == ["Kommungränser"]
    items = _get(client, format="json", q="badplatser").json()
    assert "Badplatser" in [i["title"] for i in items]


def test_access_column_says_open_restricted_or_not_public(client, http_server, add_source, harvest):
    base = "https://access.example.se/"
    http_server.set("access.ttl", small_catalog(base, [
        {"slug": "a", "title": "Öppen"}, {"slug": "b", "title": "Begränsad", "access": "RESTRICTED"},
        {"slug": "c", "title": "Icke publik", "access": "NON_PUBLIC"}, {"slug": "d", "title": "Publik",
                                                                          "access": "PUBLIC"}]))
    add_source("acc", http_server.url("access.ttl"))
    assert harvest("acc").status == "succeeded"
    rows = {r["title"]: r["access"] for r in _csv_rows(_get(client, format="csv").content)}
    assert rows == {"Öppen": "open", "Begränsad": "API key / restricted", "Icke publik": "not public",
                    "Publik": "open"}


def test_export_filters_by_type_and_access(client, http_server, add_source, harvest, harvested):
    items = _get(client, format="json", type="dataservice").json()
    assert [i["title"] for i in items] == ["Badplats-API"]
    assert [i["type"] for i in items] == ["dataservice"]
    base = "https://access.example.se/"
    http_server.set("access.ttl", small_catalog(base, [
        {"slug": "b", "title": "Begränsad", "access": "RESTRICTED"},
        {"slug": "c", "title": "Icke publik", "access": "NON_PUBLIC"}]))
    add_source("acc", http_server.url("access.ttl"))
    assert harvest("acc").status == "succeeded"
    rows = _csv_rows(_get(client, format="csv", access=["restricted", "non-public"], sort="title").content)
    assert [(r["title"], r["access"]) for r in rows] == [("Begränsad", "API key / restricted"),
                                                        ("Icke publik", "not public")]
    rows = _csv_rows(_get(client, format="csv", access="open", type="dataset").content)
    assert [r["title"] for r in rows] == ["Badplatser"]


def test_json_export_is_one_array_of_search_summaries_with_links(client, harvested):
    items = _get(client, format="json", sort="title").json()
    search = client.get("/api/datasets", params={"sort": "title", "per_page": 100}).json()["items"]
    assert [i["id"] for i in items] == [i["id"] for i in search]
    for mine, theirs in zip(items, search, strict=True):
        assert {k: mine[k] for k in theirs} == theirs
    bad = next(i for i in items if i["title"] == "Badplatser")
    assert bad["links"]["landing_pages"] == ["https://fixtures.example.se/sida/badplatser"]
    assert bad["links"]["download_urls"] == ["https://fixtures.example.se/filer/badplatser.csv"]
    assert bad["links"]["catalogue"] == f"http://datakatalog.test/api/datasets/{bad['id']}"


def test_xlsx_export_is_a_workbook_with_a_row_per_dataset(client, harvested):
    resp = _get(client, format="xlsx", sort="title")
    wb = openpyxl.load_workbook(io.BytesIO(resp.content), read_only=True)
    rows = list(wb["Datasets"].iter_rows(values_only=True))
    assert rows[0] == rows_module.COLUMNS
    assert len(rows) == 9
    bad = next(r for r in rows if r[1] == "Badplatser")
    assert bad[3] == "Stockholms stad" and bad[7] == "CC-BY-4.0" and bad[8] == "open"


def test_markdown_handout_has_heading_count_date_and_a_section_per_dataset(client, harvested):
    text = _get(client, format="md", theme="ENVI", sort="title").text
    lines = text.splitlines()
    assert lines[0] == "# Datasets from datakatalog"
    assert "Search: theme ENVI." in text
    assert "2 datasets, exported from datakatalog" in text
    assert "## 1. Badplatser" in text and "## 2. Luftkvalitet" in text
    section = text.split("## 1. Badplatser")[1].split("## 2.")[0]
    assert "*Stockholms stad*" in section
    assert "- **Formats:** CSV" in section
    assert "(CC-BY-4.0)" in section
    assert "- **Access:** open" in section
    assert "- **Landing page:** <https://fixtures.example.se/sida/badplatser>" in section
    assert "- **Download:** <https://fixtures.example.se/filer/badplatser.csv>" in section


@pytest.mark.parametrize("fmt", ["ttl", "jsonld", "rdf"])
def test_rdf_exports_are_one_document_across_batches(client, harvested, monkeypatch, fmt):
    # batches of 3: the 8 records come out in three batches that must join into one document
    monkeypatch.setattr(rows_module, "BATCH", 3)
    body = _get(client, format=fmt).content
    g = rdflib.Graph().parse(data=body, format=RDF_PARSERS[fmt])
    datasets = set(g.subjects(rdflib.RDF.type, DCAT.Dataset))
    services = set(g.subjects(rdflib.RDF.type, DCAT.DataService))
    assert len(datasets) == 7 and len(services) == 1
    catalogs = list(g.subjects(rdflib.RDF.type, DCAT.Catalog))
    assert [str(c) for c in catalogs] == ["http://datakatalog.test/catalog"]
    assert set(g.objects(catalogs[0], DCAT.dataset)) == datasets
    assert rdflib.URIRef("https://fixtures.example.se/dataset/badplatser") in datasets


def test_empty_export_is_still_a_valid_document(client, harvested):
    assert _get(client, format="json", q="finnsinte").json() == []
    assert _csv_rows(_get(client, format="csv", q="finnsinte").content) == []
    for fmt, parser in RDF_PARSERS.items():
        g = rdflib.Graph().parse(data=_get(client, format=fmt, q="finnsinte").content, format=parser)
        assert not set(g.subjects(rdflib.RDF.type, DCAT.Dataset))


def test_export_is_every_match_not_one_page(client, engine, http_server, add_source, harvest):
    base = "https://many.example.se/"
    http_server.set("many.ttl", small_catalog(base, [{"slug": f"d{n:04d}", "title": f"Mängd {n:04d}"}
                                                     for n in range(1203)]))
    add_source("many", http_server.url("many.ttl"))
    assert harvest("many").status == "succeeded"
    rows = _csv_rows(_get(client, format="csv", sort="title").content)
    assert [r["title"] for r in rows] == [f"Mängd {n:04d}" for n in range(1203)]


def test_unknown_export_format_is_refused(client, harvested):
    for params in ({"format": "pdf"}, {"format": ["csv", "json"]}):
        resp = client.get("/api/datasets/export", params=params)
        assert resp.status_code == 422, params
        assert [e["field"] for e in resp.json()["errors"]] == ["format"], params


def test_cli_export_writes_the_file(harvested, db_url, tmp_path, monkeypatch):
    from api.cli import app
    from catalog.settings import get_settings

    monkeypatch.delenv("DATAKATALOG_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    out = tmp_path / "envi.json"
    result = CliRunner().invoke(app, ["export", "--theme", "ENVI", "--format", "json", "--out", str(out),
                                      "--db", db_url, "--sort", "title"])
    assert result.exit_code == 0, result.output
    assert [i["title"] for i in json.loads(out.read_text(encoding="utf-8"))] == ["Badplatser", "Luftkvalitet"]
    md = tmp_path / "all.md"
    result = CliRunner().invoke(app, ["export", "--format", "md", "--out", str(md), "--db", db_url])
    assert result.exit_code == 0, result.output
    assert "8 datasets, exported from datakatalog" in md.read_text(encoding="utf-8")
    api = tmp_path / "api.json"
    result = CliRunner().invoke(app, ["export", "--type", "dataservice", "--format", "json", "--out", str(api),
                                      "--db", db_url])
    assert result.exit_code == 0, result.output
    assert [i["title"] for i in json.loads(api.read_text(encoding="utf-8"))] == ["Badplats-API"]
    result = CliRunner().invoke(app, ["export", "--access", "open", "--access", "restricted", "--format", "json",
                                      "--out", str(api), "--db", db_url])
    assert result.exit_code == 0, result.output
    assert [i["title"] for i in json.loads(api.read_text(encoding="utf-8"))] == ["Badplatser"]
    bad = CliRunner().invoke(app, ["export", "--format", "pdf", "--out", str(md), "--db", db_url])
    assert bad.exit_code == 1
