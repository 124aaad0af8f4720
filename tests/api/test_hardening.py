"""Hostile and odd input never stalls or crashes the API (issue 15): bounded CKAN queries,
validation by URL only with a token, no 500 on ids, cursors, dates and bytes a column cannot hold."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from catalog.services import organisations
from catalog.services.organisations import Principal
from catalog.settings import Settings
from tests.conftest import FIXTURES, FixtureHTTPServer

PROBLEM = "application/problem+json"
SEARCH = "/api/3/action/package_search"
STOCKHOLM = "se2120000142-50b261"  # the publisher id of "Stockholms stad" in the DCAT fixture


@pytest.fixture
def harvested(client: TestClient, http_server: FixtureHTTPServer, add_source: Any, harvest: Any) -> TestClient:
    add_source("fx", http_server.url("dcat/catalog.ttl"))
    assert harvest("fx").status == "succeeded"
    return client


@pytest.fixture
def token(engine: Engine) -> str:
    _org, token = organisations.create_organisation(engine, name="Region Skåne",
                                                    actor=Principal(actor="setup", admin=True))
    return token


def ckan_error(resp: Any, status: int = 409) -> dict[str, Any]:
    """The CKAN error envelope of a refused action."""
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert body["success"] is False and body["help"].endswith(resp.request.url.path.rsplit("/", 1)[-1])
    return dict(body["error"])


def problem_of(resp: Any, status: int = 422) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith(PROBLEM), resp.headers["content-type"]
    body = resp.json()
    assert body["status"] == status and body["detail"]
    return dict(body)


# -- CKAN: linear parsing, bounded work -----------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(("name", "value"), [
    # one long word: the old clause regex backtracked over it quadratically (64 KB took 23 s);
    # just under 64 KB, the longest query string the test client sends
    ("q", "a" * 65_000),
    ("q", "tags:" + "a" * 65_000),
    ("fq", "tags:(" + " OR " * 16_000 + ")"),
    ("fq", "organization:" + "x" * 65_000),
    ("sort", "title_string " + "a" * 65_000),
    ("id", "x" * 65_000),
])
def test_an_over_long_ckan_text_parameter_is_a_validation_error(
    harvested: TestClient, method: str, name: str, value: str,
) -> None:
    action = "package_show" if name == "id" else "package_search"
    path = f"/api/3/action/{action}"
    resp = harvested.get(path, params={name: value}) if method == "GET" else harvested.post(path, json={name: value})
    error = ckan_error(resp)
    assert error["__type"] == "Validation Error"
    assert error["message"].startswith(f"{name}: at most")


def test_a_ckan_query_of_many_terms_is_refused(harvested: TestClient) -> None:
    words = " ".join(f"w{i}" for i in range(100))  # within 500 characters, over the term cap
    error = ckan_error(harvested.get(SEARCH, params={"q": words}))
    assert error["message"] == "q: at most 32 terms (words and field:value clauses)"
    clauses = " ".join(f"tags:t{i}" for i in range(40))
    error = ckan_error(harvested.get(SEARCH, params={"fq": clauses}))
    assert "at most 32 terms" in error["message"]
    within = " ".join(f"w{i}" for i in range(32))
    assert harvested.get(SEARCH, params={"q": within}).json()["success"] is True


def test_clauses_are_still_understood_by_the_linear_parser(harvested: TestClient) -> None:
    def titles(**params: str) -> set[str]:
        resp = harvested.get(SEARCH, params={"rows": "100", **params})
        assert resp.status_code == 200, resp.text
        return {p["title"] for p in resp.json()["result"]["results"]}

    assert titles(fq="res_format:(JSON OR GEOJSON)") == {"Luftkvalitet", "Kommungränser", ""}
    assert titles(fq="res_format:JSON res_format:CSV") == {"Luftkvalitet"}
    assert titles(fq="res_format:JSON AND res_format:CSV") == {"Luftkvalitet"}
    assert titles(q=f'organization:"{STOCKHOLM}"') == {"Badplatser", "Badplats-API"}
    assert titles(q=f'organization:"{STOCKHOLM}" klippbad') == {"Badplatser"}
    assert titles(q="text:klippbad") == {"Badplatser"}
    assert titles(q="*:*") == titles()
    assert titles(q="+groups:envi") == {"Badplatser", "Luftkvalitet"}
    # unterminated quotes and groups, stray colons: text, never an error or a stall
    for odd in ['tags:"bad', "tags:(bad", "a:b:c", ":::", '"', "(", ")", "-tags:x", "tags:"]:
        assert harvested.get(SEARCH, params={"q": odd}).status_code == 200, odd


@pytest.mark.parametrize("params", [
    {"sort": ","}, {"sort": ", title_string asc"}, {"sort": "title_string sideways"}, {"sort": "title a b"},
])
def test_a_malformed_sort_is_a_ckan_error_not_a_500(harvested: TestClient, params: dict[str, str]) -> None:
    error = ckan_error(harvested.get(SEARCH, params=params))
    assert error["__type"] == "Search Query Error" and "sort" in error["message"]


@pytest.mark.parametrize(("action", "body", "field"), [
    ("package_search", {"sort": 5}, "sort"),
    ("package_search", {"q": {"a": 1}}, "q"),
    ("package_search", {"q": ["a", "b"]}, "q"),
    ("package_search", {"rows": 2.5}, "rows"),
    ("package_search", {"rows": True}, "rows"),
    ("package_search", {"rows": "²"}, "rows"),
    ("package_search", {"rows": "1" * 5000}, "rows"),
    ("package_search", {"fq_list": [{"a": 1}]}, "fq_list"),
    ("package_search", {"fq_list": ["tags:x"] * 1000}, "fq_list"),
    ("package_search", {"fq": "[" * 1500}, "fq"),
    ("package_search", {"facet.field": "[" * 400 + "]" * 400}, "facet.field"),
    ("organization_list", {"sort": ","}, "sort"),
    ("organization_list", {"limit": "99999999999999999999999"}, "limit"),
    ("package_show", {"id": "a\x00b"}, "id"),
    ("organization_show", {"id": "a\x00b"}, "id"),
])
def test_odd_ckan_values_are_ckan_errors_naming_the_parameter(
    harvested: TestClient, action: str, body: dict[str, Any], field: str,
) -> None:
    error = ckan_error(harvested.post(f"/api/3/action/{action}", json=body))
    assert error["message"].removeprefix(error["__type"] + ": ").startswith(f"{field}: "), error


def test_a_ckan_body_over_the_limit_is_refused_before_it_is_parsed(harvested: TestClient) -> None:
    resp = harvested.post(SEARCH, content=b'{"q": "' + b"a" * 2_000_000 + b'"}',
                          headers={"Content-Type": "application/json"})
    error = ckan_error(resp, 413)
    assert "body" in error["message"]


def test_ckan_form_posts_are_read(harvested: TestClient) -> None:
    resp = harvested.post(SEARCH, data={"q": "badplatser", "rows": "1"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["result"]["results"][0]["title"] == "Badplatser"
    multipart = harvested.post(SEARCH, files={"q": (None, "badplatser")})
    assert multipart.json()["result"]["count"] >= 1
    upload = harvested.post(SEARCH, files={"q": ("q.txt", b"badplatser", "text/plain")})
    assert "q" in ckan_error(upload)["message"]


def test_an_unknown_long_action_name_is_a_short_ckan_error(harvested: TestClient) -> None:
    error = ckan_error(harvested.get("/api/3/action/" + "x" * 5000), 400)
    assert len(error["message"]) < 300


def test_healthz_answers_while_ten_hostile_searches_run(settings: Settings, engine: Engine,
                                                         http_server: FixtureHTTPServer, add_source: Any,
                                                         harvest: Any) -> None:
    add_source("fx", http_server.url("dcat/catalog.ttl"))
    assert harvest("fx").status == "succeeded"
    hostile: list[dict[str, Any]] = [
        {"q": "a" * 65_536}, {"q": "tags:" + "a" * 200_000}, {"fq": "tags:(" + " OR " * 50_000 + ")"},
        {"q": " ".join(f"w{i}" for i in range(20_000))}, {"q": "a:" * 30_000},
    ]
    stop = threading.Event()
    answered: list[int] = []
    with TestClient(create_app(settings, engine)) as api:
        def attack(i: int) -> None:
            while not stop.is_set():
                answered.append(api.post(SEARCH, json=hostile[i % len(hostile)]).status_code)

        threads = [threading.Thread(target=attack, args=(i,), daemon=True) for i in range(10)]
        for t in threads:
            t.start()
        try:
            time.sleep(0.3)
            slowest = 0.0
            for _ in range(5):
                started = time.monotonic()
                assert api.get("/healthz").status_code == 200
                slowest = max(slowest, time.monotonic() - started)
        finally:
            stop.set()
            for t in threads:
                t.join(30)
    assert slowest < 2.0, f"/healthz took {slowest:.2f} s"
    assert answered and set(answered) <= {409, 413}, set(answered)



# -- POST /api/validate and datakatalog validate -----------------------------------------------

TURTLE = (FIXTURES / "dcat" / "catalog.ttl").read_bytes()
# one literal longer than Oxigraph's 16 MiB token buffer: it refuses with a MemoryError
OVER_BUFFER = b'<https://x.example/d> <http://purl.org/dc/terms/title> "' + b"x" * 17_000_000 + b'" .\n'


def test_validating_by_url_needs_a_token_and_a_document_does_not(
    settings: Settings, engine: Engine, http_server: FixtureHTTPServer, token: str,
) -> None:
    url = http_server.set("k.ttl", TURTLE)
    admin = "admin-token-for-validate-0123456789"
    with TestClient(create_app(settings.model_copy(update={"admin_token": admin}), engine)) as api:
        for headers in ({}, {"Authorization": "Bearer dk_AAAAAAAA_" + "B" * 43}):
            refused = problem_of(api.post("/api/validate", json={"url": url}, headers=headers), 401)
            assert "token" in refused["detail"]
        assert http_server.hits == []  # nothing was fetched for a caller without a token
        for bearer in (token, admin):
            resp = api.post("/api/validate", json={"url": url}, headers={"Authorization": f"Bearer {bearer}"})
            assert resp.status_code == 200, resp.text
            assert resp.json()["source"] == url
        public = api.post("/api/validate", content=TURTLE, headers={"Content-Type": "text/turtle"})
        assert public.status_code == 200 and public.json()["datasets"] == 7


def test_a_document_over_the_size_limit_is_413_problem_json(settings: Settings, engine: Engine) -> None:
    small = settings.model_copy(update={"fetch_max_bytes": 10_000})
    with TestClient(create_app(small, engine)) as api:
        body = problem_of(api.post("/api/validate", content=b"#" + b"x" * 20_000,
                                   headers={"Content-Type": "text/turtle"}), 413)
        assert "10,000-byte limit" in body["detail"]


def test_a_url_over_the_size_limit_is_413_problem_json(
    settings: Settings, engine: Engine, http_server: FixtureHTTPServer, token: str,
) -> None:
    url = http_server.set("big.ttl", b"#" + b"x" * 20_000)
    small = settings.model_copy(update={"fetch_max_bytes": 10_000})
    with TestClient(create_app(small, engine), headers={"Authorization": f"Bearer {token}"}) as api:
        body = problem_of(api.post("/api/validate", json={"url": url}), 413)
        assert "10,000-byte limit" in body["detail"]


def test_a_document_oxigraph_refuses_for_size_is_problem_json_not_500(
    client: TestClient, http_server: FixtureHTTPServer, token: str,
) -> None:
    body = problem_of(client.post("/api/validate", content=OVER_BUFFER, headers={"Content-Type": "text/turtle"}),
                      413)
    assert "too large" in body["detail"]
    url = http_server.set("huge.ttl", OVER_BUFFER)
    body = problem_of(client.post("/api/validate", json={"url": url},
                                  headers={"Authorization": f"Bearer {token}"}), 413)
    assert "too large" in body["detail"] and url in body["detail"]


def _cli(args: list[str], monkeypatch: pytest.MonkeyPatch, **env: str) -> Any:
    from typer.testing import CliRunner

    from api.cli import app
    from catalog.settings import get_settings

    defaults = {"DATAKATALOG_ALLOW_PRIVATE_SOURCES": "true", "DATAKATALOG_FETCH_MAX_BYTES": "50000000"}
    for name, value in {**defaults, **env}.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    return CliRunner().invoke(app, ["validate", *args])


def _one_line_error(result: Any) -> str:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert "Traceback" not in result.output
    return lines[0]


def test_cli_validate_of_an_oversized_url_or_file_is_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, http_server: FixtureHTTPServer, tmp_path: Path,
) -> None:
    url = http_server.set("big.ttl", b"#" + b"x" * 20_000)
    assert "10,000-byte limit" in _one_line_error(_cli([url], monkeypatch, DATAKATALOG_FETCH_MAX_BYTES="10000"))
    big = tmp_path / "big.ttl"
    big.write_bytes(b"#" + b"x" * 20_000)
    assert "10,000-byte limit" in _one_line_error(_cli([str(big)], monkeypatch, DATAKATALOG_FETCH_MAX_BYTES="10000"))
    huge = tmp_path / "huge.ttl"
    huge.write_bytes(OVER_BUFFER)
    assert "too large" in _one_line_error(_cli([str(huge), "--no-shacl"], monkeypatch))
    assert "too large" in _one_line_error(_cli([http_server.set("huge.ttl", OVER_BUFFER)], monkeypatch))


def test_cli_validate_of_an_unreadable_file_is_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    (tmp_path / "folder.ttl").mkdir()
    assert "folder.ttl" in _one_line_error(_cli([str(tmp_path / "folder.ttl")], monkeypatch))
    garbage = tmp_path / "garbage.ttl"
    garbage.write_bytes(b"\xff\xfe\x00 not rdf at all <<<")
    assert "Turtle" in _one_line_error(_cli([str(garbage)], monkeypatch))
    # a regular file whose read fails (EIO), which a test running as root can still make
    assert "Input/output error" in _one_line_error(_cli(["/proc/self/mem"], monkeypatch))
    fifo = tmp_path / "pipe.ttl"
    os.mkfifo(fifo)  # is_file() is False for it: refused before anything blocks on reading it
    assert "pipe.ttl" in _one_line_error(_cli([str(fifo)], monkeypatch))


# -- no 500 on odd input ------------------------------------------------------------------------

ADMIN = "admin-token-for-hardening-0123456789"
BEYOND_32 = 2**31  # INTEGER columns are 32-bit on PostgreSQL
BEYOND_64 = 2**64  # and no database stores this


@pytest.fixture
def admin(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update={"admin_token": ADMIN}), engine),
                    headers={"Authorization": f"Bearer {ADMIN}"}) as api:
        yield api


def field_of(resp: Any) -> str:
    body = problem_of(resp, 422)
    return str(body["errors"][0]["field"])


@pytest.mark.parametrize("number", [BEYOND_32, BEYOND_64, -1, 0])
@pytest.mark.parametrize(("method", "path", "field"), [
    ("GET", "/api/sources/{n}", "source_id"),
    ("GET", "/api/sources/{n}/jobs", "source_id"),
    ("GET", "/api/jobs/{n}", "job_id"),
    ("GET", "/api/organisations/{n}/quality", "organisation_id"),
    ("GET", "/api/audit?before={n}", "before"),
    ("GET", "/api/audit?organisation_id={n}", "organisation_id"),
    ("GET", "/catalog.ttl?page={n}", "page"),
    ("GET", "/api/changes?cursor={n}", "cursor"),
    ("POST", "/api/jobs/{n}/confirm", "job_id"),
    ("POST", "/api/jobs/{n}/reject", "job_id"),
    # routes whose token check looks the source up before the route's own parameters are validated
    ("PATCH", "/api/sources/{n}", "source_id"),
    ("DELETE", "/api/sources/{n}", "source_id"),
    ("POST", "/api/sources/{n}/harvest", "source_id"),
    ("PUT", "/api/sources/{n}/mapping", "source_id"),
    ("POST", "/api/organisations/{n}/publishers", "organisation_id"),
])
def test_ids_and_cursors_out_of_their_columns_range_are_422_naming_the_field(
    admin: TestClient, method: str, path: str, field: str, number: int,
) -> None:
    if number == 0 and field == "cursor":  # the start of the feed: a cursor of 0 is answered
        assert admin.get("/api/changes?cursor=0").status_code == 200
        return
    body = {"schedule": "1d", "publisher": "x"} if method in ("PATCH", "POST") else None
    resp = admin.request(method, path.format(n=number), json=body)
    assert field_of(resp) == field, resp.text


@pytest.mark.parametrize("cursor", ["²", "١٢", "12 ", "+1", "0x10", "1_0", "1" * 5000])
def test_a_cursor_of_anything_but_ascii_digits_is_422(client: TestClient, cursor: str) -> None:
    assert field_of(client.get("/api/changes", params={"cursor": cursor})) == "cursor"


@pytest.mark.parametrize("since", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-23:59"])
def test_a_since_at_the_edge_of_time_is_422_naming_it(client: TestClient, since: str) -> None:
    body = problem_of(client.get("/api/changes", params={"since": since}), 422)
    assert body["errors"][0]["field"] == "since" and "range" in body["detail"]


def test_a_since_at_the_edge_of_time_that_stays_in_range_is_answered(client: TestClient) -> None:
    assert client.get("/api/changes", params={"since": "0001-01-01T00:00:00-01:00"}).json()["count"] == 0
    assert client.get("/api/changes", params={"since": "9999-12-31T23:59:59+01:00"}).json()["count"] == 0


@pytest.mark.parametrize("schedule", ["² * * * *", "0 ² * * *", "*/² * * * *", "١٢m", "5" * 5000 + "m",
                                      "1-" + "9" * 5000 + " * * * *"])
def test_a_schedule_with_digits_int_does_not_read_is_a_field_error(schedule: str) -> None:
    from catalog.errors import FieldError
    from catalog.schedules import parse_schedule

    with pytest.raises(FieldError) as info:
        parse_schedule(schedule)
    assert info.value.field == "schedule"


@pytest.mark.parametrize(("method", "path", "field"), [
    ("GET", "/api/lists/a%00b", "list_id"),
    ("GET", "/api/lists/a%00b/export", "list_id"),
    ("GET", "/api/datasets/a%00b", "dataset_id"),
    ("GET", "/api/publishers/a%00b/quality", "publisher_id"),
])
def test_nul_in_a_path_id_is_422(client: TestClient, method: str, path: str, field: str) -> None:
    assert field_of(client.request(method, path)) == field


def test_nul_in_a_publisher_merge_body_is_422(admin: TestClient) -> None:
    assert field_of(admin.post("/api/publishers/x/merge", json={"publisher": "a\x00b"})) == "publisher"


@pytest.mark.parametrize(("body", "field"), [
    ({"title": "a\x00b"}, "title"),
    ({"title": "t", "description": "a\x00b"}, "description"),
    ({"title": "t", "dataset_ids": ["a\x00b"]}, "dataset_ids.0"),
])
def test_nul_in_a_list_body_is_422(harvested: TestClient, body: dict[str, Any], field: str) -> None:
    assert field_of(harvested.post("/api/lists", json=body)) == field
    created = harvested.post("/api/lists", json={"title": "Min lista"})
    assert created.status_code == 201, created.text
    patched = harvested.patch(f"/api/lists/{created.json()['id']}", json=body,
                              headers={"X-Edit-Token": created.json()["edit_token"]})
    assert field_of(patched) == field


@pytest.mark.parametrize(("body", "where"), [
    (b'{"title": ', "line 1 column 11"),
    (b'{\n  "title": "x",\n  oops\n}', "line 3 column 3"),
    (b"\xff\xfe", "line 1 column 1"),
])
def test_a_body_that_is_not_json_is_problem_json_naming_the_body(client: TestClient, body: bytes, where: str) -> None:
    resp = client.post("/api/lists", content=body, headers={"Content-Type": "application/json"})
    problem = problem_of(resp, 422)
    assert problem["errors"][0]["field"] == "body"
    assert problem["detail"].startswith(f"body is not valid JSON at {where}"), problem["detail"]


def test_headers_with_digits_int_does_not_read_are_ignored_by_the_fetcher(settings: Settings) -> None:
    from harvester.fetch import Fetcher, retry_after
    from tests.harvester import misbehaving

    assert retry_after("²") is None and retry_after("١٢") is None
    body = (FIXTURES / "dcat" / "catalog.ttl").read_bytes()
    with misbehaving.running() as server:
        url = server.route("/odd.ttl", lambda h: h.reply(200, body, "text/turtle", {"Content-Length": "²"},
                                                          declare_length=False))
        assert Fetcher(settings).get(url).body == body


@pytest.mark.parametrize("url", ["http://[abc/x", "http://[::1/x", "https://[not-an-address]/"])
@pytest.mark.parametrize("path", ["/api/sources/preview", "/api/sources", "/api/validate"])
def test_a_url_python_cannot_split_is_422_not_500(admin: TestClient, path: str, url: str) -> None:
    body = {"url": url, "name": "trasig", "kind": "dcat"} if path == "/api/sources" else {"url": url}
    problem = problem_of(admin.post(path, json=body), 422)
    assert "not a valid URL" in problem["detail"]


def test_a_redirect_to_a_url_python_cannot_split_fails_the_fetch(settings: Settings) -> None:
    from harvester.errors import FetchError
    from harvester.fetch import Fetcher
    from tests.harvester import misbehaving

    with misbehaving.running() as server:
        url = server.redirect("/cat.ttl", "http://[::1/elsewhere")
        with pytest.raises(FetchError, match="redirect to an invalid URL"):
            Fetcher(settings).get(url)
