"""A distribution IRI listed by two datasets (real catalogues do this) never breaks a harvest."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, select

from catalog.search import query
from catalog.services import datasets
from catalog.store.tables import DIST, DS
from tests.conftest import FixtureHTTPServer, HarvestFn

HEAD = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
<https://x.example/dist/shared> a dcat:Distribution ; dcat:accessURL <https://x.example/api> .
"""
FIRST = """<https://x.example/d/a> a dcat:Dataset ; dct:title "A"@sv ; dct:description "Första."@sv ;
    dcat:distribution <https://x.example/dist/shared> .
"""
SECOND = """<https://x.example/d/b> a dcat:Dataset ; dct:title "B"@sv ; dct:description "Andra."@sv ;
    dcat:distribution <https://x.example/dist/shared> .
"""


def _owner(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(DS.c.title).select_from(DIST.join(DS, DS.c.pk == DIST.c.dataset_pk))
                                 .where(DIST.c.uri == "https://x.example/dist/shared")).scalars())


def test_in_one_run_the_first_dataset_keeps_it(http_server: FixtureHTTPServer, add_source: Callable,
                                               harvest: HarvestFn, engine: Engine) -> None:
    add_source("shared", http_server.set("shared.ttl", HEAD + FIRST + SECOND))
    job = harvest("shared")
    assert job.status == "succeeded" and job.added == 2
    assert len(_owner(engine)) == 1
    both = datasets.search_datasets(engine, query.parse_query())["items"]
    assert sorted(i["title"] for i in both) == ["A", "B"]


def test_in_a_later_run_the_stored_one_stays(http_server: FixtureHTTPServer, add_source: Callable,
                                             harvest: HarvestFn, engine: Engine) -> None:
    url = http_server.set("shared.ttl", HEAD + FIRST)
    add_source("shared", url)
    assert harvest("shared").added == 1
    http_server.set("shared.ttl", HEAD + FIRST + SECOND)
    job = harvest("shared")
    assert job.status == "succeeded" and job.added == 1
    assert _owner(engine) == ["A"]
    b = next(i for i in datasets.search_datasets(engine, query.parse_query())["items"] if i["title"] == "B")
    detail = datasets.get_dataset(engine, b["id"])
    assert [d["stored"] for d in detail["distributions"]] == [False]  # listed, but stored under A
