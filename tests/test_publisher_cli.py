"""``datakatalog publisher`` and ``datakatalog org link`` (issue 13, problem 5): what the proposals say
is the command that merges, merges are refused across two organisation numbers with exit 1 and
nothing changed, undone by ``unmerge``, and an organisation linked to its publisher gets its quality."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner, Result

from api.cli import app
from catalog.quality import reports
from catalog.settings import get_settings
from catalog.store.tables import DS, PUB
from harvester.demo.server import DemoServer
from tests.conftest import CONFIG_DIR, HarvestFn

UPPSALA_DCAT, UPPSALA_CKAN, SKANE = "se2120003005-a396a1", "uppsala-kommun-f028b7", "se2321000255-25fba8"


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, db_url: str, engine: Engine, add_source: Callable[..., Any],
        harvest: HarvestFn) -> Iterator[Callable[..., Result]]:
    with DemoServer(CONFIG_DIR / "demo") as server:
        add_source("kommuner", f"{server.base_url}/kommuner.ttl")
        add_source("kommunportal", f"{server.base_url}/ckan/", kind="ckan")
        add_source("trafiklab", f"{server.base_url}/trafiklab/apis.json", kind="jsonapi", mapping="trafiklab")
        for name in ("kommuner", "kommunportal", "trafiklab"):
            assert harvest(name).status == "succeeded"
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("DATAKATALOG_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, [*args, "--db", db_url])

    yield run
    get_settings.cache_clear()


def rows(engine: Engine) -> tuple[int, int, dict[str, int]]:
    with engine.connect() as conn:
        return (conn.execute(select(func.count()).select_from(DS)).scalar_one(),
                conn.execute(select(func.count()).select_from(PUB)).scalar_one(),
                dict(conn.execute(select(DS.c.publisher_id, func.count()).group_by(DS.c.publisher_id)).all()))


def test_candidates_print_the_merge_command_that_makes_one_publisher(cli: Callable[..., Result],
                                                                    engine: Engine) -> None:
    proposed = cli("publisher", "candidates")
    assert proposed.exit_code == 0, proposed.output
    command = f"datakatalog publisher merge {UPPSALA_DCAT} {UPPSALA_CKAN}"
    assert command in proposed.stdout and "212000-3005" in proposed.stdout
    as_json = json.loads(cli("publisher", "candidates", "--json").stdout)
    assert [(c["keep"]["id"], c["merge"]["id"]) for c in as_json] == [(UPPSALA_DCAT, UPPSALA_CKAN)]

    before = rows(engine)
    merged = cli(*command.split()[1:])
    assert merged.exit_code == 0, merged.output
    assert f"Merged {UPPSALA_CKAN} into {UPPSALA_DCAT}; 5 dataset(s) moved" in merged.stdout
    after = rows(engine)
    assert after[:2] == before[:2] and after[2][UPPSALA_DCAT] == 10

    shown = cli("publisher", "show", UPPSALA_CKAN)
    assert shown.exit_code == 0, shown.output
    assert f"{UPPSALA_CKAN} was merged into {UPPSALA_DCAT}" in shown.stdout
    assert "organisation number: 212000-3005" in shown.stdout and "10 active" in shown.stdout
    listed = json.loads(cli("publisher", "list", "--json").stdout)
    assert [p["name"] for p in listed].count("Uppsala kommun") == 1
    assert "No publishers look alike" in cli("publisher", "candidates").stdout

    undone = cli("publisher", "unmerge", UPPSALA_CKAN)
    assert undone.exit_code == 0, undone.output
    assert rows(engine) == before


def test_a_merge_of_two_organisation_numbers_exits_1_and_changes_nothing(cli: Callable[..., Result],
                                                                       engine: Engine) -> None:
    before = rows(engine)
    refused = cli("publisher", "merge", UPPSALA_DCAT, SKANE)
    assert refused.exit_code == 1
    assert "two organisation numbers" in refused.stderr and "Traceback" not in refused.output
    assert rows(engine) == before
    assert cli("publisher", "unmerge", SKANE).exit_code == 1
    assert cli("publisher", "show", "no-such-publisher").exit_code == 1


def test_org_link_gives_the_organisation_the_quality_of_its_publisher(cli: Callable[..., Result],
                                                                     engine: Engine) -> None:
    assert cli("org", "create", "Uppsala kommun").exit_code == 0
    linked = cli("org", "link", "Uppsala kommun", UPPSALA_DCAT)
    assert linked.exit_code == 0, linked.output
    assert f"Linked Uppsala kommun → publisher {UPPSALA_DCAT}" in linked.stdout
    assert reports.organisation_quality(engine, "Uppsala kommun")["datasets"] == 5
    assert json.loads(cli("org", "list", "--json").stdout)[0]["publishers"] == [UPPSALA_DCAT]
    assert cli("org", "link", "Uppsala kommun", "no-such-publisher").exit_code == 1
    assert cli("org", "unlink", "Uppsala kommun", UPPSALA_DCAT).exit_code == 0
    assert reports.organisation_quality(engine, "Uppsala kommun")["datasets"] == 0
