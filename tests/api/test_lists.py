"""Curated lists: POST /api/lists, GET /api/lists/{id}, PATCH with the edit token, and
GET /api/lists/{id}/export in every export format."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
import rdflib
from sqlalchemy import text

from tests.api.test_exports import DCAT, RDF_PARSERS, small_catalog

BASE = "https://lista.example.se/"
ITEMS = [{"slug": "a", "title": "Cykelvägar"}, {"slug": "b", "title": "Badplatser"},
         {"slug": "c", "title": "Återvinningscentraler", "access": "RESTRICTED"}]


@pytest.fixture
def ids(http_server, add_source, harvest, client) -> dict[str, str]:
    """Three harvested datasets: title -> dataset id."""
    http_server.set("lista.ttl", small_catalog(BASE, ITEMS))
    add_source("lista", http_server.url("lista.ttl"))
    assert harvest("lista").status == "succeeded"
    items = client.get("/api/datasets", params={"per_page": 10}).json()["items"]
    return {i["title"]: i["id"] for i in items}


def _make(client, ids, **extra):
    body = {"title": "Hackathon: miljö", "description": "Data för helgens hackathon.",
            "dataset_ids": [ids["Återvinningscentraler"], ids["Cykelvägar"]], **extra}
    resp = client.post("/api/lists", json=body)
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_created_list_has_an_id_a_token_and_its_datasets_in_order(client, ids, engine):
    made = _make(client, ids)
    assert made["id"] and len(made["edit_token"]) >= 32
    got = client.get(f"/api/lists/{made['id']}").json()
    assert "edit_token" not in got
    assert got["title"] == "Hackathon: miljö" and got["description"] == "Data för helgens hackathon."
    assert [d["title"] for d in got["datasets"]] == ["Återvinningscentraler", "Cykelvägar"]
    first = got["datasets"][0]
    assert first["access_label"] == "API key / restricted"
    assert first["publisher"]["name"] == "Testkommun"
    assert first["links"]["landing_pages"] == [f"{BASE}sida/c"]
    # only a hash of the token is stored
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT token_hash FROM dataset_list WHERE id = :id"), {"id": made["id"]}).scalar()
    assert stored and made["edit_token"] not in stored and len(stored) == 64


def test_patch_needs_the_edit_token(client, ids):
    made = _make(client, ids)
    url = f"/api/lists/{made['id']}"
    assert client.patch(url, json={"title": "Kapat"}).status_code == 401
    assert client.patch(url, json={"title": "Kapat"}, headers={"Authorization": "Bearer fel"}).status_code == 401
    assert client.patch(url, json={"title": "Kapat"}, headers={"X-Edit-Token": "fel"}).status_code == 401
    assert client.get(url).json()["title"] == "Hackathon: miljö"
    resp = client.patch(url, json={"title": "Ny titel", "dataset_ids": [ids["Badplatser"]]},
                        headers={"Authorization": f"Bearer {made['edit_token']}"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["title"] == "Ny titel"
    assert [d["title"] for d in resp.json()["datasets"]] == ["Badplatser"]
    resp = client.patch(url, json={"description": "Annat"}, headers={"X-Edit-Token": made["edit_token"]})
    got = client.get(url).json()
    assert got["description"] == "Annat" and got["title"] == "Ny titel"
    assert [d["title"] for d in got["datasets"]] == ["Badplatser"]


def test_bodies_are_validated_and_unknown_datasets_named(client, ids):
    resp = client.post("/api/lists", json={"title": "X", "dataset_ids": [ids["Badplatser"], "finns-ej", "inte-hel"]})
    assert resp.status_code == 422
    assert "finns-ej" in resp.json()["detail"] and "inte-hel" in resp.json()["detail"]
    assert client.post("/api/lists", json={"title": "", "dataset_ids": []}).status_code == 422
    assert client.post("/api/lists", json={"title": "x" * 201}).status_code == 422
    assert client.post("/api/lists", json={"title": "ok", "description": "y" * 5001}).status_code == 422
    made = _make(client, ids)
    resp = client.patch(f"/api/lists/{made['id']}", json={"dataset_ids": ["saknas"]},
                        headers={"X-Edit-Token": made["edit_token"]})
    assert resp.status_code == 422 and "saknas" in resp.json()["detail"]
    assert client.get("/api/lists/finns-inte").status_code == 404


def test_withdrawn_dataset_stays_in_the_list_with_a_note(client, ids, http_server, harvest):
    made = _make(client, ids)
    # the source stops listing "Cykelvägar" (1 of 3: under the withdrawal limit)
    http_server.set("lista.ttl", small_catalog(BASE, [ITEMS[1], ITEMS[2]]))
    job = harvest("lista")
    assert job.status == "succeeded" and job.withdrawn == 1
    got = client.get(f"/api/lists/{made['id']}").json()
    assert [d["title"] for d in got["datasets"]] == ["Återvinningscentraler", "Cykelvägar"]
    gone = got["datasets"][1]
    assert gone["status"] == "withdrawn"
    assert "Withdrawn" in gone["note"]
    md = client.get(f"/api/lists/{made['id']}/export", params={"format": "md"}).text
    assert "Withdrawn" in md.split("## 2. Cykelvägar")[1]


def test_list_exports_in_every_format_keep_the_list_order(client, ids):
    made = _make(client, ids)
    url = f"/api/lists/{made['id']}/export"
    rows = list(csv.DictReader(io.StringIO(client.get(url, params={"format": "csv"}).content.decode("utf-8-sig"))))
    assert [r["title"] for r in rows] == ["Återvinningscentraler", "Cykelvägar"]
    assert rows[0]["access"] == "API key / restricted"
    assert [i["title"] for i in client.get(url, params={"format": "json"}).json()] == [
        "Återvinningscentraler", "Cykelvägar"]
    wb = openpyxl.load_workbook(io.BytesIO(client.get(url, params={"format": "xlsx"}).content), read_only=True)
    assert [r[1] for r in wb["Datasets"].iter_rows(min_row=2, values_only=True)] == [
        "Återvinningscentraler", "Cykelvägar"]
    md = client.get(url, params={"format": "md"}).text
    assert md.startswith("# Hackathon: miljö\n") and "Data för helgens hackathon." in md
    assert md.index("## 1. Återvinningscentraler") < md.index("## 2. Cykelvägar")
    for fmt, parser in RDF_PARSERS.items():
        resp = client.get(url, params={"format": fmt})
        assert resp.status_code == 200
        g = rdflib.Graph().parse(data=resp.content, format=parser)
        assert {str(s) for s in g.subjects(rdflib.RDF.type, DCAT.Dataset)} == {f"{BASE}dataset/c", f"{BASE}dataset/a"}
    assert client.get(url, params={"format": "pdf"}).status_code == 422
