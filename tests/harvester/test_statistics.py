"""A run that changed many datasets leaves the query planner with current statistics: plans made
for tables the planner still thinks empty gave PostgreSQL its search tails at 100,000 datasets."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, text

from harvester import runner
from tests.catalog.test_term_index import catalogue
from tests.conftest import FixtureHTTPServer, HarvestFn


def _analyzed(engine: Engine) -> bool:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            found = conn.execute(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")).scalar()
            return bool(found) and bool(conn.execute(text(
                "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'dataset'")).scalar())
        return float(conn.execute(text("SELECT reltuples FROM pg_class WHERE oid = 'dataset'::regclass")).scalar()) > 0


@pytest.mark.parametrize("threshold, expected", [(10**9, False), (1, True)])
def test_statistics_follow_a_large_run(http_server: FixtureHTTPServer, add_source: Callable, harvest: HarvestFn,
                                       engine: Engine, monkeypatch: pytest.MonkeyPatch, threshold: int,
                                       expected: bool) -> None:
    monkeypatch.setattr(runner, "ANALYZE_AFTER", threshold)
    add_source("many", http_server.set("many.ttl", catalogue()))
    assert harvest("many").added > 1
    if engine.dialect.name != "sqlite" and not expected:
        return  # autovacuum may analyze a small table on its own at any moment
    assert _analyzed(engine) is expected
