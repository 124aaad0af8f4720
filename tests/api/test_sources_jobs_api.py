"""GET /api/sources, /api/sources/{id}, /api/sources/{id}/jobs, /api/jobs/{id} and /healthz."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from api.schemas.sources import JobReport
from catalog.services.jobs import get_job

FIXTURES = Path(__file__).parent.parent / "fixtures"
CATALOG_TTL = (FIXTURES / "dcat" / "catalog.ttl").read_text(encoding="utf-8")
PROBLEM = "application/problem+json"
COUNT_KEYS = {"added", "updated", "unchanged", "withdrawn", "invalid", "failed"}


def _without_geodata_and_new_luft_description(ttl: str) -> str:
    """The fixture with geodata removed and luftkvalitet's description changed."""
    start = ttl.index("# --- geodata")
    end = ttl.index("# --- a dataset that is a blank node")
    out = (ttl[:start] + ttl[end:]).replace("fx:utan-titel , fx:geodata , _:blank1", "fx:utan-titel , _:blank1")
    old = "Timmedelvärden av kvävedioxid och partiklar från stadens mätstationer."
    assert old in out
    return out.replace(old, "Dygnsmedelvärden av kvävedioxid från stadens mätstationer.")


def _only_two_datasets(ttl: str) -> str:
    """The fixture reduced to badplatser and hallplatser (6 of 8 records gone)."""
    start = ttl.index("# --- luftkvalitet")
    out = ttl[:start]  # the publishers, badplatser and hallplatser; nothing after them
    listing = (
        "fx:badplatser , fx:hallplatser , fx:luftkvalitet , fx:overformyndare ,\n"
        "        fx:utan-titel , fx:geodata , _:blank1 ;\n"
        "    dcat:service <https://fixtures.example.se/service/bad-api> ."
    )
    assert listing in out
    return out.replace(listing, "fx:badplatser , fx:hallplatser .")


def _ids_by_title(client) -> dict[str | None, str]:
    items = client.get("/api/datasets", params={"per_page": 100, "status": "all"}).json()["items"]
    return {i["title"]: i["id"] for i in items}


def _get(client, path: str, **params: Any) -> Any:
    resp = client.get(path, params=params)
    assert resp.status_code == 200, resp.text
    return resp.json()


# -- sources ------------------------------------------------------------------------------------


def test_sources_list_registered_source_without_jobs(client, http_server, add_source):
    url = http_server.url("dcat/catalog.ttl")
    add_source("fx", url)
    [source] = _get(client, "/api/sources")
    assert source["name"] == "fx"
    assert source["kind"] == "dcat"
    assert source["url"] == url
    assert source["datasets"] == {"active": 0, "withdrawn": 0}
    assert source["last_job"] is None


def test_sources_list_dataset_counts_and_last_job_after_harvest(client, http_server, add_source, harvest):
    add_source("fx", http_server.url("dcat/catalog.ttl"))
    job = harvest("fx")
    [source] = _get(client, "/api/sources")
    assert source["datasets"] == {"active": 8, "withdrawn": 0}
    last = source["last_job"]
    assert last["id"] == job.id
    assert last["status"] == "succeeded"
    assert last["counts"]["added"] == 8
    assert last["counts"]["invalid"] == 1


def test_sources_are_listed_by_name_each_with_its_own_counts(client, http_server, add_source, harvest):
    add_source("stockholm", http_server.url("dcat/catalog.ttl"))
    add_source("paged", http_server.url("dcat/paged/page1.ttl"))
    harvest("stockholm")
    harvest("paged")
    sources = _get(client, "/api/sources")
    assert [s["name"] for s in sources] == ["paged", "stockholm"]
    by_name = {s["name"]: s for s in sources}
    assert by_name["stockholm"]["datasets"]["active"] == 8
    assert by_name["paged"]["datasets"]["active"] == 9
    assert by_name["paged"]["last_job"]["counts"]["added"] == 9
    assert by_name["paged"]["last_job"]["source_id"] == by_name["paged"]["id"]


def test_source_detail_matches_its_list_entry(client, http_server, add_source, harvest):
    source = add_source("fx", http_server.url("dcat/catalog.ttl"))
    harvest("fx")
    detail = _get(client, f"/api/sources/{source.id}")
    assert detail["name"] == "fx"
    assert detail["datasets"]["active"] == 8
    assert detail == _get(client, "/api/sources")[0]


