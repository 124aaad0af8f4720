"""The searcher's faster paths give what the paths they replaced gave: matches from the term index
kept as a code a dataset (catalog.search.ranking) rank exactly as the listed positions and scores
do, tiers of synonyms and translations included; a word's codes are its marks; and facet counts by
bit sets equal a plain count."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from sqlalchemy import Engine

from catalog.search import expansion, ranking, term_index
from catalog.search.facets import Facet, Selection
from catalog.search.query import SearchQuery
from catalog.search.searcher import Searcher
from catalog.search.stemming import word_stems
from tests.catalog.test_term_index import QUERIES, catalogue
from tests.conftest import FixtureHTTPServer, HarvestFn

# words of the glossary (catalog.search.expansion), so that their synonyms and translations are tiers
EXPANDED = ["kommun", "hållplatser", "badplats ", "parkering", "luftkvalitet ", "schools ", "bus stops",
            "kollektivtrafik malmö", "park", "vård"]


@pytest.fixture
def loaded(http_server: FixtureHTTPServer, add_source: Callable, harvest: HarvestFn, engine: Engine) -> Searcher:
    add_source("many", http_server.set("many.ttl", catalogue()))
    assert harvest("many").added == 30
    searcher = Searcher(engine)
    searcher.memory_threshold = -1  # every word from the term index
    return searcher


def test_a_words_codes_are_its_marks(loaded: Searcher) -> None:
    terms = loaded.terms_for(loaded.index())
    assert terms is not None
    n = terms.size
    fields = ((term_index.TITLE, term_index.CODE_TITLE), (term_index.KEYWORDS, term_index.CODE_KEYWORDS),
              (term_index.PUBLISHER, term_index.CODE_PUBLISHER))
    words = sorted({w for w in terms.words} | {w[:k] for w in terms.words for k in (1, 3, 5)})
    for word in words:
        for prefix in (False, True):
            stems = word_stems(word)
            codes = terms.codes(n, word, prefix=prefix, stems=stems)
            found = np.zeros(n, dtype=bool)
            terms.mark(found, word, prefix=prefix)
            for stem in stems:
                terms.mark(found, stem, fields=term_index.STEMS)
            assert np.array_equal(codes != 0, found), (word, prefix)
            assert np.array_equal(codes & term_index.FOUND != 0, found), (word, prefix)
            in_fields = terms.mark_fields(n, word, tuple(f for f, _ in fields), prefix=prefix)
            for (_, code), marked in zip(fields, in_fields, strict=True):
                assert np.array_equal(codes & code != 0, marked), (word, prefix, code)


def test_larger_codes_score_higher() -> None:
    found = ranking.FIELD_SCORES[term_index.FOUND:term_index.FOUND + ranking.CODES_A_TIER]
    assert found.tolist() == [1.0, 3.0, 5.0, 7.0, 11.0, 13.0, 15.0, 17.0]
    assert not ranking.FIELD_SCORES[:term_index.FOUND].any()


@pytest.mark.parametrize("seed", range(6))
def test_coded_tiers_rank_as_listed_ones(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 5000
    tiers = []
    for share in rng.random(int(rng.integers(1, 4))):
        found = rng.random(n) < share * 0.6
        codes = rng.integers(term_index.FOUND, term_index.FOUND + ranking.CODES_A_TIER, n).astype(np.uint8)
        tiers.append(np.where(found, codes, np.uint8(0)).astype(np.uint8))
    if seed == 0:
        tiers.insert(0, np.zeros(n, dtype=np.uint8))  # the query itself found nothing, its synonyms did
    coded = ranking.combine_coded(tiers)
    positions, scores = expansion.combine(n, [ranking.Coded(t).listed() for t in tiers])
    order = np.argsort(positions)
    assert coded.listed()[0].tolist() == positions[order].tolist()
    assert coded.listed()[1].tolist() == scores[order].tolist()  # the same floats, not merely close
    assert np.array_equal(coded.mask(), ranking.Listed(positions, scores, n).mask())


def _listed(searcher: Searcher, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the searcher turn every match into the listed form, as before the codes."""
    coded = searcher._expanded_matches

    def listed(q: str, idx: object) -> ranking.Matches | None:
        found = coded(q, idx)  # type: ignore[arg-type]
        if found is None:
            return None
        return ranking.Listed(*found.listed(), len(idx.pks))  # type: ignore[attr-defined]

    monkeypatch.setattr(searcher, "_expanded_matches", listed)


def test_coded_matches_search_as_listed_ones(loaded: Searcher, monkeypatch: pytest.MonkeyPatch) -> None:
    queries = [SearchQuery(q=q, per_page=per_page, page=page, sort=sort, status="all")
               for q in [*QUERIES, *EXPANDED] for per_page, page in ((5, 1), (5, 2), (100, 1))
               for sort in ("relevance", "title")]
    queries += [SearchQuery(q=q, filters={"keyword": ["data"]}, per_page=7) for q in EXPANDED]
    coded = [loaded.search(q) for q in queries]
    assert any(hits.total > 5 for hits in coded)
    _listed(loaded, monkeypatch)
    for query, hits in zip(queries, coded, strict=True):
        again = loaded.search(query)
        assert (again.total, again.pks, again.facets) == (hits.total, hits.pks, hits.facets), query


