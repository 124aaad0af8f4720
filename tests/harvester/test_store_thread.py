"""A page's batches are written by a store thread while the next are mapped when a core is free, else in
turn by the harvesting thread (harvester/runner.py): either way the run stores the same rows."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select

from catalog.settings import Settings
from catalog.store.prepared import prepare
from catalog.store.tables import DS, JOBREC, Source
from harvester import runner
from harvester.adapters.base import SourceSpec
from harvester.adapters.dcat import DcatAdapter
from harvester.fetch import Fetcher
from tests.conftest import FixtureHTTPServer, HarvestFn


@pytest.mark.parametrize("threaded", [True, False], ids=["store-thread", "in-turn"])
def test_a_harvest_stores_the_same_rows_with_or_without_the_store_thread(
    engine: Engine, settings: Settings, add_source: Callable[..., Source], harvest: HarvestFn,
    http_server: FixtureHTTPServer, monkeypatch: pytest.MonkeyPatch, threaded: bool,
) -> None:
    url = http_server.set_fixture("cat.ttl", "dcat/catalog.ttl")
    add_source("cat", url)
    monkeypatch.setattr(runner, "store_in_thread", lambda: threaded)
    monkeypatch.setattr(runner, "BATCH", 2)  # several batches from the fixture's page
    job = harvest("cat")
    page = next(iter(DcatAdapter(SourceSpec("cat", "dcat", url), Fetcher(settings), settings).pages({})))
    expected = {(p.id, p.hash) for p in (prepare(ref, rec, "cat") for ref, rec in page.records
                                         if not isinstance(rec, Exception))}
    assert len(expected) > 2
    assert job.status == "succeeded" and job.added == len(expected) and job.failed == 0
    with engine.connect() as conn:
        stored = {(r.id, r.content_hash) for r in conn.execute(select(DS.c.id, DS.c.content_hash))}
        added = set(conn.execute(select(JOBREC.c.dataset_id).where(
            JOBREC.c.job_id == job.id, JOBREC.c.outcome == "added")).scalars())
    assert stored == expected
    assert added == {i for i, _ in expected}