def test_source_counts_withdrawn_datasets(client, http_server, add_source, harvest):
    add_source("fx", http_server.set("dcat/x.ttl", CATALOG_TTL))
    harvest("fx")
    http_server.set("dcat/x.ttl", _without_geodata_and_new_luft_description(CATALOG_TTL))
    harvest("fx")
    [source] = _get(client, "/api/sources")
    assert source["datasets"] == {"active": 7, "withdrawn": 1}
    assert source["last_job"]["counts"]["withdrawn"] == 1


def test_unknown_source_gives_404_problem(client):
    for path in ("/api/sources/999", "/api/sources/999/jobs"):
        resp = client.get(path)
        assert resp.status_code == 404, path
        assert resp.headers["content-type"].startswith(PROBLEM)
        assert "999" in resp.json()["detail"]


# -- jobs ---------------------------------------------------------------------------------------


def test_source_jobs_are_listed_newest_first(client, http_server, add_source, harvest):
    source = add_source("fx", http_server.url("dcat/catalog.ttl"))
    first = harvest("fx")
    second = harvest("fx")
    third = harvest("fx")
    jobs = _get(client, f"/api/sources/{source.id}/jobs")
    assert [j["id"] for j in jobs] == [third.id, second.id, first.id]
    assert jobs[-1]["counts"]["added"] == 8
    assert jobs[0]["counts"]["added"] == 0
    assert jobs[0]["counts"]["unchanged"] == 8
    assert all(j["status"] == "succeeded" and j["source_id"] == source.id for j in jobs)
    assert [j["id"] for j in _get(client, f"/api/sources/{source.id}/jobs", limit=1)] == [third.id]


def test_source_jobs_list_only_that_sources_jobs(client, http_server, add_source, harvest):
    one = add_source("one", http_server.url("dcat/catalog.ttl"))
    two = add_source("two", http_server.url("dcat/paged/page1.ttl"))
    job_one = harvest("one")
    job_two = harvest("two")
    assert [j["id"] for j in _get(client, f"/api/sources/{one.id}/jobs")] == [job_one.id]
    assert [j["id"] for j in _get(client, f"/api/sources/{two.id}/jobs")] == [job_two.id]


def test_job_report_counts_changes_and_problems_of_first_harvest(client, http_server, add_source, harvest):
    add_source("fx", http_server.url("dcat/catalog.ttl"))
    job = harvest("fx")
    report = _get(client, f"/api/jobs/{job.id}")
    assert report["id"] == job.id
    assert report["source"] == "fx"
    assert report["status"] == "succeeded"
    assert set(report["counts"]) >= COUNT_KEYS
    assert {k: report["counts"][k] for k in COUNT_KEYS} == {
        "added": 8,
        "updated": 0,
        "unchanged": 0,
        "withdrawn": 0,
        "invalid": 1,
        "failed": 0,
    }
    ids = _ids_by_title(client)
    assert {c["dataset_id"] for c in report["changes"]["added"]} == set(ids.values())
    assert report["changes"]["withdrawn"] == []
    groups = {g["rule"]: g for g in report["problems"]}
    title = groups["dataset-title"]
    assert title["count"] == 1
    assert title["severity"] == "violation"
    assert title["path"] == "dcat:Dataset/dct:title"
    assert "titel" in title["message_sv"]
    [record] = title["records"]
    assert record["dataset_id"] == ids[None]
    assert record["ref"] == "https://fixtures.example.se/dataset/utan-titel"


def test_job_report_is_streamed_and_is_the_services_report(client, http_server, add_source, harvest, engine):
    """The report is written as it is read from the database, in the JSON the model documents: the
    document catalog.services.jobs.get_job builds whole, validated by the response model."""
    add_source("fx", http_server.url("dcat/catalog.ttl"))
    job = harvest("fx")
    resp = client.get(f"/api/jobs/{job.id}")
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/json"
    whole = get_job(engine, job.id)
    assert resp.json() == whole
    assert JobReport.model_validate(whole).model_dump(exclude_unset=True) == whole
    assert whole["changes"]["added"] and whole["problems"]


