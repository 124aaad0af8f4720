"""The ``datakatalog`` command line: the contract scripts rely on (README.md, "Command line").

Most tests drive ``api.cli.app`` in-process with typer's CliRunner against a real database (SQLite
file, or a PostgreSQL schema when DATAKATALOG_TEST_POSTGRES_URL is set) and a real local HTTP
server. The demo tests run the installed console script as a subprocess, end to end, on SQLite.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from api.cli import app
from catalog.services.jobs import get_job
from catalog.settings import get_settings
from catalog.store.engine import init_engine
from tests.conftest import FixtureHTTPServer

CATALOG = "dcat/catalog.ttl"
CATALOG_RECORDS = 8  # 7 datasets + 1 data service (tests/fixtures/dcat/EXPECTED.md)
ENVI_TITLES = {"Badplatser", "Luftkvalitet"}
FACETS = {"publisher", "theme", "format", "license", "keyword", "source", "type", "access", "hvd_category",
          "applicable_legislation"}
HTML = b"<!doctype html><html><head><title>Oops</title></head><body><p>Not here</p></body></html>"


# -- helpers ----------------------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Loopback sources allowed (the fixture server is on 127.0.0.1), no ambient database URL.

    COLUMNS=80 pins rich's console width (otherwise it follows whatever terminal runs pytest), so
    output is what a script reading a pipe gets.
    """
    monkeypatch.setenv("DATAKATALOG_ALLOW_PRIVATE_SOURCES", "1")
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.delenv("DATAKATALOG_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


@pytest.fixture
def cli(cli_env: pytest.MonkeyPatch, db_url: str) -> Any:
    """Run a command against the test database: ``cli("source", "list", "--json")``."""
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, [*args, "--db", db_url])

    return run


def flat(text: str) -> str:
    """Rich wraps long lines at the console width: compare text with whitespace collapsed."""
    return " ".join(text.split())


def stdout_json(result: Result) -> Any:
    """stdout must be exactly one JSON document (progress and logs go to stderr)."""
    return json.loads(result.stdout)


def assert_one_line_error(result: Result, *fragments: str) -> str:
    """Exit 1 through a clean exit (no exception escaping), one ``error:`` line on stderr."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def assert_error(result: Result, *fragments: str) -> str:
    """Exit 1 through a clean exit with an ``error:`` message on stderr (however rich wraps it)."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    message = flat(result.stderr)
    assert message.startswith("error: "), message
    for fragment in fragments:
        assert fragment in message, message
    return message


def add_source(cli: Any, name: str, url: str) -> None:
    result = cli("source", "add", name, "--kind", "dcat", "--url", url)
    assert result.exit_code == 0, result.output


def harvest_json(cli: Any, name: str) -> dict[str, Any]:
    result = cli("harvest", name, "--json")
    assert result.exit_code == 0, result.output
    report = stdout_json(result)
    assert isinstance(report, dict)
    return report


def search_json(cli: Any, *args: str) -> dict[str, Any]:
    result = cli("search", *args, "--json")
    assert result.exit_code == 0, result.output
    data = stdout_json(result)
    assert isinstance(data, dict)
    return data


def titles(result: dict[str, Any]) -> list[str | None]:
    return [item["title"] for item in result["items"]]


def sources_json(cli: Any) -> list[dict[str, Any]]:
    result = cli("source", "list", "--json")
    assert result.exit_code == 0, result.output
    rows = stdout_json(result)
    assert isinstance(rows, list)
    return rows


@pytest.fixture
def harvested(cli: Any, http_server: FixtureHTTPServer) -> dict[str, Any]:
    """Source ``fx`` registered on the fixture catalogue and harvested once; its job report."""
    add_source(cli, "fx", http_server.url(CATALOG))
    return harvest_json(cli, "fx")


# -- source add -------------------------------------------------------------------------------


def test_source_add_prints_the_registered_source(cli: Any, http_server: FixtureHTTPServer) -> None:
    url = http_server.url(CATALOG)
    result = cli("source", "add", "fx", "--kind", "dcat", "--url", url)
    assert result.exit_code == 0, result.output
    text = flat(result.stdout)
    assert "Registered source fx" in text
    assert "dcat" in text
    assert url in text
    [row] = sources_json(cli)
    assert (row["name"], row["kind"], row["url"]) == ("fx", "dcat", url)
    assert f"id {row['id']}" in text