@pytest.mark.parametrize(("values", "per_dataset"), [(3, 1), (12, 1), (40, 3), (400, 2)])
def test_facet_counts_by_bits_and_gathered_agree(values: int, per_dataset: int) -> None:
    rng = np.random.default_rng(values)
    size = 10_000
    doc = np.repeat(np.arange(size), per_dataset)
    val = rng.zipf(1.3, len(doc)) % values  # a few large values (bit sets), many small (gathered)
    pairs = np.unique(np.stack([val, doc]), axis=1)
    facet = Facet.build([f"v{i}" for i in range(values)], pairs[1], pairs[0], size)
    assert 0 < len(facet.packed) <= values
    for share in (0.0, 0.01, 0.06, 0.07, 0.5, 1.0):  # few (gathered by dataset) and many
        mask = rng.random(size) < share
        naive = np.bincount(pairs[0][mask[pairs[1]]], minlength=values)
        selection = Selection(mask)
        assert facet.counts(selection).tolist() == naive.tolist()
        assert facet.counts(selection).tolist() == naive.tolist()  # its positions and bits kept
    for value in (0, values - 1):
        assert np.array_equal(facet.having([value], size), np.isin(np.arange(size), pairs[1][pairs[0] == value]))


def test_a_term_in_several_rows_is_one_word() -> None:
    """PostgreSQL sends a word's occurrences a row for each 65,536 dataset keys (term_index.POSTGRES_TERMS)."""
    def split(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return codes // 100, (codes % 100).astype(np.uint8)

    pks = np.array([10, 20, 30, 40], dtype=np.int64)
    builder = term_index._Builder(pks, split)
    builder.add("a", "1001,2002")
    builder.add("a", "3004")  # the next rows of "a", one of them in the next batch
    builder.flush()
    builder.add("a", "4001,4008")
    builder.add("b", "2016")
    builder.add("b", "3001")
    terms = builder.finish(generation=1)
    assert terms.words == ["a", "b"]
    assert terms.ptr.tolist() == [0, 4, 6]
    assert terms.doc.tolist() == [0, 1, 2, 3, 1, 2]
    assert terms.bits.tolist() == [1, 2, 4, 9, 16, 1]
    mask = np.zeros(4, dtype=bool)
    terms.mark(mask, "a", fields=term_index.PUBLISHER)
    assert mask.tolist() == [False, False, False, True]


def test_a_common_words_codes_are_kept_and_copied(loaded: Searcher) -> None:
    terms = loaded.terms_for(loaded.index())
    assert terms is not None
    n = terms.size
    first = terms.codes(n, "data", stems=word_stems("data"))  # in every dataset: kept
    assert first.all() and len(terms._codes) == 1
    expected = first.copy()
    first[:] = 0  # the caller's own copy
    assert np.array_equal(terms.codes(n, "data", stems=word_stems("data")), expected)
    assert terms.codes(n, "badplats").any() and len(terms._codes) == 2  # in a fifth: kept too
    assert not terms.codes(n, "saknas").any() and len(terms._codes) == 2  # in none: not kept
    for i in range(term_index.CODES_KEPT + 3):  # a bounded number of words
        terms.codes(n, "d" * (i % 2), prefix=True, stems=(f"x{i}",))
    assert len(terms._codes) <= term_index.CODES_KEPT


def test_a_large_catalogues_terms_come_in_chunks_alike(loaded: Searcher, monkeypatch: pytest.MonkeyPatch) -> None:
    if loaded.sqlite:
        pytest.skip("PostgreSQL's query of the terms (SQLite reads FTS5's vocabulary)")
    idx = loaded.index()
    whole = term_index.build(loaded.engine, idx.pks, idx.generation)
    monkeypatch.setattr(term_index, "CHUNKED_FROM", 0)
    chunked = term_index.build(loaded.engine, idx.pks, idx.generation)
    assert whole is not None and chunked is not None
    assert chunked.words == whole.words
    for a, b in ((chunked.ptr, whole.ptr), (chunked.doc, whole.doc), (chunked.bits, whole.bits)):
        assert np.array_equal(a, b)


def test_a_background_build_computes_the_generations_orders_first(
        loaded: Searcher, monkeypatch: pytest.MonkeyPatch) -> None:
    from catalog.search import searcher as searcher_module

    monkeypatch.setattr(searcher_module, "TERMS_IN_BACKGROUND", 0)  # as for a large catalogue
    loaded.background_terms = True
    idx = loaded.index()
    assert loaded.terms_for(idx, wait=True) is not None
    assert set(idx._orders) == {"quality", "modified", "title"} and "active" in idx._status_counts
    by_title = loaded.search(SearchQuery(sort="title", per_page=30))
    assert by_title.pks == [int(p) for p in idx.pks[np.argsort(idx.title_rank, kind="stable")]]