def test_job_report_of_a_rerun_still_lists_every_problem(client, http_server, add_source, harvest):
    add_source("fx", http_server.url("dcat/catalog.ttl"))
    harvest("fx")
    again = harvest("fx")
    report = _get(client, f"/api/jobs/{again.id}")
    assert report["counts"]["unchanged"] == 8
    assert report["counts"]["added"] == 0
    assert report["changes"]["added"] == []
    groups = {g["rule"]: g for g in report["problems"]}
    assert [r["ref"] for r in groups["dataset-title"]["records"]] == ["https://fixtures.example.se/dataset/utan-titel"]


def test_job_report_lists_updated_and_withdrawn_datasets(client, http_server, add_source, harvest):
    add_source("fx", http_server.set("dcat/x.ttl", CATALOG_TTL))
    harvest("fx")
    ids = _ids_by_title(client)
    http_server.set("dcat/x.ttl", _without_geodata_and_new_luft_description(CATALOG_TTL))
    job = harvest("fx")
    report = _get(client, f"/api/jobs/{job.id}")
    assert {k: report["counts"][k] for k in COUNT_KEYS} == {
        "added": 0,
        "updated": 1,
        "unchanged": 6,
        "withdrawn": 1,
        "invalid": 1,
        "failed": 0,
    }
    assert [c["dataset_id"] for c in report["changes"]["updated"]] == [ids["Luftkvalitet"]]
    assert [c["dataset_id"] for c in report["changes"]["withdrawn"]] == [ids["Kommungränser"]]
    assert report["changes"]["added"] == []
    detail = _get(client, f"/api/datasets/{ids['Luftkvalitet']}")
    assert detail["description"]["sv"] == "Dygnsmedelvärden av kvävedioxid från stadens mätstationer."
    assert [r["change"] for r in detail["revisions"]] == ["added", "updated"]


def test_run_that_would_withdraw_most_datasets_holds_withdrawals(client, http_server, add_source, harvest):
    add_source("fx", http_server.set("dcat/x.ttl", CATALOG_TTL))
    harvest("fx")
    http_server.set("dcat/x.ttl", _only_two_datasets(CATALOG_TTL))
    job = harvest("fx")
    report = _get(client, f"/api/jobs/{job.id}")
    assert report["counts"]["withdrawn"] == 0
    assert report["counts"]["held"] == 6
    assert "held" in report["message"]
    assert report["changes"]["withdrawn"] == []
    assert client.get("/api/datasets").json()["total"] == 8
    assert _get(client, "/api/sources")[0]["datasets"] == {"active": 8, "withdrawn": 0}


def test_failed_run_is_reported_and_keeps_every_dataset(client, http_server, add_source, harvest):
    source = add_source("fx", http_server.set("dcat/x.ttl", CATALOG_TTL))
    harvest("fx")
    http_server.set("dcat/x.ttl", "Internal error", content_type="text/plain", status=500)
    failed = harvest("fx")
    report = _get(client, f"/api/jobs/{failed.id}")
    assert report["status"] == "failed"
    assert report["message"]
    assert report["counts"]["withdrawn"] == 0
    jobs = _get(client, f"/api/sources/{source.id}/jobs")
    assert [j["status"] for j in jobs] == ["failed", "succeeded"]
    assert _get(client, "/api/sources")[0]["last_job"]["status"] == "failed"
    assert client.get("/api/datasets").json()["total"] == 8


def test_unknown_job_gives_404_problem(client):
    resp = client.get("/api/jobs/4242")
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith(PROBLEM)
    body = resp.json()
    assert body["status"] == 404
    assert "4242" in body["detail"]


# -- health -------------------------------------------------------------------------------------


def test_healthz_reports_ok_and_counts_active_datasets(client, http_server, add_source, harvest, engine):
    before = _get(client, "/healthz")
    assert before["status"] == "ok"
    assert before["datasets"] == 0
    assert before["database"] == engine.dialect.name
    add_source("fx", http_server.set("dcat/x.ttl", CATALOG_TTL))
    harvest("fx")
    assert _get(client, "/healthz")["datasets"] == 8
    client.get("/api/datasets", params={"q": "luft"})  # a search builds the search indexes
    assert _get(client, "/healthz")["search"]["term_index"] == "ready"
    http_server.set("dcat/x.ttl", _without_geodata_and_new_luft_description(CATALOG_TTL))
    harvest("fx")
    after = _get(client, "/healthz")
    assert after["datasets"] == 7
    assert after["search"]["generation"] is not None
