"""A result page's records are read once per content hash: a repeated search reads none, a changed
dataset is read again and shows its new record."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from catalog.search import query
from catalog.search.page_records import page_records
from catalog.services import datasets
from tests.catalog.test_search_updates import TTL
from tests.conftest import FixtureHTTPServer, HarvestFn


def test_records_are_read_once_per_content_hash(http_server: FixtureHTTPServer, add_source: Callable,
                                                harvest: HarvestFn, engine: Engine) -> None:
    def item() -> dict:
        [found] = datasets.search_datasets(engine, query.parse_query(q="cykel"))["items"]
        return found

    add_source("upd", http_server.set("upd.ttl", TTL.format(title="Cykelställ", description="Platser för cyklar.",
                                                            keyword="cykel")))
    assert harvest("upd").added == 1
    cache = page_records(engine)
    assert item()["description"] == "Platser för cyklar."
    reads = cache.reads
    assert item()["description"] == "Platser för cyklar." and cache.reads == reads  # from the cache
    http_server.set("upd.ttl", TTL.format(title="Cykelställ", description="Fler platser för cyklar.",
                                          keyword="cykel"))
    assert harvest("upd").updated == 1
    assert item()["description"] == "Fler platser för cyklar." and cache.reads == reads + 1
