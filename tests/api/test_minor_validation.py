"""Issue 15, problem 9: credentials in source URLs, cron expressions that never fire, and control or
bidi characters in names and titles are refused naming the field; a URL with credentials stored before
is never shown."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from api.app import create_app
from catalog.errors import FieldError
from catalog.schedules import parse_schedule
from catalog.services import organisations
from catalog.services.organisations import Principal
from catalog.settings import Settings
from catalog.store.tables import SRC
from catalog.text import check_text, without_credentials
from harvester.registration import add_source, change_source
from tests.conftest import FixtureHTTPServer

ADMIN = "admin-token-for-minor-validation"
BIDI_AND_CONTROLS = ["\u202e", "\u202a", "\u202d", "\u2066", "\u2069", "\u200e", "\u200f", "\x00", "\x1b",
                     "\x7f", "\x85", "\x9f", "\n", "\t"]


@pytest.fixture
def api(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update={"admin_token": ADMIN}), engine),
                    headers={"Authorization": f"Bearer {ADMIN}"}) as c:
        yield c


def _field_error(resp: Any, field: str) -> str:
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    errors = resp.json()["errors"]
    assert [e["field"] for e in errors] == [field], errors
    return str(errors[0]["message"])


# -- credentials in source URLs -------------------------------------------------------------------


def test_a_source_url_with_a_user_and_password_is_refused_naming_url(api: TestClient,
                                                                     http_server: FixtureHTTPServer) -> None:
    url = http_server.url("dcat/catalog.ttl").replace("http://", "http://user:secret@")
    message = _field_error(api.post("/api/sources", json={"name": "hemlig", "kind": "dcat", "url": url}), "url")
    assert "user name or password" in message and "secret" not in message
    assert all(s["name"] != "hemlig" for s in api.get("/api/sources").json())
    _field_error(api.post("/api/sources", json={"name": "bara-namn", "kind": "dcat",
                                                "url": url.replace("user:secret@", "user@")}), "url")


def test_a_changed_source_url_with_credentials_is_refused(api: TestClient, http_server: FixtureHTTPServer) -> None:
    created = api.post("/api/sources", json={"name": "fx", "kind": "dcat", "url": http_server.url("dcat/catalog.ttl")})
    assert created.status_code == 201, created.text
    url = http_server.url("dcat/catalog.ttl").replace("http://", "http://u:p@")
    _field_error(api.patch(f"/api/sources/{created.json()['id']}", json={"url": url}), "url")


def test_a_stored_url_with_credentials_is_masked_in_sources_and_the_audit_log(
        api: TestClient, engine: Engine, settings: Settings, http_server: FixtureHTTPServer) -> None:
    admin = Principal(actor="admin", admin=True)
    source = add_source(engine, settings, actor=admin, name="gammal", kind="dcat",
                        url=http_server.url("dcat/catalog.ttl"))
    assert source.id is not None
    secret = http_server.url("dcat/catalog.ttl").replace("http://", "http://olle:hemligt@")
    with engine.begin() as conn:  # stored before the rule: the database holds it as it was given
        conn.execute(update(SRC).where(SRC.c.id == source.id).values(url=secret))
    change_source(engine, settings, actor=admin, source_id=source.id, changes={"schedule": "1d"})
    change_source(engine, settings, actor=admin, source_id=source.id,
                  changes={"url": http_server.url("dcat/catalog.ttl")})  # the audit's "before" holds the old URL
    with engine.begin() as conn:
        conn.execute(update(SRC).where(SRC.c.id == source.id).values(url=secret))
    for path in ("/api/sources", f"/api/sources/{source.id}", "/api/audit"):
        body = api.get(path).text
        assert "hemligt" not in body and "olle" not in body, (path, body)
    assert "***@127.0.0.1" in api.get(f"/api/sources/{source.id}").json()["url"]
    before = [e for e in api.get("/api/audit").json() if e["action"] == "source.update"]
    assert any("***@" in str(e["details"]) for e in before)


def test_without_credentials_masks_only_what_is_there() -> None:
    assert without_credentials("https://a:b@x.se/p?q=1") == "https://***@x.se/p?q=1"
    assert without_credentials("https://a@x.se:8080/") == "https://***@x.se:8080/"
    assert without_credentials("https://x.se/a@b") == "https://x.se/a@b"  # an @ in the path is no user


# -- cron expressions that never fire -------------------------------------------------------------


@pytest.mark.parametrize("cron", ["0 0 31 2 *", "0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 30-31 feb *",
                                  "15 3 31 apr *"])
def test_a_cron_expression_that_never_fires_is_refused(cron: str) -> None:
    with pytest.raises(FieldError) as raised:
        parse_schedule(cron)
    assert raised.value.field == "schedule" and "never runs" in raised.value.reason


@pytest.mark.parametrize("cron", ["0 0 29 2 *", "0 0 31 * *", "0 0 31 2,3 *", "0 0 */5 2 *", "0 0 31 */2 *",
                                  "0 0 1-31 2 *"])
def test_a_cron_expression_that_fires_rarely_is_kept(cron: str) -> None:
    assert parse_schedule(cron) is not None


def test_the_api_refuses_a_schedule_that_never_fires(api: TestClient, http_server: FixtureHTTPServer) -> None:
    resp = api.post("/api/sources", json={"name": "aldrig", "kind": "dcat", "url": http_server.url("dcat/catalog.ttl"),
                                          "schedule": "0 0 31 2 *"})
    assert "never runs" in _field_error(resp, "schedule")


# -- control and bidi characters in names and titles ----------------------------------------------


@pytest.mark.parametrize("ch", BIDI_AND_CONTROLS)
def test_check_text_refuses_control_and_bidi_characters(ch: str) -> None:
    with pytest.raises(FieldError) as raised:
        check_text("name", f"Karta{ch}exe.txt")
    assert raised.value.field == "name" and f"U+{ord(ch):04X}" in raised.value.reason


def test_check_text_keeps_letters_of_every_script_and_line_breaks_where_allowed() -> None:
    for text in ("Malmö stad", "Sámediggi", "مدينة", "Åre kommun – data", "日本"):
        assert check_text("name", text) == text
    assert check_text("description", "rad ett\nrad två\ttab", multiline=True)


@pytest.mark.parametrize("ch", ["\u202e", "\u2066", "\x1b", "\x85"])
def test_a_source_name_with_control_or_bidi_characters_is_refused(api: TestClient, http_server: FixtureHTTPServer,
                                                                   ch: str) -> None:
    resp = api.post("/api/sources", json={"name": f"kommun{ch}gpj.exe", "kind": "dcat",
                                          "url": http_server.url("dcat/catalog.ttl")})
    message = _field_error(resp, "name")  # C0 controls: the schema's pattern; the rest: check_text
    assert f"U+{ord(ch):04X}" in message or ord(ch) < 0x20
    assert http_server.hits == []  # refused before the URL was asked anything


@pytest.mark.parametrize("ch", ["\u202e", "\u200f", "\x07"])
def test_a_list_title_or_description_with_control_or_bidi_characters_is_refused(client: TestClient, ch: str) -> None:
    _field_error(client.post("/api/lists", json={"title": f"Lista{ch}", "dataset_ids": []}), "title")
    _field_error(client.post("/api/lists", json={"title": "Lista", "description": f"om{ch}", "dataset_ids": []}),
                 "description")
    made = client.post("/api/lists", json={"title": "Lista", "description": "rad ett\nrad två", "dataset_ids": []})
    assert made.status_code == 201, made.text
    edited = client.patch(f"/api/lists/{made.json()['id']}", json={"title": f"Ny{ch}"},
                          headers={"Authorization": f"Bearer {made.json()['edit_token']}"})
    _field_error(edited, "title")


@pytest.mark.parametrize("ch", ["\u202e", "\u2067", "\x00", "\n", "\x85"])
def test_an_organisation_name_with_control_or_bidi_characters_is_refused(engine: Engine, ch: str) -> None:
    admin = Principal(actor="admin", admin=True)  # organisations are made on the command line
    with pytest.raises(FieldError) as raised:
        organisations.create_organisation(engine, name=f"Region{ch}Skåne", actor=admin)
    assert raised.value.field == "name"
    assert organisations.create_organisation(engine, name="Region  Skåne", actor=admin)[0].name == "Region Skåne"
