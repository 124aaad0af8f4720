"""/openapi.json documents every JSON answer of the API, and real answers match their models exactly:
each model validates the answer, names every key in it (no extra keys anywhere) and gives back the
same JSON, byte for byte once keys are sorted (no key added, none dropped, no 80 turned into 80.0)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, TypeAdapter

from api import schemas
from api.app import create_app
from catalog.services import organisations

FIXTURES = Path(__file__).parent.parent / "fixtures"
ADMIN_TOKEN = "dk_openapitestadmin_" + "x" * 40
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
PROBLEM = "application/problem+json"
ERROR_MODELS = {"Problem", "HarvestConflict", "CkanFailure"}


# -- the document -----------------------------------------------------------------------------------


@pytest.fixture
def openapi(client: TestClient) -> dict[str, Any]:
    resp = client.get("/openapi.json")
    assert resp.status_code == 200
    doc: dict[str, Any] = resp.json()
    return doc


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def named_properties(doc: dict[str, Any], schema: dict[str, Any]) -> set[str]:
    """The properties an answer's schema names: of the object, or of an array's items."""
    schema = resolve(doc, schema)
    if schema.get("type") == "array":
        schema = resolve(doc, schema.get("items", {}))
    return set(schema.get("properties", {}))


# README's HTTP API table, as (method, path)
ROUTES = {
    ("get", "/api/datasets"), ("get", "/api/datasets/{dataset_id}"), ("get", "/api/datasets/export"),
    ("get", "/api/sources"), ("get", "/api/sources/{source_id}"), ("get", "/api/sources/{source_id}/jobs"),
    ("post", "/api/sources"), ("patch", "/api/sources/{source_id}"), ("delete", "/api/sources/{source_id}"),
    ("post", "/api/sources/preview"), ("post", "/api/sources/{source_id}/harvest"), ("get", "/api/jobs/{job_id}"),
    ("post", "/api/validate"), ("get", "/api/quality/publishers"), ("get", "/api/publishers/{publisher_id}/quality"),
    ("get", "/api/organisations"), ("get", "/api/organisations/{organisation_id}/quality"), ("get", "/api/audit"),
    ("post", "/api/lists"), ("get", "/api/lists/{list_id}"), ("patch", "/api/lists/{list_id}"),
    ("get", "/api/lists/{list_id}/export"), ("get", "/api/changes"), ("get", "/api/3/action/{name}"),
    ("post", "/api/3/action/{name}"), ("get", "/healthz"),
}


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        if path.startswith("/api/") or path == "/healthz":
            for method, operation in item.items():
                yield path, method, operation


def test_every_api_route_documents_its_json_answer_with_named_properties(openapi: dict[str, Any]) -> None:
    found = set()
    for path, method, operation in operations(openapi):
        found.add((method, path))
        ok = {s: r for s, r in operation["responses"].items() if s.startswith("2")}
        assert ok, (method, path)
        for status, response in ok.items():
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            assert schema, f"{method} {path} {status}: no JSON schema"
            assert named_properties(openapi, schema), f"{method} {path} {status}: a schema without properties"
    assert found >= ROUTES


def test_errors_are_documented_as_problem_json_never_fastapis_own_shape(openapi: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in openapi["components"]["schemas"]
    for path, method, operation in operations(openapi):
        for status, response in operation["responses"].items():
            if status.startswith("2"):
                continue
            refs = {c["schema"]["$ref"].rsplit("/", 1)[1] for c in response["content"].values()}
            assert refs <= ERROR_MODELS and len(refs) == 1, (method, path, status, refs)
            if refs != {"CkanFailure"}:  # CKAN answers errors in its own envelope, as CKAN does
                assert PROBLEM in response["content"], (method, path, status)
    responses = openapi["paths"]["/api/sources/{source_id}/harvest"]["post"]["responses"]
    assert set(responses) >= {"202", "401", "403", "404", "409", "422"}
    assert responses["409"]["content"][PROBLEM]["schema"]["$ref"].endswith("/HarvestConflict")
    assert set(openapi["paths"]["/api/datasets/{dataset_id}"]["get"]["responses"]) == {"200", "404", "422"}


def test_key_schemas_name_their_fields(openapi: dict[str, Any]) -> None:
    components = openapi["components"]["schemas"]

    def props(name: str) -> set[str]:
        return set(components[name]["properties"])

    assert props("SearchResult") == {"total", "page", "per_page", "items", "facets", "suggestions"}
    assert {"publisher", "theme", "format", "license", "keyword", "source", "type", "access"} <= props("Facets")
    assert props("FacetValue") == {"value", "label", "count"}
    assert {"id", "uri", "type", "title", "description", "publisher", "formats", "license", "access", "modified",
            "status", "quality", "source"} <= props("DatasetSummary")
    assert {"id", "title", "description", "display", "publisher", "themes", "keywords", "distributions", "license",
            "licence", "access", "contact_points", "quality", "revisions", "status"} <= props("DatasetDetail")
    # language maps: a tag to text
    assert components["DatasetDetail"]["properties"]["title"]["additionalProperties"] == {"type": "string"}
    assert {"id", "name", "kind", "url", "schedule", "datasets", "last_job"} <= props("SourceSummary")
    assert {"id", "status", "counts", "live", "source", "changes", "problems"} <= props("JobReport")
    assert {"rule", "severity", "count", "records", "message_sv", "message_en"} <= props("RuleGroup")
    assert {"id", "title", "count", "datasets", "edit_token"} <= props("CreatedList")
    assert "edit_token" not in props("DatasetList")
    assert props("Problem") == {"type", "title", "status", "detail", "errors"}
    assert set(components["Problem"]["required"]) == {"type", "title", "status", "detail"}
    assert props("FieldProblem") == {"field", "message"}
    assert props("CkanSuccess") == {"help", "success", "result"}
    assert {"items", "next", "next_url", "more"} <= props("ChangeFeed")


def test_dataset_detail_documents_rdf_next_to_json(openapi: dict[str, Any]) -> None:
    content = openapi["paths"]["/api/datasets/{dataset_id}"]["get"]["responses"]["200"]["content"]
    assert content["application/json"]["schema"]["$ref"].endswith("/DatasetDetail")
    assert {"text/turtle", "application/ld+json", "application/rdf+xml", "application/n-triples"} <= set(content)


# -- real answers -----------------------------------------------------------------------------------


def extras(value: Any, where: str = "$") -> list[str]:
    """Where a validated answer holds keys its model does not name."""
    found: list[str] = []
    if isinstance(value, BaseModel):
        found += [f"{where}.{key}" for key in value.model_extra or {}]
        for name in type(value).model_fields:
            found += extras(getattr(value, name), f"{where}.{name}")
    elif isinstance(value, list):
        for n, item in enumerate(value):
            found += extras(item, f"{where}[{n}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            found += extras(item, f"{where}.{key}")
    return found


def conforms(model: Any, body: Any) -> None:
    """``body`` is exactly what ``model`` describes, and comes back from it unchanged."""
    adapter = TypeAdapter(model)
    instance = adapter.validate_python(body)
    assert extras(instance) == [], f"{model}: keys the model does not name"
    again = adapter.dump_python(instance, mode="json", by_alias=True, exclude_unset=True)
    assert orjson.dumps(again, option=orjson.OPT_SORT_KEYS) == orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


@pytest.fixture
def admin(settings, engine) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update={"admin_token": ADMIN_TOKEN}), engine)) as c:
        yield c


@pytest.fixture
def harvested(http_server, add_source, harvest):
    """The 8-record DCAT fixture (7 datasets, 1 data service, some of them invalid) as source "fx"."""
    add_source("fx", http_server.url("dcat/catalog.ttl"))
    job = harvest("fx")
    assert job.status == "succeeded", job.message
    return job


def ok(resp: Any, status: int = 200) -> Any:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    return resp.json()


def test_search_answers_match_their_model(client: TestClient, harvested) -> None:
    for params in ({}, {"q": "badplatser"}, {"theme": "ENVI", "format": ["CSV", "JSON"]}, {"status": "all"},
                   {"type": "dataservice"}, {"sort": "title", "per_page": 3, "page": 2}, {"q": "inget sådant ord"}):
        body = ok(client.get("/api/datasets", params=params))
        conforms(schemas.SearchResult, body)
    assert body["total"] == 0 and body["items"] == []


def test_every_harvested_dataset_matches_the_detail_model(client: TestClient, harvested) -> None:
    items = ok(client.get("/api/datasets", params={"per_page": 100}))["items"]
    assert {item["type"] for item in items} == {"dataset", "dataservice"}
    for item in items:
        conforms(schemas.DatasetDetail, ok(client.get(f"/api/datasets/{item['id']}")))


def test_job_report_and_sources_match_their_models(client: TestClient, harvested) -> None:
    report = ok(client.get(f"/api/jobs/{harvested.id}"))
    assert report["problems"] and report["changes"]["added"]  # the fixture has invalid records
    conforms(schemas.JobReport, report)
    conforms(list[schemas.SourceSummary], ok(client.get("/api/sources")))
    conforms(schemas.SourceSummary, ok(client.get(f"/api/sources/{harvested.source_id}")))
    conforms(list[schemas.JobSummary], ok(client.get(f"/api/sources/{harvested.source_id}/jobs")))
    conforms(schemas.ChangeFeed, ok(client.get("/api/changes", params={"limit": 3})))
    conforms(schemas.Health, ok(client.get("/healthz")))


def test_list_answers_match_their_models(client: TestClient, harvested) -> None:
    ids = [item["id"] for item in ok(client.get("/api/datasets", params={"per_page": 3}))["items"]]
    created = ok(client.post("/api/lists", json={"title": "Bad", "dataset_ids": ids}), 201)
    conforms(schemas.CreatedList, created)
    conforms(schemas.DatasetList, ok(client.get(f"/api/lists/{created['id']}")))
    changed = client.patch(f"/api/lists/{created['id']}", json={"dataset_ids": ids[:1]},
                           headers={"X-Edit-Token": created["edit_token"]})
    conforms(schemas.DatasetList, ok(changed))
    exported = client.get(f"/api/lists/{created['id']}/export", params={"format": "json"})
    conforms(list[schemas.ListedDataset], ok(exported))


def test_problems_match_the_problem_model(client: TestClient, harvested) -> None:
    for resp, status in ((client.get("/api/datasets/no-such-dataset"), 404),
                         (client.get("/api/datasets", params={"per_page": 0}), 422),
                         (client.get("/api/jobs/not-a-number"), 422),
                         (client.patch("/api/lists/nope", json={"title": "x"}), 404)):
        assert resp.status_code == status
        assert resp.headers["content-type"].startswith(PROBLEM)
        conforms(schemas.Problem, resp.json())
    assert client.get("/api/datasets", params={"per_page": 0}).json()["errors"][0]["field"] == "per_page"


def test_writes_quality_and_audit_answers_match_their_models(admin: TestClient, engine, http_server,
                                                            harvested) -> None:
    url = http_server.url("dcat/catalog.ttl")
    org, _token = organisations.create_organisation(engine, name="Testkommun", actor=organisations.local_admin())
    body = {"name": "second", "url": url, "schedule": "6h", "organisation_id": org.id}
    created = ok(admin.post("/api/sources", json=body, headers=ADMIN), 201)
    conforms(schemas.SourceSummary, created)
    conforms(schemas.SourceSummary, ok(admin.patch(f"/api/sources/{created['id']}", json={"schedule": "1d"},
                                                   headers=ADMIN)))
    conforms(schemas.Preview, ok(admin.post("/api/sources/preview", json={"url": url}, headers=ADMIN)))
    validated = admin.post("/api/validate", content=(FIXTURES / "dcat" / "catalog.ttl").read_bytes(),
                           headers={"Content-Type": "text/turtle"})
    conforms(schemas.ValidationReport, ok(validated))
    conforms(schemas.ValidationReport, ok(admin.post("/api/validate", json={"url": url}, headers=ADMIN)))
    publishers = ok(admin.get("/api/quality/publishers"))
    assert publishers
    conforms(list[schemas.PublisherQuality], publishers)
    conforms(schemas.PublisherQuality, ok(admin.get(f"/api/publishers/{publishers[0]['publisher']['id']}/quality")))
    conforms(list[schemas.AuditEntry], ok(admin.get("/api/audit", headers=ADMIN)))
    conforms(list[schemas.Organisation], ok(admin.get("/api/organisations")))
    conforms(schemas.OrganisationQuality, ok(admin.get(f"/api/organisations/{org.id}/quality")))
    exported = admin.get("/api/datasets/export", params={"format": "json", "status": "all"})
    conforms(list[schemas.ListedDataset], ok(exported))
    conforms(schemas.DeletedSource, ok(admin.delete(f"/api/sources/{created['id']}", headers=ADMIN)))
    # last: the harvest runs on in the background until the app stops
    conforms(schemas.JobSummary, ok(admin.post(f"/api/sources/{harvested.source_id}/harvest", headers=ADMIN), 202))


def test_ckan_envelope_matches_its_model(client: TestClient, harvested) -> None:
    conforms(schemas.CkanSuccess, ok(client.get("/api/3/action/package_search", params={"rows": 2})))
    failed = client.get("/api/3/action/no_such_action")
    assert failed.status_code == 400
    conforms(schemas.CkanFailure, failed.json())
