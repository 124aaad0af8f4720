"""``datakatalog org``: organisations and tokens from the command line (the local administrator)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner, Result

from api.app import create_app
from api.cli import app
from catalog.services import audit, organisations, sources
from catalog.settings import Settings, get_settings

TOKEN = re.compile(r"^dk_[A-Za-z0-9_-]{8}_[A-Za-z0-9_-]{43}$")


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, db_url: str) -> Iterator[Any]:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("DATAKATALOG_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, [*args, "--db", db_url])

    yield run
    get_settings.cache_clear()


def printed_token(result: Result) -> str:
    """The one line of stdout that is a token; there must be exactly one."""
    assert result.exit_code == 0, result.output
    tokens = [line for line in result.stdout.splitlines() if TOKEN.match(line.strip())]
    assert len(tokens) == 1, result.stdout
    return tokens[0].strip()


def test_org_create_prints_a_working_token_once_and_stores_only_its_hash(cli: Any, engine: Engine) -> None:
    result = cli("org", "create", "Stockholms stad")
    token = printed_token(result)
    assert "shown this once" in result.stdout
    principal = organisations.authenticate(engine, token, admin_token=None)
    assert principal is not None and principal.organisation_id is not None
    assert organisations.get_organisation(engine, principal.organisation_id).name == "Stockholms stad"
    [listed] = organisations.list_tokens(engine, "Stockholms stad")
    assert listed["prefix"] == token[:11]
    # listing shows the prefix, never the token
    for args in (("org", "list"), ("org", "token", "list", "Stockholms stad"), ("org", "list", "--json")):
        out = cli(*args)
        assert out.exit_code == 0, out.output
        assert token not in out.stdout
        assert token[12:] not in out.stdout
    assert token[:11] in cli("org", "token", "list", "Stockholms stad").stdout
    [entry] = audit.list_audit(engine)
    assert entry["action"] == "organisation.create"
    assert entry["actor"].startswith("cli:")
    assert entry["details"] == {"name": "Stockholms stad", "token": token[:11]}


def test_org_list_counts_sources_and_active_tokens(cli: Any) -> None:
    cli("org", "create", "Malmö stad")
    cli("org", "create", "Lunds kommun")
    cli("org", "token", "rotate", "Malmö stad")
    out = cli("org", "list", "--json")
    import json

    rows = json.loads(out.stdout)
    assert [(r["name"], r["sources"], r["active_tokens"]) for r in rows] == [("Lunds kommun", 0, 1),
                                                                            ("Malmö stad", 0, 1)]


def test_token_revoke_by_prefix_stops_the_token(cli: Any, engine: Engine) -> None:
    token = printed_token(cli("org", "create", "Uppsala kommun"))
    result = cli("org", "token", "revoke", token[:11])
    assert result.exit_code == 0, result.output
    assert f"Revoked token {token[:11]}" in result.stdout
    assert organisations.authenticate(engine, token, admin_token=None) is None
    [listed] = organisations.list_tokens(engine, "Uppsala kommun")
    assert listed["active"] is False and listed["revoked_at"]
    assert [e["action"] for e in audit.list_audit(engine)] == ["token.revoke", "organisation.create"]


def test_token_rotate_revokes_old_tokens_and_prints_a_new_one(cli: Any, engine: Engine) -> None:
    old = printed_token(cli("org", "create", "Göteborgs Stad"))
    result = cli("org", "token", "rotate", "Göteborgs Stad")
    new = printed_token(result)
    assert new != old
    assert old[:11] in result.stdout  # says which token it revoked
    assert organisations.authenticate(engine, old, admin_token=None) is None
    assert organisations.authenticate(engine, new, admin_token=None) is not None
    listed = organisations.list_tokens(engine, "Göteborgs Stad")
    assert [(t["prefix"], t["active"]) for t in listed] == [(new[:11], True), (old[:11], False)]


def test_org_errors_are_one_line_and_exit_1(cli: Any) -> None:
    cli("org", "create", "Stockholms stad")
    for args, words in ((("org", "create", "Stockholms stad"), "exists already"),
                        (("org", "token", "revoke", "dk_nothere"), "no token"),
                        (("org", "token", "list", "Ingen kommun"), "no organisation"),
                        (("org", "token", "rotate", "Ingen kommun"), "no organisation")):
        result = cli(*args)
        assert result.exit_code == 1, (args, result.output)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error:") and words in lines[0], (args, result.stderr)


def test_a_cli_made_token_registers_a_source_through_the_api(cli: Any, engine: Engine, settings: Settings,
                                                             http_server: Any) -> None:
    token = printed_token(cli("org", "create", "Region Skåne"))
    org = organisations.get_organisation(engine, "Region Skåne")
    with TestClient(create_app(settings, engine)) as client:
        resp = client.post("/api/sources", json={"name": "skane", "url": http_server.url("dcat/catalog.ttl")},
                           headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 201, resp.text
    assert resp.json()["organisation_id"] == org.id
    [listed] = organisations.list_tokens(engine, "Region Skåne")
    assert listed["last_used_at"] is not None


def test_source_add_with_org_is_owned_by_it_and_audited(cli: Any, engine: Engine, http_server: Any,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAKATALOG_ALLOW_PRIVATE_SOURCES", "1")
    cli("org", "create", "Lantmäteriet")
    org = organisations.get_organisation(engine, "Lantmäteriet")
    result = cli("source", "add", "lm", "--kind", "dcat", "--url", http_server.url("dcat/catalog.ttl"),
                 "--org", "Lantmäteriet", "--schedule", "6h")
    assert result.exit_code == 0, result.output

    source = sources.get_source(engine, "lm")
    assert (source.organisation_id, source.schedule) == (org.id, "6h")
    entry = audit.list_audit(engine)[0]
    assert (entry["action"], entry["target"], entry["organisation_id"]) == ("source.create", f"source:{source.id}",
                                                                            org.id)
    assert entry["actor"].startswith("cli:")
    refused = cli("source", "add", "meta", "--kind", "dcat", "--url", "http://169.254.169.254/latest/")
    assert refused.exit_code == 1
    assert "url:" in refused.stderr and "metadata" in refused.stderr
    assert cli("source", "add", "x", "--kind", "dcat", "--url", "http://a.se/", "--org", "Ingen").exit_code == 1
