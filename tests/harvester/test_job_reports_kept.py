"""Only a source's newest JOB_REPORTS_KEPT finished jobs keep their per-record reports; older jobs keep
their counts and say when their records went. At 1,000,000 datasets an unchanged re-harvest wrote
1,000,000 job records (every dataset with a warning is reported again): a daily schedule grew the
database by as much every day (docs/decisions/0010-one-million-datasets.md)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, func, select

from catalog.services import jobs
from catalog.services.sources import get_source
from catalog.settings import Settings
from catalog.store.tables import JOBREC
from harvester.runner import harvest_source
from tests.api.test_sources_jobs_api import CATALOG_TTL, _only_two_datasets
from tests.conftest import FixtureHTTPServer


def _records(engine: Engine, job_id: int) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(JOBREC.c.job_id == job_id)).scalar() or 0)


@pytest.fixture
def run(engine: Engine, settings: Settings) -> Callable[..., int]:
    def harvest(name: str, kept: int) -> int:
        job = harvest_source(engine=engine, source=get_source(engine, name),
                             settings=settings.model_copy(update={"job_reports_kept": kept}))
        assert job.id is not None
        return job.id

    return harvest


def test_older_jobs_keep_their_counts_and_lose_their_records(
        engine: Engine, http_server: FixtureHTTPServer, add_source: Callable, run: Callable[..., int]) -> None:
    add_source("fx", http_server.set("dcat/kept.ttl", CATALOG_TTL))
    first = run("fx", 2)
    whole = jobs.get_job(engine, first)
    assert whole["changes"]["added"] and whole["problems"] and whole["records_pruned_at"] is None
    second, third = run("fx", 2), run("fx", 2)
    assert _records(engine, second) > 0 and _records(engine, third) > 0  # the newest two keep theirs
    assert _records(engine, first) == 0
    pruned = jobs.get_job(engine, first)
    assert pruned["records_pruned_at"] is not None
    assert pruned["counts"] == whole["counts"] and pruned["status"] == whole["status"]
    assert pruned["changes"] == {k: [] for k in jobs.CHANGES} and pruned["problems"] == []
    assert jobs.get_job(engine, third)["problems"] == jobs.get_job(engine, second)["problems"] != []
    run("fx", 0)  # 0 keeps every report from here on
    assert _records(engine, second) > 0


def test_a_held_run_waiting_for_its_decision_keeps_its_report(
        engine: Engine, http_server: FixtureHTTPServer, add_source: Callable, run: Callable[..., int]) -> None:
    url = http_server.set("dcat/held.ttl", CATALOG_TTL)
    add_source("fx", url)
    run("fx", 1)
    http_server.set("dcat/held.ttl", _only_two_datasets(CATALOG_TTL))
    held = run("fx", 1)
    assert jobs.get_job(engine, held)["status"] == "held"
    http_server.set("dcat/held.ttl", CATALOG_TTL)
    for _ in range(2):
        run("fx", 1)
    report = jobs.get_job(engine, held)
    assert report["records_pruned_at"] is None and len(report["changes"]["held"]) == 6


def test_the_api_and_the_console_say_a_report_was_removed(
        engine: Engine, http_server: FixtureHTTPServer, add_source: Callable, run: Callable[..., int],
        client) -> None:  # noqa: ANN001
    add_source("fx", http_server.set("dcat/kept.ttl", CATALOG_TTL))
    first = run("fx", 1)
    run("fx", 1)
    answer = client.get(f"/api/jobs/{first}").json()
    assert answer["records_pruned_at"] and answer["changes"]["added"] == []
    assert answer["counts"]["added"] == 8
    assert jobs.get_job(engine, first) == answer
