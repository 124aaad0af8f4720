"""What a process's searcher holds, read without building anything (catalog.search.searcher.held_state),
as /metrics and /healthz report it."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable

from prometheus_client import CollectorRegistry
from sqlalchemy import Engine

from catalog.metrics import StateCollector
from catalog.search import searcher as searching
from catalog.store import runs
from catalog.store.engine import init_engine
from tests.catalog.test_term_index import catalogue
from tests.conftest import FixtureHTTPServer, HarvestFn


def test_held_state_builds_nothing_and_follows_the_indexes(
        http_server: FixtureHTTPServer, add_source: Callable, harvest: HarvestFn, engine: Engine) -> None:
    add_source("many", http_server.set("many.ttl", catalogue()))
    assert harvest("many").added == 30
    searching.forget(engine)  # a searcher the harvest made would not be ours
    assert searching.held_state(engine) is None
    searcher = searching.searcher_for(engine)
    empty = searching.held_state(engine)
    assert empty == searching.IndexState(facets=None, terms=None, datasets=0, term_index="none")
    assert searcher.facet_builds == 0  # asking built nothing
    idx = searcher.index()
    searcher.terms_for(idx)
    with engine.connect() as conn:
        gen = runs.generation(conn)
    held = searching.held_state(engine)
    assert held == searching.IndexState(facets=gen, terms=gen, datasets=30, term_index="ready")
    assert searcher.state() == {"generation": gen, "datasets": 30, "term_index": "ready"}

    registry = CollectorRegistry()
    registry.register(StateCollector(engine))
    assert registry.get_sample_value("datakatalog_search_generation", {"of": "terms"}) == gen
    assert registry.get_sample_value("datakatalog_search_generation_lag", {"index": "terms"}) == 0
    assert registry.get_sample_value("datakatalog_search_term_index_state", {"state": "ready"}) == 1
    assert registry.get_sample_value("datakatalog_search_term_index_state", {"state": "building"}) == 0
    assert registry.get_sample_value("datakatalog_search_index_datasets") == 30

    with engine.begin() as conn:  # the database moves on: the held indexes lag until a search asks
        runs.bump_generation(conn)
    assert registry.get_sample_value("datakatalog_search_generation_lag", {"index": "facets"}) == 1
    assert searching.held_state(engine) == held


def test_a_searcher_goes_with_its_engine(db_url: str, http_server: FixtureHTTPServer) -> None:
    """A process that drops an engine drops its searcher and indexes with it (they used to be kept
    for the process's life, keyed by the engine's id)."""
    engine = init_engine(db_url)
    searcher = searching.searcher_for(engine)
    searcher.index()
    assert searching.searcher_for(engine) is searcher
    gone_searcher, gone_engine = weakref.ref(searcher), weakref.ref(engine)
    del searcher
    engine.dispose()
    del engine
    gc.collect()
    assert gone_engine() is None
    assert gone_searcher() is None