def test_source_add_refuses_a_taken_name_with_a_one_line_error(cli: Any, http_server: FixtureHTTPServer) -> None:
    add_source(cli, "fx", http_server.url(CATALOG))
    result = cli("source", "add", "fx", "--kind", "dcat", "--url", http_server.url("dcat/catalog.rdf"))
    assert_one_line_error(result, "'fx'", "exists already")
    [row] = sources_json(cli)
    assert row["url"] == http_server.url(CATALOG)  # the first registration is untouched


def test_source_add_refuses_an_unknown_kind_naming_the_known_kinds(cli: Any, http_server: FixtureHTTPServer) -> None:
    result = cli("source", "add", "fx", "--kind", "sparql", "--url", http_server.url(CATALOG))
    line = assert_one_line_error(result, "'sparql'", "known kinds")
    assert re.search(r"known kinds: .*\bdcat\b", line), line
    assert sources_json(cli) == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://ftp.example.se/catalog.ttl"])
def test_source_add_refuses_urls_that_are_not_http(cli: Any, url: str) -> None:
    result = cli("source", "add", "fx", "--kind", "dcat", "--url", url)
    assert_one_line_error(result, "only http and https")
    assert sources_json(cli) == []


def test_source_add_refuses_loopback_unless_private_sources_are_allowed(
    cli: Any, cli_env: pytest.MonkeyPatch, http_server: FixtureHTTPServer
) -> None:
    cli_env.setenv("DATAKATALOG_ALLOW_PRIVATE_SOURCES", "0")
    get_settings.cache_clear()
    result = cli("source", "add", "fx", "--kind", "dcat", "--url", http_server.url(CATALOG))
    assert_error(result, "127.0.0.1", "loopback", "DATAKATALOG_ALLOW_PRIVATE_SOURCES")
    assert sources_json(cli) == []


def test_a_long_error_message_is_still_printed_on_one_line(
    cli: Any, cli_env: pytest.MonkeyPatch, http_server: FixtureHTTPServer
) -> None:
    # errors.py: "the CLI [renders them] as one line and exit 1"; scripts read stderr line by line,
    # so rich must not fold a message longer than the console width (80 in a pipe)
    cli_env.setenv("DATAKATALOG_ALLOW_PRIVATE_SOURCES", "0")
    get_settings.cache_clear()
    result = cli("source", "add", "fx", "--kind", "dcat", "--url", http_server.url(CATALOG))
    line = assert_one_line_error(result, "DATAKATALOG_ALLOW_PRIVATE_SOURCES")
    assert len(line) > 80


