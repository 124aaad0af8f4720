"""POST /api/validate: check a catalogue without storing it."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.services import organisations
from catalog.services.organisations import Principal

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURE = (ROOT / "tests" / "fixtures" / "dcat" / "catalog.ttl").read_bytes()
KOMMUNER = (ROOT / "config" / "demo" / "kommuner.ttl").read_bytes()
PROBLEM = "application/problem+json"


@pytest.fixture
def auth(engine) -> dict[str, str]:
    """An organisation's token: validating by URL makes the server fetch it, so it needs one."""
    _org, token = organisations.create_organisation(engine, name="Region Skåne",
                                                    actor=Principal(actor="setup", admin=True))
    return {"Authorization": f"Bearer {token}"}


def test_post_turtle_document_returns_grouped_report_and_stores_nothing(client):
    resp = client.post("/api/validate", content=FIXTURE, headers={"Content-Type": "text/turtle"})
    assert resp.status_code == 200
    report = resp.json()
    assert report["valid"] is False and report["syntax"] == "Turtle"
    rules = {g["rule"]: g for g in report["problems"]}
    assert rules["dataset-title"]["count"] == 1
    assert rules["dcat-ap:Dataset/dct:title/minCount"]["focus"] == ["https://fixtures.example.se/dataset/utan-titel"]
    assert client.get("/api/datasets").json()["total"] == 0


def test_post_rdfxml_of_own_output_is_valid(client, http_server, add_source, harvest):
    add_source("k", http_server.set("k.ttl", KOMMUNER))
    harvest("k")
    body = client.get("/catalog.rdf").content
    report = client.post("/api/validate", content=body, headers={"Content-Type": "application/rdf+xml"}).json()
    assert report["syntax"] == "RDF/XML"
    assert report["valid"] is True and report["violations"] == 0 and report["datasets"] == 40


def test_post_url_fetches_the_catalogue(client, http_server, auth):
    url = http_server.set("k.ttl", KOMMUNER)
    report = client.post("/api/validate", json={"url": url}, headers=auth).json()
    assert report["source"] == url and report["valid"] is True and report["dataservices"] == 2


def test_unreachable_url_and_garbage_are_problem_json(client, http_server, auth):
    resp = client.post("/api/validate", json={"url": http_server.set("gone", b"", status=404)}, headers=auth)
    assert resp.headers["content-type"].startswith(PROBLEM) and "404" in resp.json()["detail"]
    resp = client.post("/api/validate", content=b"<rdf:RDF broken", headers={"Content-Type": "application/rdf+xml"})
    assert resp.status_code == 422 and resp.headers["content-type"].startswith(PROBLEM)
    resp = client.post("/api/validate", json={"url": ""}, headers=auth)
    assert resp.status_code == 422 and "url" in resp.json()["detail"]
    resp = client.post("/api/validate", content=b"", headers={"Content-Type": "text/turtle"})
    assert resp.status_code == 422
