"""POST /api/sources/preview: a dry run that fetches, maps and checks a source and stores nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, MetaData, func, select

from api.app import create_app
from catalog.services import organisations, sources
from catalog.services.organisations import Principal
from catalog.settings import Settings

FIXTURES = Path(__file__).parent.parent / "fixtures"
CATALOG_TTL = (FIXTURES / "dcat" / "catalog.ttl").read_text(encoding="utf-8")
UTAN_TITEL = "https://fixtures.example.se/dataset/utan-titel"


@pytest.fixture
def token(engine: Engine) -> str:
    _org, token = organisations.create_organisation(engine, name="Region Skåne",
                                                    actor=Principal(actor="setup", admin=True))
    return token


@pytest.fixture
def api(settings: Settings, engine: Engine, token: str) -> Iterator[TestClient]:
    with TestClient(create_app(settings, engine), headers={"Authorization": f"Bearer {token}"}) as c:
        yield c


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table of the database (SQLite's FTS shadow tables included)."""
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in meta.sorted_tables}


def many_datasets(n: int) -> str:
    """A Turtle catalogue of ``n`` datasets; every third lacks a description."""
    out = ["@prefix dcat: <http://www.w3.org/ns/dcat#> .", "@prefix dct: <http://purl.org/dc/terms/> .",
           "@prefix foaf: <http://xmlns.com/foaf/0.1/> .",
           "<https://ex.se/org> a foaf:Organization ; foaf:name \"Exempelkommunen\"@sv ; "
           "dct:type <http://purl.org/adms/publishertype/LocalAuthority> ."]
    for i in range(n):
        desc = "" if i % 3 == 0 else f' ; dct:description "Beskrivning {i}"@sv'
        out.append(f'<https://ex.se/ds/{i}> a dcat:Dataset ; dct:title "Datamängd {i}"@sv ; '
                   f"dct:publisher <https://ex.se/org>{desc} .")
    return "\n".join(out) + "\n"


def preview(api: TestClient, **body: Any) -> dict[str, Any]:
    resp = api.post("/api/sources/preview", json=body)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_preview_stores_nothing(api: TestClient, engine: Engine, http_server: Any) -> None:
    api.post("/api/sources/preview", json={"url": http_server.url("dcat/catalog.ttl")})  # warm every lazy path
    before = row_counts(engine)
    assert "dataset" in before and "audit_log" in before and "revision" in before
    report = preview(api, url=http_server.url("dcat/catalog.ttl"), name="stockholm")
    failed = preview(api, url=http_server.set("broken.ttl", "this is not turtle <<<"))
    assert report["datasets"] == 8 and failed["complete"] is False
    assert row_counts(engine) == before
    assert sources.list_sources(engine) == []
    assert api.get("/api/datasets").json()["total"] == 0


def test_preview_counts_and_names_every_problem_by_rule(api: TestClient, http_server: Any) -> None:
    report = preview(api, url=http_server.url("dcat/catalog.ttl"))
    assert report["stored"] is False
    assert report["complete"] is True
    assert report["fetch_problems"] == []
    assert report["datasets"] == 8
    assert {k: report["counts"][k] for k in ("datasets", "dataservices", "valid", "invalid", "failed")} == {
        "datasets": 7, "dataservices": 1, "valid": 7, "invalid": 1, "failed": 0}
    groups = {g["rule"]: g for g in report["problems"]}
    title = groups["dataset-title"]
    assert title["count"] == 1
    assert title["path"] == "dcat:Dataset/dct:title"
    assert title["severity"] == "violation"
    assert "titel" in title["message_sv"]
    [named] = title["records"]
    assert named["ref"] == UTAN_TITEL
    assert named["dataset_id"]
    sample_titles = {s["title"] for s in report["sample"]}
    assert {"Badplatser", "Luftkvalitet", "Hållplatser i Skåne"} <= sample_titles
    bad = next(s for s in report["sample"] if s["uri"] == "https://fixtures.example.se/dataset/badplatser")
    assert bad["record"]["title"] == {"sv": "Badplatser", "en": "Bathing sites"}
    assert bad["record"]["distributions"][0]["format"] == "CSV"
    assert bad["valid"] is True and bad["violations"] == []


def test_preview_ids_are_the_ids_a_harvest_stores(api: TestClient, http_server: Any, add_source: Any,
                                                  harvest: Any) -> None:
    url = http_server.url("dcat/catalog.ttl")
    report = preview(api, url=url, name="fx")
    add_source("fx", url)
    harvest("fx")
    stored = {i["id"] for i in api.get("/api/datasets", params={"per_page": 100}).json()["items"]}
    assert {s["id"] for s in report["sample"]} == stored
    [named] = next(g for g in report["problems"] if g["rule"] == "dataset-title")["records"]
    assert named["dataset_id"] in stored


def test_preview_sample_is_ten_but_problems_are_complete(api: TestClient, http_server: Any) -> None:
    report = preview(api, url=http_server.set("many.ttl", many_datasets(25)))
    assert report["datasets"] == 25
    assert len(report["sample"]) == 10
    [group] = report["problems"]
    assert group["rule"] == "dataset-description"
    assert group["count"] == 9
    assert sorted(r["ref"] for r in group["records"]) == sorted(f"https://ex.se/ds/{i}" for i in range(0, 25, 3))
    assert {r["title"] for r in group["records"]} == {f"Datamängd {i}" for i in range(0, 25, 3)}
    assert report["counts"]["invalid"] == 9


def test_preview_follows_pages(api: TestClient, http_server: Any) -> None:
    report = preview(api, url=http_server.url("dcat/paged/page1.ttl"))
    assert report["pages"] == 3
    assert report["datasets"] == 9


def test_preview_reports_fetch_problems(api: TestClient, http_server: Any) -> None:
    missing = preview(api, url=http_server.url("nothing-here.ttl"))
    assert missing["complete"] is False
    assert missing["datasets"] == 0
    [problem] = missing["fetch_problems"]
    assert problem["type"] == "SourceHTTPError"
    assert "404" in problem["message"]
    broken = preview(api, url=http_server.set("broken.ttl", "@prefix x: <http://x/> . x:a x:b"))
    assert broken["complete"] is False
    assert broken["fetch_problems"][0]["type"] == "ParseError"
    assert "broken.ttl" in broken["fetch_problems"][0]["message"]


def test_preview_refuses_forbidden_addresses_naming_the_url(api: TestClient) -> None:
    for url, words in (("http://169.254.169.254/latest/meta-data/", "metadata"),
                       ("file:///etc/passwd", "only http and https")):
        resp = api.post("/api/sources/preview", json={"url": url})
        assert resp.status_code == 422, resp.text
        problem = resp.json()
        assert problem["errors"] == [{"field": "url", "message": problem["errors"][0]["message"]}]
        assert words in problem["errors"][0]["message"]


def test_preview_needs_a_token(settings: Settings, engine: Engine, http_server: Any) -> None:
    with TestClient(create_app(settings, engine)) as anonymous:
        resp = anonymous.post("/api/sources/preview", json={"url": http_server.url("dcat/catalog.ttl")})
    assert resp.status_code == 401
    assert http_server.hits == []  # refused before the server fetched anything
