"""A re-harvested dataset is found by its new words and no longer by its old ones."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from catalog.search import query
from catalog.services import datasets
from tests.conftest import FixtureHTTPServer, HarvestFn

TTL = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
<https://x.example/d/1> a dcat:Dataset ; dct:title "{title}"@sv ; dct:description "{description}"@sv ;
    dcat:keyword "{keyword}"@sv .
"""


def test_changed_texts_are_searchable_at_once(http_server: FixtureHTTPServer, add_source: Callable,
                                              harvest: HarvestFn, engine: Engine) -> None:
    def found(q: str) -> int:
        return int(datasets.search_datasets(engine, query.parse_query(q=q))["total"])

    add_source("upd", http_server.set("upd.ttl", TTL.format(title="Cykelställ", description="Platser för cyklar.",
                                                            keyword="cykel")))
    assert harvest("upd").added == 1
    assert (found("cykelställ "), found("laddstolpar "), found("elbil ")) == (1, 0, 0)
    http_server.set("upd.ttl", TTL.format(title="Laddstolpar", description="Laddning av elbilar.",
                                          keyword="elbil"))
    assert harvest("upd").updated == 1
    assert (found("cykelställ "), found("laddstolpar "), found("elbil "), found("laddning ")) == (0, 1, 1, 1)
