"""The in-memory term index answers words that match much of the catalogue: it must find exactly
what the database's full-text index finds, follow the catalogue's generation, and rank by field."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable

import numpy as np
import pytest
from sqlalchemy import Engine

from catalog.search import searcher, term_index
from catalog.search.facets import SMALL, Facet
from catalog.search.query import SearchQuery
from catalog.search.searcher import BM25_LIMIT, Searcher, _first, _kth_smallest, _smallest
from tests.conftest import FixtureHTTPServer, HarvestFn

PREFIX = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<https://x.example/org/a> a foaf:Agent ; foaf:name "Trafikverket"@sv .
<https://x.example/org/b> a foaf:Agent ; foaf:name "Malmö stad"@sv .
"""
TOPICS = [("Hållplatser", "kollektivtrafik", "Busshållplatser och spårvagnshållplatser"),
          ("Badplatser", "bad", "Badplatser och vattenkvalitet vid stränderna"),
          ("Parkeringar", "parkering", "Gatuparkering, avgifter och parkeringsplatser"),
          ("Luftkvalitet", "luft", "Mätningar av partiklar och kvävedioxid"),
          ("School catchment areas", "schools", "Areas served by each school")]
PLACES = ["Malmö", "Lund", "Skåne", "Göteborg", "Stockholm", "Umeå"]


def catalogue(extra: str = "") -> str:
    parts = [PREFIX]
    for i, ((title, keyword, desc), place) in enumerate(itertools.product(TOPICS, PLACES)):
        org = "a" if i % 3 else "b"
        parts.append(
            f'<https://x.example/d/{i}> a dcat:Dataset ; dct:title "{title} i {place}"@sv ; '
            f'dcat:keyword "{keyword}"@sv , "data"@sv ; dct:publisher <https://x.example/org/{org}> ; '
            f'dct:description "{desc} i {place}. Uppgifterna kommer från kommunen och data uppdateras."@sv .\n')
    return "".join(parts) + extra


QUERIES = ["data", "uppgifterna", "kommun", "k", "hållplats", "hållplatser", "badplats ", "schools ",
           "malmö", "MALMÖ", "trafikverket", "data malmö", "parkering avgift", "luftkv", "luftkv ",
           "kommunen data", "saknas", "göteborg hållpl", '"kommer från" malmö', '"från kommer" data',
           "stad", "2024"]


@pytest.fixture
def loaded(http_server: FixtureHTTPServer, add_source: Callable, harvest: HarvestFn, engine: Engine) -> Searcher:
    add_source("many", http_server.set("many.ttl", catalogue()))
    assert harvest("many").added == len(TOPICS) * len(PLACES)
    return Searcher(engine)


def _hits(searcher: Searcher, q: str, threshold: int) -> list[int]:
    searcher.memory_threshold = threshold
    return searcher.search(SearchQuery(q=q, per_page=1000, status="all")).pks


def test_memory_index_finds_what_the_database_finds(loaded: Searcher, monkeypatch: pytest.MonkeyPatch) -> None:
    idx = loaded.index()
    assert loaded.terms_for(idx) is not None
    from_db = {q: sorted(_hits(loaded, q, BM25_LIMIT)) for q in QUERIES}
    assert from_db["data"] and from_db["hållplats"] and not from_db["saknas"]

    def no_database(phrases: list[list[str]], words: list[str], trailing_prefix: bool) -> tuple:
        assert phrases and not words, "only quoted phrases go to the database"
        return real(phrases, words, trailing_prefix)

    real = loaded._db_matches
    monkeypatch.setattr(loaded, "_db_matches", no_database)
    for q in QUERIES:
        assert sorted(_hits(loaded, q, -1)) == from_db[q], q


def test_fields_are_marked(loaded: Searcher) -> None:
    terms = loaded.terms_for(loaded.index())
    assert terms is not None
    n = terms.size

    def where(word: str, fields: int = term_index.ANY, prefix: bool = False) -> int:
        mask = np.zeros(n, dtype=bool)
        terms.mark(mask, word, fields=fields, prefix=prefix)
        return int(mask.sum())

    assert where("data") == n
    assert where("data", term_index.TITLE) == 0
    assert where("data", term_index.KEYWORDS) == n
    assert where("uppgifterna", term_index.DESCRIPTION) == n
    assert where("malmö", term_index.TITLE) == len(TOPICS)
    assert where("hållplats", term_index.STEMS) == len(PLACES)
    assert where("hållpl", prefix=True) == len(PLACES)
    assert where("hållpl") == 0


def test_ranks_title_over_keywords_over_description(loaded: Searcher) -> None:
    loaded.memory_threshold = -1
    hits = loaded.search(SearchQuery(q="badplatser ", per_page=50))
    first = loaded.engine.connect()
    try:
        from sqlalchemy import text

        titles = [first.execute(text("SELECT title FROM dataset WHERE pk = :pk"), {"pk": pk}).scalar()
                  for pk in hits.pks]
    finally:
        first.close()
    assert titles and all(t.startswith("Badplatser") for t in titles)


def test_follows_the_catalogue_generation(loaded: Searcher, http_server: FixtureHTTPServer,
                                           harvest: HarvestFn) -> None:
    loaded.memory_threshold = -1
    before = loaded.terms_for(loaded.index())
    assert before is not None
    assert _hits(loaded, "fjärrvärme", -1) == []
    http_server.set("many.ttl", catalogue(
        '<https://x.example/d/new> a dcat:Dataset ; dct:title "Fjärrvärme i Lund"@sv ; '
        'dct:publisher <https://x.example/org/a> .\n'))
    assert harvest("many").added == 1
    after = loaded.terms_for(loaded.index())
    assert after is not None and after.generation > before.generation
    assert len(_hits(loaded, "fjärrvärme", -1)) == 1


