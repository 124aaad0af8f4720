"""``datakatalog validate FILE|URL`` and ``datakatalog quality check``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from catalog.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "dcat" / "catalog.ttl"
KOMMUNER = ROOT / "config" / "demo" / "kommuner.ttl"
runner = CliRunner()


def test_validate_valid_file_exits_zero_and_reports_counts():
    result = runner.invoke(app, ["validate", str(KOMMUNER)])
    assert result.exit_code == 0, result.output
    assert "valid: 40 datasets, 2 data services, 0 violations" in result.output


def test_validate_invalid_file_exits_one_with_problems_grouped_by_rule():
    result = runner.invoke(app, ["validate", str(FIXTURE), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False and report["datasets"] == 7 and report["dataservices"] == 1
    rules = {g["rule"]: g for g in report["problems"]}
    assert rules["dataset-title"]["focus"] == ["https://fixtures.example.se/dataset/utan-titel"]
    assert rules["dcat-ap:Dataset/dct:title/minCount"]["severity"] == "violation"
    assert "saknar titel" in rules["dcat-ap:Dataset/dct:title/minCount"]["message_sv"]
    # the report is complete: every focus of every rule, counts that add up
    assert sum(g["count"] for g in report["problems"]) == report["violations"] + report["warnings"]
    untitled = next(i for i in report["items"] if i["ref"].endswith("utan-titel"))
    assert untitled["valid"] is False


def test_validate_plain_output_names_rule_and_focus():
    result = runner.invoke(app, ["validate", str(FIXTURE)])
    assert result.exit_code == 1
    assert "dataset-title (violation, 1)" in result.output
    assert "- https://fixtures.example.se/dataset/utan-titel" in result.output


@pytest.fixture(autouse=True)
def _fresh_settings():
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_validate_url_fetches_without_storing(http_server, tmp_path, monkeypatch):
    monkeypatch.setenv("DATAKATALOG_ALLOW_PRIVATE_SOURCES", "1")
    db = tmp_path / "untouched.db"
    monkeypatch.setenv("DATAKATALOG_DATABASE_URL", f"sqlite:///{db}")
    get_settings.cache_clear()
    url = http_server.set("k.ttl", KOMMUNER.read_bytes())
    result = runner.invoke(app, ["validate", url, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["source"] == url and report["datasets"] == 40
    assert not db.exists()


def test_validate_refuses_private_url_by_default(http_server, monkeypatch):
    monkeypatch.setenv("DATAKATALOG_ALLOW_PRIVATE_SOURCES", "0")
    get_settings.cache_clear()
    result = runner.invoke(app, ["validate", http_server.set("k.ttl", "x")])
    assert result.exit_code == 1
    assert "refused" in result.output or "private" in result.output or "loopback" in result.output


def test_validate_missing_file_and_unparsable_file_fail_with_one_line(tmp_path):
    result = runner.invoke(app, ["validate", str(tmp_path / "nope.ttl")])
    assert result.exit_code == 1 and "no file" in result.output
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix x: <http://x/> . x:a x:b ", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 1 and "error:" in result.output and "Traceback" not in result.output


def test_quality_check_stores_shacl_results(db_url, engine, http_server, add_source, harvest):
    add_source("fx", http_server.set("c.ttl", FIXTURE.read_bytes()))
    job = harvest("fx")
    result = runner.invoke(app, ["quality", "check", "--job", str(job.id), "--json", "--db", db_url])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"job_id": job.id, "checked": 8, "with_violations": 1}
    result = runner.invoke(app, ["quality", "check", "--source", "fx", "--db", db_url])
    assert result.exit_code == 0 and "8 datasets checked" in result.output
    result = runner.invoke(app, ["quality", "check", "--source", "nosuch", "--db", db_url])
    assert result.exit_code == 1 and "nosuch" in result.output
