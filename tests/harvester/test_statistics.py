"""A run that changed many datasets leaves the query planner with current statistics: plans made
for tables the planner still thinks empty gave PostgreSQL its search tails at 100,000 datasets."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, text

from catalog.store.engine import statistics_stale
from harvester import runner
from tests.catalog.test_term_index import catalogue
from tests.conftest import FixtureHTTPServer, HarvestFn, wait_until


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


def test_a_run_small_against_the_catalogue_leaves_statistics_to_autovacuum(
        http_server: FixtureHTTPServer, add_source: Callable, harvest: HarvestFn, engine: Engine,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "ANALYZE_AFTER", 1)
    add_source("many", http_server.set("many.ttl", catalogue()))
    added = harvest("many").added
    assert added > 10 and _analyzed(engine)
    assert not statistics_stale(engine, added - 1, at_least=added)  # under the run-size floor
    if engine.dialect.name == "sqlite":
        assert statistics_stale(engine, 1, at_least=1)  # a sampled ANALYZE costs milliseconds
        return
    with engine.connect() as conn:
        rows = float(conn.execute(text("SELECT reltuples FROM pg_class WHERE oid = 'dataset'::regclass")).scalar())
    assert rows >= added
    assert not statistics_stale(engine, int(rows // 20), at_least=1)  # a twentieth: autovacuum's turn
    assert statistics_stale(engine, int(rows // 5), at_least=1)  # a fifth: refreshed after the run


def test_small_runs_that_add_up_to_a_tenth_refresh_the_statistics(
        http_server: FixtureHTTPServer, add_source: Callable, harvest: HarvestFn, engine: Engine,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Where autovacuum is slow or off, the changes of earlier runs since the last ANALYZE count too:
    runs of a twentieth each refresh the statistics by the second (the 1,000,000-dataset harvest on a
    server without autovacuum left the planner counting 55,000 datasets)."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite analyzes after every large run")
    monkeypatch.setattr(runner, "ANALYZE_AFTER", 1)
    add_source("many", http_server.set("many.ttl", catalogue()))
    assert harvest("many").added > 10 and _analyzed(engine)
    with engine.connect() as conn:
        rows = float(conn.execute(text("SELECT reltuples FROM pg_class WHERE oid = 'dataset'::regclass")).scalar())
        twentieth = max(1, int(rows // 20))
        assert not statistics_stale(engine, twentieth, at_least=1)
        # earlier runs changed half the catalogue since the last ANALYZE (as the counters see it)
        conn.execute(text("UPDATE dataset SET title = title WHERE pk IN "
                          "(SELECT pk FROM dataset ORDER BY pk LIMIT :n)"), {"n": int(rows // 2)})
        conn.commit()
        conn.execute(text("SELECT pg_stat_force_next_flush()"))
    wait_until(lambda: statistics_stale(engine, twentieth, at_least=1), "the counters to reach the statistics", 10)
    assert not statistics_stale(engine, twentieth, at_least=twentieth + 1)  # the run-size floor still holds
