"""An organisation's own JSON-API mapping profile over HTTP (and from the CLI): given inline with the
source or uploaded later, checked with the messages a file gets, stored with its history, used by
preview and harvest, never read from a server path; over 64 KB or with an unknown key refused (422,
the field and key named) with nothing stored. Row counts are compared before and after."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli_app
from catalog.services import audit, organisations
from catalog.services.organisations import Principal
from catalog.settings import Settings, get_settings
from catalog.store.tables import DS, MAPPING, SRC
from harvester.runner import harvest_source
from tests.conftest import FIXTURES, FixtureHTTPServer
from tests.harvester.test_jsonapi_adapter import serve_lund

LUND = (FIXTURES / "jsonapi" / "lund.toml").read_text(encoding="utf-8")
# the same profile with English titles dropped and a key misspelt, and one made too large
LUND_SV = LUND.replace(', { path = "rubrik.en", lang = "en" }', "")
MISSPELT = LUND.replace('id = "nyckel"', 'id = "nyckel"\nnyckelfalt = "x"')
SETUP = Principal(actor="test-setup", admin=True)
PROBLEM = "application/problem+json"


@dataclass
class Api:
    client: TestClient
    engine: Engine
    settings: Settings
    url: str
    owner: dict[str, str]
    other: dict[str, str]

    def register(self, **body: Any) -> Any:
        return self.client.post("/api/sources", json={"name": "lund", "kind": "jsonapi", "url": self.url, **body},
                                headers=self.owner)

    def harvest(self, source_id: int) -> Any:
        from catalog.services.sources import get_source

        return harvest_source(engine=self.engine, source=get_source(self.engine, source_id), settings=self.settings)


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for name, table in (("sources", SRC), ("mappings", MAPPING), ("datasets", DS))}


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api(engine: Engine, settings: Settings, http_server: FixtureHTTPServer) -> Iterator[Api]:
    _, owner = organisations.create_organisation(engine, name="Lunds kommun", actor=SETUP)
    _, other = organisations.create_organisation(engine, name="Region Skåne", actor=SETUP)
    with TestClient(create_app(settings, engine)) as client:
        yield Api(client, engine, settings, serve_lund(http_server), _bearer(owner), _bearer(other))


def test_a_source_registered_with_its_own_profile_is_harvested_with_it(api: Api) -> None:
    before = counts(api.engine)
    resp = api.register(mapping_profile=LUND)

    assert resp.status_code == 201, resp.text
    source = resp.json()
    assert source["mapping"] is None and source["mapping_version"] == 1
    assert counts(api.engine) == {**before, "sources": before["sources"] + 1, "mappings": 1}
    job = api.harvest(source["id"])
    assert (job.status, job.seen, job.added, job.failed) == ("succeeded", 10, 10, 0)
    got = api.client.get(f"/api/sources/{source['id']}/mapping")
    assert got.status_code == 200
    assert got.json()["text"] == LUND and got.json()["version"] == 1
    assert got.json()["actor"].startswith("Lunds kommun (dk_")
    raw = api.client.get(f"/api/sources/{source['id']}/mapping", headers={"Accept": "application/toml"})
    assert raw.text == LUND
    assert raw.headers["content-type"].startswith("application/toml")
    assert raw.headers["x-mapping-version"] == "1"
    assert api.client.get(f"/api/sources/{source['id']}/mapping", params={"format": "toml"}).text == LUND
    [entry] = [e for e in audit.list_audit(api.engine, limit=50) if e["action"] == "source.create"]
    assert entry["details"]["mapping_version"] == 1


def test_an_uploaded_version_is_used_from_then_on_and_the_earlier_ones_are_kept(api: Api) -> None:
    source_id = api.register(mapping_profile=LUND).json()["id"]
    api.harvest(source_id)
    before = counts(api.engine)

    put = api.client.put(f"/api/sources/{source_id}/mapping", content=LUND_SV.encode(),
                         headers={**api.owner, "Content-Type": "application/toml"})

    assert put.status_code == 200, put.text
    assert put.json()["mapping_version"] == 2
    assert counts(api.engine) == {**before, "mappings": 2}
    job = api.harvest(source_id)
    # the eight records with an English title lost it; the other two are as they were
    assert (job.status, job.updated, job.unchanged, job.added) == ("succeeded", 8, 2, 0)
    assert api.client.get(f"/api/sources/{source_id}/mapping").json()["text"] == LUND_SV
    assert api.client.get(f"/api/sources/{source_id}/mapping", params={"version": 1}).json()["text"] == LUND
    versions = api.client.get(f"/api/sources/{source_id}/mapping/versions").json()
    assert [v["version"] for v in versions] == [2, 1]
    assert all(v["actor"].startswith("Lunds kommun (dk_") for v in versions)
    assert versions[0]["bytes"] == len(LUND_SV.encode())
    # PATCH with a profile is one more version; choosing a bundled profile keeps the uploads as history
    patched = api.client.patch(f"/api/sources/{source_id}", json={"mapping_profile": LUND}, headers=api.owner)
    assert patched.json()["mapping_version"] == 3
    bundled = api.client.patch(f"/api/sources/{source_id}", json={"mapping": "trafiklab"}, headers=api.owner)
    assert (bundled.json()["mapping"], bundled.json()["mapping_version"]) == ("trafiklab", None)
    assert api.client.get(f"/api/sources/{source_id}/mapping").status_code == 404
    assert len(api.client.get(f"/api/sources/{source_id}/mapping/versions").json()) == 3
    assert counts(api.engine)["mappings"] == 3


def _refused(resp: Any, *needles: str) -> str:
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"].startswith(PROBLEM)
    [error] = resp.json()["errors"]
    assert error["field"] == "mapping_profile"
    for needle in needles:
        assert needle in error["message"], error["message"]
    return str(error["message"])


def test_a_profile_over_64_kb_is_refused_everywhere_and_nothing_is_stored(api: Api) -> None:
    source_id = api.register(mapping_profile=LUND).json()["id"]
    big = LUND + "\n" + "# utfyllnad\n" * 6000
    assert len(big.encode()) > 64 * 1024
    before = counts(api.engine)
    _refused(api.client.post("/api/sources", json={"name": "stor", "kind": "jsonapi", "url": api.url,
                                                   "mapping_profile": big}, headers=api.owner), "65,536 bytes")
    _refused(api.client.patch(f"/api/sources/{source_id}", json={"mapping_profile": big}, headers=api.owner),
             "65,536 bytes")
    _refused(api.client.put(f"/api/sources/{source_id}/mapping", content=big.encode(), headers=api.owner),
             "65,536 bytes")
    _refused(api.client.post("/api/sources/preview", json={"kind": "jsonapi", "url": api.url, "mapping_profile": big},
                             headers=api.owner), "65,536 bytes")
    assert counts(api.engine) == before
    assert api.client.get(f"/api/sources/{source_id}").json()["mapping_version"] == 1


def test_an_unknown_key_is_refused_naming_it_as_the_cli_does(
    api: Api, tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = counts(api.engine)
    message = _refused(api.register(mapping_profile=MISSPELT), "records.nyckelfalt: unknown key (known: path, id)")
    assert message.startswith("mapping (uploaded): ")
    source_id = api.register(mapping=None, mapping_profile=LUND).json()["id"]
    _refused(api.client.put(f"/api/sources/{source_id}/mapping", content=MISSPELT.encode(), headers=api.owner),
             "records.nyckelfalt: unknown key")
    _refused(api.client.post("/api/sources/preview", json={"kind": "jsonapi", "url": api.url,
                                                           "mapping_profile": MISSPELT}, headers=api.owner),
             "records.nyckelfalt: unknown key")
    assert counts(api.engine) == {**before, "sources": before["sources"] + 1, "mappings": 1}
    # the command line says the same of the same profile as a file, naming the file instead
    path = tmp_path / "lund.toml"
    path.write_text(MISSPELT, encoding="utf-8")
    monkeypatch.setenv("DATAKATALOG_ALLOW_PRIVATE_SOURCES", "1")
    get_settings.cache_clear()
    result = CliRunner().invoke(cli_app, ["source", "add", "lund2", "--kind", "jsonapi", "--url", api.url,
                                          "--mapping", str(path), "--db", db_url])
    assert result.exit_code == 1
    assert " ".join(result.stderr.split()) == "error: " + message.replace("mapping (uploaded): ", "mapping lund.toml: ")


def test_a_mapping_never_names_a_file_on_the_server(api: Api) -> None:
    before = counts(api.engine)
    for mapping in ("/etc/passwd", "../pyproject.toml", "pyproject.toml", "lund.toml"):
        resp = api.register(mapping=mapping)
        assert resp.status_code == 422, (mapping, resp.text)
        assert resp.json()["errors"][0]["field"] == "mapping"
    assert counts(api.engine) == before


def test_only_the_owner_or_an_administrator_uploads_and_only_for_a_jsonapi_source(
    api: Api, http_server: FixtureHTTPServer,
) -> None:
    source_id = api.register(mapping_profile=LUND).json()["id"]
    before = counts(api.engine)
    assert api.client.put(f"/api/sources/{source_id}/mapping", content=LUND_SV.encode(),
                          headers=api.other).status_code == 403
    assert api.client.put(f"/api/sources/{source_id}/mapping", content=LUND_SV.encode()).status_code == 401
    dcat = api.client.post("/api/sources", json={"name": "dcat", "url": http_server.url("dcat/catalog.ttl")},
                           headers=api.owner).json()["id"]
    _refused(api.client.put(f"/api/sources/{dcat}/mapping", content=LUND.encode(), headers=api.owner),
             "only a jsonapi source")
    assert counts(api.engine) == {**before, "sources": before["sources"] + 1}
    assert api.client.get(f"/api/sources/{dcat}/mapping").status_code == 404


def test_preview_reads_with_an_inline_profile(api: Api) -> None:
    before = counts(api.engine)
    resp = api.client.post("/api/sources/preview", json={"kind": "jsonapi", "url": api.url, "mapping_profile": LUND},
                           headers=api.owner)
    assert resp.status_code == 200, resp.text
    report = resp.json()
    assert report["complete"] is True and report["counts"]["added"] == 10
    assert any("en" in s["record"]["title"] for s in report["sample"])
    assert counts(api.engine) == before


def test_cli_stores_a_profile_file_and_prints_its_versions(
    api: Api, tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATAKATALOG_ALLOW_PRIVATE_SOURCES", "1")
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    first, second = tmp_path / "lund.toml", tmp_path / "lund-sv.toml"
    first.write_text(LUND, encoding="utf-8")
    second.write_text(LUND_SV, encoding="utf-8")
    runner = CliRunner()

    def cli(*args: str) -> Any:
        return runner.invoke(cli_app, [*args, "--db", db_url])

    assert cli("source", "add", "lund", "--kind", "jsonapi", "--url", api.url, "--mapping", str(first)).exit_code == 0
    first.unlink()  # stored: the harvest does not need the file
    assert cli("harvest", "lund").exit_code == 0
    assert counts(api.engine)["datasets"] == 10
    assert cli("source", "mapping", "lund").stdout == LUND
    result = cli("source", "mapping", "lund", str(second))
    assert result.exit_code == 0 and "version 2" in result.stdout
    history = cli("source", "mapping", "lund", "--history", "--json")
    assert [v["version"] for v in json.loads(history.stdout)] == [2, 1]
    assert cli("source", "mapping", "lund", "--version", "1").stdout == LUND
    assert counts(api.engine)["mappings"] == 2
