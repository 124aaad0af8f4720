"""The demo says which database it serves (issue 13, problem 9): other commands default to
DATAKATALOG_DATABASE_URL or datakatalog.db, the demo to datakatalog-demo.db, so the demo prints the
exact ``--db`` (and the environment variable) that makes a token from ``datakatalog org create`` work
against it. Run with the CLI runner, in a fresh directory, on SQLite (the demo's database)."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app
from catalog.settings import Settings, get_settings
from catalog.store.engine import init_engine

TOKEN = re.compile(r"^dk_[A-Za-z0-9_-]{8}_[A-Za-z0-9_-]{43}$", re.MULTILINE)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "300")
    monkeypatch.delenv("DATAKATALOG_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def token_of(output: str) -> str:
    found = TOKEN.findall(output)
    assert len(found) == 1, output
    return found[0]


def writes_with(db_file: Path, token: str) -> int:
    """The status a write to the API served from ``db_file`` gets with ``token``: 401 when the token
    is unknown there, 422 (the empty body) when it is known."""
    engine = init_engine(f"sqlite:///{db_file}")
    try:
        with TestClient(create_app(Settings(database_url=f"sqlite:///{db_file}"), engine)) as client:
            return client.post("/api/sources", json={}, headers={"Authorization": f"Bearer {token}"}).status_code
    finally:
        engine.dispose()


def test_the_demo_prints_the_db_option_that_makes_a_cli_token_work_against_it(workdir: Path) -> None:
    runner = CliRunner()
    demo = runner.invoke(app, ["demo", "--no-serve"])
    assert demo.exit_code == 0, demo.output
    demo_db = workdir / "datakatalog-demo.db"
    assert demo_db.is_file()
    said = re.search(r"^Other commands act on this demo catalogue with: (--db .+)$", demo.stdout, re.MULTILINE)
    assert said is not None, demo.stdout
    option = shlex.split(said.group(1))
    assert option == ["--db", str(demo_db)]
    assert f"datakatalog org create NAME --db {demo_db}\n" in demo.stdout
    assert f"export DATAKATALOG_DATABASE_URL=sqlite:///{demo_db}\n" in demo.stdout

    # the problem as filed: without the option the token is made in another database (datakatalog.db)
    elsewhere = runner.invoke(app, ["org", "create", "Kommun A"])
    assert elsewhere.exit_code == 0, elsewhere.output
    assert (workdir / "datakatalog.db").is_file()
    assert writes_with(demo_db, token_of(elsewhere.stdout)) == 401

    # with the option the demo printed, the token works against the demo's catalogue
    made = runner.invoke(app, ["org", "create", "Kommun B", *option])
    assert made.exit_code == 0, made.output
    assert writes_with(demo_db, token_of(made.stdout)) == 422

    # and so with the environment variable it printed
    by_env = runner.invoke(app, ["org", "create", "Kommun C"], env={"DATAKATALOG_DATABASE_URL": f"sqlite:///{demo_db}"})
    assert by_env.exit_code == 0, by_env.output
    assert writes_with(demo_db, token_of(by_env.stdout)) == 422


def test_a_demo_given_a_db_names_that_one_from_any_directory(workdir: Path) -> None:
    (workdir / "sub").mkdir()
    result = CliRunner().invoke(app, ["demo", "--no-serve", "--db", "sub/katalog.db"])
    assert result.exit_code == 0, result.output
    assert f"with: --db {workdir / 'sub' / 'katalog.db'}\n" in result.stdout