def test_large_catalogues_build_in_the_background(loaded: Searcher, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(searcher, "TERMS_IN_BACKGROUND", 0)
    built = threading.Event()
    real_build = term_index.build

    def slow_build(*args: object) -> term_index.TermIndex | None:
        built.wait(10)  # the database answers meanwhile
        return real_build(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(term_index, "build", slow_build)
    idx = loaded.index()
    assert loaded.terms_for(idx) is None and loaded.state()["term_index"] == "none"  # a one-shot command
    loaded.background_terms = True  # as warm() sets it in a serving process
    assert loaded.terms_for(idx) is None and loaded.state()["term_index"] == "building"
    expected = sorted(_hits(loaded, "data", BM25_LIMIT))
    assert sorted(_hits(loaded, "data", -1)) == expected  # answered by the database while building
    built.set()
    for _ in range(200):
        if loaded.terms_for(idx) is not None:
            break
        threading.Event().wait(0.05)
    assert loaded.terms_for(idx) is not None
    assert sorted(_hits(loaded, "data", -1)) == expected


def test_first_k_equals_a_full_sort() -> None:
    rng = np.random.default_rng(7)
    for n, k in [(1000, 20), (1000, 1), (5000, 60), (100, 99), (50, 50)]:
        primary = rng.integers(0, 4, n).astype(np.float64)  # many ties, as with a common word
        tiebreak = rng.permutation(n)
        expected = np.lexsort((tiebreak, primary))[:k]
        assert _first(primary, tiebreak, k).tolist() == expected.tolist()


def test_kth_smallest_past_the_first_distinct_values() -> None:
    rng = np.random.default_rng(11)
    for n, distinct, k in [(5000, 2, 20), (5000, 9, 4000), (300, 300, 150), (1, 1, 1), (64, 64, 64)]:
        values = rng.integers(0, distinct, n).astype(np.float64)
        assert _kth_smallest(values, k) == np.sort(values)[k - 1]


@pytest.mark.parametrize("values", [30, SMALL, 1])  # a small facet counts with one bit set per value
def test_facet_counts_sparse_and_dense_agree(values: int) -> None:
    rng = np.random.default_rng(3)
    size = 2000
    doc = rng.integers(0, size, 9000)
    val = rng.integers(0, values, 9000)
    pairs = np.unique(np.stack([val, doc]), axis=1)  # grouped by value, as the facet table gives them
    facet = Facet.build([f"v{i}" for i in range(values)], pairs[1], pairs[0], size)
    assert (len(facet.by_doc) == 0 and facet.single is None) == (values <= SMALL)  # bits alone
    assert len(facet.packed) == values  # 30 values of 2,000 datasets: every one over 1/128 of them
    for density in (0.0, 0.01, 0.2, 0.3, 0.9, 1.0):
        mask = rng.random(size) < density
        naive = np.bincount(pairs[0][mask[pairs[1]]], minlength=values)
        assert facet.counts(mask).tolist() == naive.tolist()


def test_a_failed_background_build_leaves_the_database_answering(
        loaded: Searcher, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(searcher, "TERMS_IN_BACKGROUND", 0)
    calls: list[int] = []

    def broken(*args: object) -> term_index.TermIndex | None:
        calls.append(1)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(term_index, "build", broken)
    loaded.background_terms = True
    idx = loaded.index()
    assert loaded.terms_for(idx, wait=True) is None
    assert loaded.state()["term_index"] == "failed"
    assert sorted(_hits(loaded, "data", -1)) == sorted(_hits(loaded, "data", BM25_LIMIT)) != []
    assert loaded.terms_for(idx, wait=True) is None
    assert len(calls) == 1  # not retried for the same generation


def test_warm_builds_both_indexes_for_a_serving_process(loaded: Searcher, engine: Engine,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(searcher, "TERMS_IN_BACKGROUND", 0)  # as for a large catalogue
    searcher.forget(engine)  # the fixture's searcher was not made by warm()
    searcher.warm(engine).join(30)
    served = searcher.searcher_for(engine)
    assert served.background_terms
    assert served.state() == {"generation": served.index().generation, "datasets": len(TOPICS) * len(PLACES),
                              "term_index": "ready"}


def test_postings_are_reordered_when_the_database_sorts_terms_otherwise() -> None:
    def split(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return codes // 100, (codes % 100).astype(np.uint8)

    builder = term_index._Builder(np.array([10, 20, 30], dtype=np.int64), split)
    builder.add("ö", "1001,3004")  # dataset 10 (title), dataset 30 (description)
    builder.add("a", "2002,2004,9901")  # dataset 20 twice (keywords, description); 99 is not indexed
    builder.flush()
    builder.add("b", "3016")
    terms = builder.finish(generation=7)
    assert terms.words == ["a", "b", "ö"]
    mask = np.zeros(3, dtype=bool)
    terms.mark(mask, "a", fields=term_index.DESCRIPTION)
    assert mask.tolist() == [False, True, False]
    mask[:] = False
    terms.mark(mask, "ö", fields=term_index.TITLE)
    assert mask.tolist() == [True, False, False]
    mask[:] = False
    terms.mark(mask, "b", fields=term_index.STEMS)
    assert mask.tolist() == [False, False, True]


def test_smallest_ranks_among_many_ties() -> None:
    rng = np.random.default_rng(5)
    for n, m, k in [(100_000, 90_000, 60), (1000, 10, 3), (1000, 1000, 999), (50, 7, 7), (10_000, 200, 1)]:
        values = rng.permutation(n)[:m]
        assert _smallest(values, k).tolist() == np.argsort(values, kind="stable")[:k].tolist()