def test_db_option_takes_a_plain_file_path_as_sqlite(cli_env: pytest.MonkeyPatch, tmp_path: Path,
                                                     http_server: FixtureHTTPServer) -> None:
    runner = CliRunner()
    db = tmp_path / "sub" / "plain.db"
    result = runner.invoke(app, ["source", "add", "fx", "--kind", "dcat", "--url", http_server.url(CATALOG),
                                 "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert db.is_file()
    listed = runner.invoke(app, ["source", "list", "--json", "--db", str(db)])
    assert [row["name"] for row in json.loads(listed.stdout)] == ["fx"]


# -- source list ------------------------------------------------------------------------------


def test_source_list_json_before_any_harvest_has_zero_counts_and_no_job(
    cli: Any, http_server: FixtureHTTPServer
) -> None:
    add_source(cli, "fx", http_server.url(CATALOG))
    [row] = sources_json(cli)
    assert row["name"] == "fx"
    assert row["kind"] == "dcat"
    assert row["url"] == http_server.url(CATALOG)
    assert row["datasets"] == {"active": 0, "withdrawn": 0}
    assert row["last_job"] is None


def test_source_list_json_gives_each_source_with_dataset_counts_and_latest_job(
    cli: Any, http_server: FixtureHTTPServer, harvested: dict[str, Any]
) -> None:
    add_source(cli, "paged", http_server.url("dcat/paged/page1.ttl"))
    rows = sources_json(cli)
    assert [r["name"] for r in rows] == ["fx", "paged"]
    fx, paged = rows
    assert fx["kind"] == "dcat"
    assert fx["url"] == http_server.url(CATALOG)
    assert fx["datasets"] == {"active": CATALOG_RECORDS, "withdrawn": 0}
    assert fx["last_job"]["id"] == harvested["id"]
    assert fx["last_job"]["status"] == "succeeded"
    assert paged["datasets"] == {"active": 0, "withdrawn": 0}
    assert paged["last_job"] is None


def test_source_list_table_names_each_source_and_its_counts(cli: Any, harvested: dict[str, Any]) -> None:
    result = cli("source", "list")
    assert result.exit_code == 0, result.output
    assert "fx" in result.stdout
    assert "dcat" in result.stdout
    assert f"succeeded #{harvested['id']}" in result.stdout
    assert re.search(rf"\b{CATALOG_RECORDS}\b", result.stdout)


# -- harvest ----------------------------------------------------------------------------------


def test_harvest_prints_a_human_summary_with_the_counts(cli: Any, http_server: FixtureHTTPServer) -> None:
    add_source(cli, "fx", http_server.url(CATALOG))
    result = cli("harvest", "fx")
    assert result.exit_code == 0, result.output
    text = flat(result.stdout)
    assert "fx: succeeded" in text
    for phrase in (f"{CATALOG_RECORDS} listed", f"{CATALOG_RECORDS} added", "0 updated", "0 unchanged",
                   "0 withdrawn", "1 invalid", "0 failed"):
        assert phrase in text, text
    job_id = int(re.search(r"\(job (\d+)\)", text).group(1))  # type: ignore[union-attr]
    assert stdout_json(cli("job", str(job_id), "--json"))["counts"]["added"] == CATALOG_RECORDS


def test_harvest_json_prints_exactly_one_job_report(cli: Any, http_server: FixtureHTTPServer) -> None:
    add_source(cli, "fx", http_server.url(CATALOG))
    result = cli("harvest", "fx", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)  # raises if anything but one JSON document is on stdout
    assert report["source"] == "fx"
    assert report["status"] == "succeeded"
    assert report["message"] is None
    assert report["counts"] == {"seen": 8, "added": 8, "updated": 0, "unchanged": 0, "withdrawn": 0,
                                "held": 0, "invalid": 1, "failed": 0}
    added_refs = {c["ref"] for c in report["changes"]["added"]}
    assert len(report["changes"]["added"]) == CATALOG_RECORDS
    assert {"https://fixtures.example.se/dataset/badplatser",
            "https://fixtures.example.se/service/bad-api"} <= added_refs
    assert report["changes"]["withdrawn"] == []


def test_harvest_json_groups_problems_by_the_rule_broken(harvested: dict[str, Any]) -> None:
    groups = {g["rule"]: g for g in harvested["problems"]}
    assert "dataset-title" in groups
    title = groups["dataset-title"]
    assert title["count"] == len(title["records"]) == 1
    assert title["severity"] == "violation"
    assert title["path"] == "dcat:Dataset/dct:title"
    assert title["message_sv"] and title["message_en"]
    [record] = title["records"]
    assert record["ref"] == "https://fixtures.example.se/dataset/utan-titel"
    assert record["outcome"] == "invalid"
    # every invalid record the counts announce is listed in a group: the report is complete
    invalid = sum(1 for g in harvested["problems"] for r in g["records"] if r["outcome"] == "invalid")
    assert invalid == harvested["counts"]["invalid"]


def test_harvest_again_reports_every_record_unchanged(cli: Any, harvested: dict[str, Any]) -> None:
    again = harvest_json(cli, "fx")
    assert again["id"] != harvested["id"]
    assert again["status"] == "succeeded"
    assert again["counts"]["unchanged"] == CATALOG_RECORDS
    assert again["counts"]["added"] == again["counts"]["updated"] == again["counts"]["withdrawn"] == 0
    assert again["counts"]["invalid"] == 1
    assert "dataset-title" in {g["rule"] for g in again["problems"]}


def test_harvest_accepts_a_source_id_instead_of_its_name(cli: Any, http_server: FixtureHTTPServer) -> None:
    add_source(cli, "fx", http_server.url(CATALOG))
    [row] = sources_json(cli)
    report = harvest_json(cli, str(row["id"]))
    assert report["source"] == "fx"
    assert report["counts"]["added"] == CATALOG_RECORDS


def test_harvest_all_json_gives_a_list_of_reports_one_per_source(
    cli: Any, http_server: FixtureHTTPServer
) -> None:
    add_source(cli, "fx", http_server.url(CATALOG))
    add_source(cli, "paged", http_server.url("dcat/paged/page1.ttl"))
    result = cli("harvest", "--all", "--json")
    assert result.exit_code == 0, result.output
    reports = stdout_json(result)
    assert isinstance(reports, list)
    by_source = {r["source"]: r for r in reports}
    assert set(by_source) == {"fx", "paged"}
    assert all(r["status"] == "succeeded" for r in reports)
    assert by_source["fx"]["counts"]["added"] == CATALOG_RECORDS
    assert by_source["paged"]["counts"]["added"] == 9
    assert by_source["paged"]["requests"] == 3
    assert search_json(cli)["total"] == CATALOG_RECORDS + 9


def test_harvest_all_json_with_a_single_source_is_still_a_list(cli: Any, harvested: dict[str, Any]) -> None:
    result = cli("harvest", "--all", "--json")
    assert result.exit_code == 0, result.output
    reports = stdout_json(result)
    assert isinstance(reports, list)
    assert [r["source"] for r in reports] == ["fx"]


BROKEN = {
    "http-500": (b"Internal Server Error", "text/plain", 500, "500"),
    "html-as-turtle": (HTML, "text/turtle", 200, "HTML"),
}


@pytest.mark.parametrize("broken", list(BROKEN))
def test_failed_harvest_exits_1_with_a_failed_report_and_keeps_earlier_datasets(
    cli: Any, http_server: FixtureHTTPServer, broken: str
) -> None:
    url = http_server.set_fixture("live/catalog.ttl", CATALOG)
    add_source(cli, "fx", url)
    first = harvest_json(cli, "fx")
    assert first["counts"]["added"] == CATALOG_RECORDS
    before = search_json(cli, "--per-page", "100")
    assert before["total"] == CATALOG_RECORDS

    body, content_type, status, hint = BROKEN[broken]
    http_server.set("live/catalog.ttl", body, content_type, status)
    result = cli("harvest", "fx", "--json")
    assert result.exit_code == 1, result.output
    report = stdout_json(result)
    assert report["status"] == "failed"
    assert report["message"] and hint in report["message"], report["message"]
    assert report["counts"]["added"] == report["counts"]["withdrawn"] == 0
    assert report["changes"]["withdrawn"] == []

    after = search_json(cli, "--per-page", "100")
    assert after["total"] == CATALOG_RECORDS
    assert {i["id"] for i in after["items"]} == {i["id"] for i in before["items"]}
    assert search_json(cli, "--status", "withdrawn")["total"] == 0
    [row] = sources_json(cli)
    assert row["datasets"] == {"active": CATALOG_RECORDS, "withdrawn": 0}
    assert row["last_job"]["status"] == "failed"


def test_failed_harvest_prints_the_reason_and_exits_1(cli: Any, http_server: FixtureHTTPServer) -> None:
    add_source(cli, "gone", http_server.url("dcat/missing.ttl"))
    result = cli("harvest", "gone")
    assert result.exit_code == 1, result.output
    text = flat(result.stdout)
    assert "gone: failed" in text
    assert "404" in text


def test_harvest_all_exits_1_when_one_source_fails_but_harvests_the_others(
    cli: Any, http_server: FixtureHTTPServer
) -> None:
    add_source(cli, "fx", http_server.url(CATALOG))
    add_source(cli, "html", http_server.set("html.ttl", HTML, "text/turtle"))
    result = cli("harvest", "--all", "--json")
    assert result.exit_code == 1, result.output
    by_source = {r["source"]: r for r in stdout_json(result)}
    assert by_source["fx"]["status"] == "succeeded"
    assert by_source["html"]["status"] == "failed"
    assert search_json(cli)["total"] == CATALOG_RECORDS


def test_harvest_of_a_loopback_source_fails_when_private_sources_are_no_longer_allowed(
    cli: Any, cli_env: pytest.MonkeyPatch, http_server: FixtureHTTPServer
) -> None:
    add_source(cli, "fx", http_server.url(CATALOG))
    cli_env.setenv("DATAKATALOG_ALLOW_PRIVATE_SOURCES", "0")
    get_settings.cache_clear()
    result = cli("harvest", "fx", "--json")
    assert result.exit_code == 1, result.output
    report = stdout_json(result)
    assert report["status"] == "failed"
    assert "loopback" in report["message"]
    assert http_server.hits == []  # refused before any request was made


def test_harvest_of_an_unknown_source_exits_1_naming_it(cli: Any, harvested: dict[str, Any]) -> None:
    result = cli("harvest", "nope", "--json")
    assert_one_line_error(result, "no source", "'nope'")
    assert result.stdout.strip() == ""
    [row] = sources_json(cli)
    assert row["last_job"]["id"] == harvested["id"]  # no job was started


def test_harvest_with_an_unknown_name_among_known_ones_harvests_nothing(
    cli: Any, http_server: FixtureHTTPServer
) -> None:
    add_source(cli, "fx", http_server.url(CATALOG))
    result = cli("harvest", "fx", "nope")
    assert_one_line_error(result, "no source", "'nope'")
    assert http_server.hits == []
    assert sources_json(cli)[0]["last_job"] is None


def test_harvest_without_a_name_or_all_asks_for_one(cli: Any) -> None:
    assert_one_line_error(cli("harvest"), "--all")


# -- search -----------------------------------------------------------------------------------


def test_search_json_has_the_api_shape_total_items_and_facets(cli: Any, harvested: dict[str, Any]) -> None:
    result = search_json(cli, "badplatser")
    assert result["total"] >= 1
    assert result["page"] == 1
    assert result["per_page"] == 20
    assert titles(result)[0] == "Badplatser"
    item = result["items"][0]
    for field in ("id", "uri", "title", "description", "publisher", "formats", "license", "access",
                  "modified", "status"):
        assert field in item, field
    assert item["uri"] == "https://fixtures.example.se/dataset/badplatser"
    assert item["formats"] == ["CSV"]
    assert item["status"] == "active"
    assert set(result["facets"]) == FACETS
    for entries in result["facets"].values():
        for entry in entries:
            assert set(entry) >= {"value", "label", "count"}


def test_search_json_is_the_same_answer_as_the_api(
    cli: Any, harvested: dict[str, Any], client: TestClient
) -> None:
    for args, params in [((), {}), (("badplatser",), {"q": "badplatser"}),
                         (("--theme", "ENVI", "--format", "CSV"), {"theme": "ENVI", "format": "CSV"}),
                         (("--sort", "title", "--per-page", "3", "--page", "2"),
                          {"sort": "title", "per_page": 3, "page": 2})]:
        from_cli = search_json(cli, *args)
        response = client.get("/api/datasets", params=params)
        assert response.status_code == 200, response.text
        from_api = response.json()
        assert from_cli["total"] == from_api["total"], args
        assert (from_cli["page"], from_cli["per_page"]) == (from_api["page"], from_api["per_page"])
        assert [i["id"] for i in from_cli["items"]] == [i["id"] for i in from_api["items"]], args
        assert from_cli["facets"] == from_api["facets"], args


def test_search_with_empty_text_lists_every_active_dataset(cli: Any, harvested: dict[str, Any]) -> None:
    result = search_json(cli)
    assert result["total"] == CATALOG_RECORDS
    assert {s["value"]: s["count"] for s in result["facets"]["source"]} == {"fx": CATALOG_RECORDS}


def test_search_finds_a_swedish_word_whatever_its_case(cli: Any, harvested: dict[str, Any]) -> None:
    result = search_json(cli, "överförmyndarnämnden")
    assert result["total"] >= 1
    assert "Överförmyndarnämndens ärenden" in titles(result)
    assert titles(result)[0] == "Överförmyndarnämndens ärenden"


def test_search_by_theme_returns_only_datasets_with_that_theme(cli: Any, harvested: dict[str, Any]) -> None:
    result = search_json(cli, "--theme", "ENVI")
    assert result["total"] == 2
    assert set(titles(result)) == ENVI_TITLES
    themes = {t["value"]: t for t in result["facets"]["theme"]}
    assert themes["ENVI"]["count"] == 2
    assert themes["ENVI"]["label"] == "Miljö"


def test_search_repeated_theme_ors_and_different_facets_and(cli: Any, harvested: dict[str, Any]) -> None:
    either = search_json(cli, "--theme", "ENVI", "--theme", "TRAN")
    assert set(titles(either)) == ENVI_TITLES | {"Hållplatser i Skåne"}
    both = search_json(cli, "--theme", "ENVI", "--format", "JSON")
    assert titles(both) == ["Luftkvalitet"]


def test_search_filters_by_type_and_access_like_the_api(
    cli: Any, harvested: dict[str, Any], client: TestClient
) -> None:
    services = search_json(cli, "--type", "dataservice")
    assert titles(services) == ["Badplats-API"]
    assert {t["value"]: t["count"] for t in services["facets"]["type"]} == {"dataset": 7, "dataservice": 1}
    open_ = search_json(cli, "--access", "open")
    assert titles(open_) == ["Badplatser"]
    assert open_["facets"]["access"] == [{"value": "open", "label": "Öppen", "count": 1}]
    both = search_json(cli, "--type", "dataset", "--type", "dataservice", "--access", "OPEN")
    api = client.get("/api/datasets", params={"type": ["dataset", "dataservice"], "access": "OPEN"}).json()
    assert [i["id"] for i in both["items"]] == [i["id"] for i in api["items"]]
    assert both["facets"] == api["facets"]


def test_search_text_without_a_match_gives_an_empty_answer(cli: Any, harvested: dict[str, Any]) -> None:
    result = search_json(cli, "zzzyxxyqq")
    assert result["total"] == 0
    assert result["items"] == []


def test_search_table_lists_titles(cli: Any, cli_env: pytest.MonkeyPatch, harvested: dict[str, Any]) -> None:
    cli_env.setenv("COLUMNS", "200")  # wide enough that rich need not fold the title column
    result = cli("search", "--theme", "ENVI")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("2 datasets")
    assert "Badplatser" in result.stdout
    assert "Luftkvalitet" in result.stdout


@pytest.mark.parametrize(("args", "fragment"), [(("--sort", "newest"), "sort: must be one of"),
                                                (("--per-page", "0"), "per_page: must be between 1 and"),
                                                (("--status", "deleted"), "status: must be one of"),
                                                (("--page", "0"), "page: must be between 1 and"),
                                                (("--min-quality", "101"), "min_quality: must be between 0")])
def test_search_with_a_bad_parameter_is_a_one_line_error_naming_it(
    cli: Any, args: tuple[str, ...], fragment: str
) -> None:
    result = cli("search", *args, "--json")
    assert_one_line_error(result, fragment)
    assert result.stdout == ""


# -- job --------------------------------------------------------------------------------------


def test_job_json_gives_the_same_report_as_the_harvest(cli: Any, harvested: dict[str, Any]) -> None:
    result = cli("job", str(harvested["id"]), "--json")
    assert result.exit_code == 0, result.output
    assert stdout_json(result) == harvested


def test_the_streamed_json_report_is_the_services_report(cli: Any, harvested: dict[str, Any], db_url: str) -> None:
    """``--json`` writes the report as it reads its changes from the database (catalog/jsonstream.py);
    the document is the one catalog.services.jobs.get_job builds whole, problems included."""
    engine = init_engine(db_url)
    try:
        whole = json.loads(json.dumps(get_job(engine, harvested["id"]), default=str))
    finally:
        engine.dispose()
    assert harvested == whole
    assert harvested["changes"]["added"] and harvested["problems"]  # both kinds of list are in it


def test_job_shows_counts_and_problems_grouped_by_rule(cli: Any, harvested: dict[str, Any]) -> None:
    result = cli("job", str(harvested["id"]))
    assert result.exit_code == 0, result.output
    text = flat(result.stdout)
    assert f"job {harvested['id']} of fx: succeeded" in text
    assert f"added {CATALOG_RECORDS}" in text
    assert "invalid 1" in text
    assert "dataset-title (violation, 1)" in text
    assert "https://fixtures.example.se/dataset/utan-titel" in text


def test_job_of_a_failed_run_shows_its_message(cli: Any, http_server: FixtureHTTPServer) -> None:
    add_source(cli, "down", http_server.set("down.ttl", b"boom", "text/plain", 500))
    failed = cli("harvest", "down", "--json")
    assert failed.exit_code == 1
    report = stdout_json(failed)
    shown = cli("job", str(report["id"]))
    assert shown.exit_code == 0, shown.output
    text = flat(shown.stdout)
    assert "failed" in text
    assert flat(report["message"]) in text


def test_job_unknown_id_exits_1_naming_it(cli: Any) -> None:
    assert_one_line_error(cli("job", "4242", "--json"), "no job 4242")


# -- errors at the edge -----------------------------------------------------------------------


@pytest.mark.parametrize("url", ["nosuchdb://somewhere/x", "postgresql://nobody@127.0.0.1:1/nothing"],
                         ids=["unknown-dialect", "postgresql-unreachable"])
def test_an_unusable_database_url_is_a_one_line_error_not_a_traceback(
    cli_env: pytest.MonkeyPatch, url: str
) -> None:
    result = CliRunner().invoke(app, ["source", "list", "--json", "--db", url])
    assert_one_line_error(result)
    assert result.stdout == ""


# -- the real console script, end to end (SQLite only) ------------------------------------------


def _datakatalog() -> list[str]:
    script = Path(sys.executable).with_name("datakatalog")
    return [str(script)] if script.exists() else [sys.executable, "-m", "api.cli"]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATAKATALOG_")}
    env["COLUMNS"] = "200"
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_demo_harvests_the_bundled_sources_and_search_finds_them(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    demo = subprocess.run([*_datakatalog(), "demo", "--no-serve", "--db", str(db)], cwd=tmp_path, env=_env(),
                          capture_output=True, text=True, timeout=120)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "Traceback" not in demo.stderr
    assert "succeeded" in demo.stdout
    assert db.is_file()

    search = subprocess.run([*_datakatalog(), "search", "badplatser", "--json", "--db", str(db)], cwd=tmp_path,
                            env=_env(), capture_output=True, text=True, timeout=60)
    assert search.returncode == 0, search.stderr
    result = json.loads(search.stdout)
    assert result["total"] >= 1
    assert any("badplats" in (item["title"] or "").lower() for item in result["items"])
    assert set(result["facets"]) == FACETS
    assert result["facets"]["publisher"]

    # a second demo run on the same database reuses its sources and changes nothing
    again = subprocess.run([*_datakatalog(), "demo", "--no-serve", "--db", str(db)], cwd=tmp_path, env=_env(),
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stdout + again.stderr
    assert re.search(r"\b0 added\b", again.stdout), again.stdout
    recount = subprocess.run([*_datakatalog(), "search", "badplatser", "--json", "--db", str(db)],
                             cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=60)
    assert json.loads(recount.stdout)["total"] == result["total"]


def test_demo_serves_the_api_with_healthz_and_docs(tmp_path: Path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "demo.log").open("w+")
    proc = subprocess.Popen([*_datakatalog(), "demo", "--port", str(port), "--db", str(tmp_path / "demo.db")],
                            cwd=tmp_path, env=_env(), stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        health = None
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            try:
                health = requests.get(f"{base}/healthz", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        log.seek(0)
        assert health is not None, f"demo did not serve within 20 s (exit {proc.poll()}):\n{log.read()}"
        assert health.status_code == 200
        docs = requests.get(f"{base}/docs", timeout=5)
        assert docs.status_code == 200
        assert "swagger" in docs.text.lower() or "openapi" in docs.text.lower()
        found = requests.get(f"{base}/api/datasets", params={"q": "badplatser"}, timeout=5)
        assert found.status_code == 200
        assert found.json()["total"] >= 1
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()
