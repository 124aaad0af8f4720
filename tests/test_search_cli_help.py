"""`datakatalog search` offers the API's “did you mean” (issue 16) after an answer that found little."""

from __future__ import annotations

from typer.testing import CliRunner

from api.cli import app
from tests.api.test_search_help import TTL


def test_search_prints_suggestions(http_server, add_source, harvest, db_url: str) -> None:
    add_source("help", http_server.set("help.ttl", TTL))
    assert harvest("help").added == 3
    runner = CliRunner()
    result = runner.invoke(app, ["search", "cykelparkeringr", "--db", db_url])
    assert result.exit_code == 0, result.output
    assert "0 datasets" in result.output
    assert "Did you mean: cykelparkeringar (1)?" in " ".join(result.output.split())  # Rich may wrap
    found = runner.invoke(app, ["search", "cykelparkeringar", "--db", db_url])
    assert "Did you mean" not in found.output
