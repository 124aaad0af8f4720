"""The search indexes' compact forms (decision 0010): a facet built in narrow dtypes counts and filters
as SciPy's own construction does, and the term index's block-wise merge equals a build from scratch."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import orjson
import pytest
from scipy import sparse

from catalog.search import incremental
from catalog.search.facets import Facet
from catalog.search.page_records import PageRecords
from catalog.search.term_index import TermIndex


def index_of(pairs: dict[str, dict[int, int]], size: int, generation: int = 1) -> TermIndex:
    """A term index from word -> {dataset position: field bits}."""
    words = sorted(w for w, docs in pairs.items() if docs)
    ptr = np.zeros(len(words) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(pairs[w]) for w in words])
    doc = np.array([d for w in words for d in sorted(pairs[w])], dtype=np.int32)
    bits = np.array([pairs[w][d] for w in words for d in sorted(pairs[w])], dtype=np.uint8)
    return TermIndex(generation=generation, size=size, words=words, ptr=ptr, doc=doc, bits=bits)


def postings(terms: TermIndex) -> dict[str, list[tuple[int, int]]]:
    return {w: list(zip(terms.doc[terms.ptr[i]:terms.ptr[i + 1]].tolist(),
                        terms.bits[terms.ptr[i]:terms.ptr[i + 1]].tolist(), strict=True))
            for i, w in enumerate(terms.words) if terms.ptr[i + 1] > terms.ptr[i]}


@pytest.mark.parametrize("block", [1, 7, 64, 1 << 22])
def test_a_block_wise_merge_equals_a_fresh_build(monkeypatch: pytest.MonkeyPatch, block: int) -> None:
    monkeypatch.setattr(incremental, "MERGE_BLOCK", block)
    rng = np.random.default_rng(block)
    size = 300
    vocabulary = [f"w{i:03d}" for i in range(0, 80, 2)]
    before = {w: {int(d): int(rng.integers(1, 32)) for d in rng.choice(size - 20, rng.integers(1, 120), replace=False)}
              for w in vocabulary}
    # datasets changed (some existing, the last 20 new), with words old and new
    changed = np.unique(np.concatenate([rng.choice(size - 20, 30, replace=False), np.arange(size - 20, size)]))
    after = {w: {d: b for d, b in docs.items() if d not in set(changed.tolist())} for w, docs in before.items()}
    delta: dict[str, dict[int, int]] = {}
    for d in changed.tolist():
        for w in rng.choice([f"w{i:03d}" for i in range(80)], rng.integers(0, 12), replace=False).tolist():
            b = int(rng.integers(1, 32))
            delta.setdefault(w, {})[d] = b
            after.setdefault(w, {})[d] = b
    old = index_of(before, size - 20)
    merged = incremental.merge(old, index_of(delta, size), changed, size, 2)
    assert postings(merged) == postings(index_of(after, size))
    assert merged.size == size and merged.generation == 2
    # words whose postings all went stay, empty; every word of either index is in the vocabulary
    assert merged.words == sorted(set(old.words) | set(delta))
    assert merged.doc.dtype == np.int32 and merged.bits.dtype == np.uint8


@pytest.mark.parametrize(("values", "single"), [(1, False), (3, False), (40, False), (300, False), (70_000, False),
                                                (3, True), (40, True), (255, True), (300, True)])
def test_a_compact_facet_counts_as_scipy_does(values: int, single: bool) -> None:
    rng = np.random.default_rng(values)
    size = 2000
    doc = rng.integers(0, size, 6000)
    val = rng.integers(0, values, 6000)
    pairs = np.unique(np.stack([val, doc]), axis=1)  # the facet table holds each pair once
    val, doc = pairs[0], pairs[1]
    if single:  # at most one value a dataset, some datasets without
        doc, first = np.unique(doc, return_index=True)
        val = val[first]
        keep = rng.random(len(doc)) < 0.9
        doc, val = doc[keep], val[keep]
    shuffle = rng.permutation(len(doc))
    facet = Facet.build([f"v{i}" for i in range(values)], doc[shuffle], val[shuffle], size)
    reference = sparse.csr_matrix((np.ones(len(doc)), (val, doc)), shape=(values, size))
    held_doc, held_val = facet.pairs()
    held = sparse.csr_matrix((np.ones(len(held_doc)), (held_val, held_doc)), shape=(values, size))
    assert (held != reference).nnz == 0
    assert facet.indices.dtype == np.int32 and facet.packed.dtype == np.uint64
    assert (facet.single is not None) == (single and values > 4)
    if values <= 4:  # counted by bits alone
        assert len(facet.by_doc) == 0 and len(facet.packed) == values
    elif facet.single is None:
        assert facet.ptr.dtype == np.int32
        assert facet.by_doc.dtype == (np.uint8 if values <= 256 else np.uint16 if values <= 65536 else np.int32)
    else:
        assert facet.single.dtype == (np.uint8 if values < 256 else np.uint16)
    for share in (0.001, 0.02, 0.5, 0.9, 1.0):  # the gather path, the bit sets and the values gathered
        mask = rng.random(size) < share
        expected = np.asarray(reference @ mask.astype(np.float64)).astype(np.int64)
        assert np.array_equal(facet.counts(mask), expected)
    chosen = [0, values - 1]
    assert np.array_equal(facet.having(chosen, size), np.asarray(reference[chosen].sum(axis=0)).ravel() > 0)


class _Records:
    """A connection answering the cache's one query (records by primary key) from a dict."""

    def __init__(self, raw: dict[int, str]) -> None:
        self.raw = raw

    def execute(self, statement: Any) -> list[tuple[int, str, str]]:
        [pks] = statement.compile().params.values()
        return [(pk, f"h{pk}", self.raw[pk]) for pk in pks]


def test_the_record_cache_keeps_to_its_byte_budget() -> None:
    raw = {pk: orjson.dumps({"uri": f"https://x.example/big/{pk}",
                             "keywords": [f"w{pk}-{j}" for j in range(500)]}).decode() for pk in range(10)}
    rows = [SimpleNamespace(pk=pk, content_hash=f"h{pk}") for pk in raw]
    conn: Any = _Records(raw)
    cache = PageRecords(size=100, budget=len(raw[0]) * 3 + 10)  # room for three by bytes, a hundred by count
    first = cache.records(conn, rows)
    assert len(first) == 10 and first[0].keywords[0] == "w0-0"  # a page is answered whole
    assert len(cache._held) == 3 and cache.stored_bytes <= cache.budget
    reads = cache.reads
    cache.records(conn, rows[-3:])  # the last three read are held
    assert cache.reads == reads
    cache.records(conn, rows[:1])
    assert cache.reads == reads + 1 and len(cache._held) == 3
    assert cache.stored_bytes == sum(len(raw[pk]) for pk in cache._held)


@pytest.mark.parametrize("k", [1, 20, 5000, 100_000])
def test_the_first_in_an_order_are_those_of_a_full_filter(k: int) -> None:
    from catalog.search.searcher import _first_in_order

    rng = np.random.default_rng(k)
    order = rng.permutation(60_000).astype(np.int32)
    for share in (0.07, 0.5, 1.0):
        final = rng.random(60_000) < share
        assert _first_in_order(order, final, k).tolist() == order[final[order]][:k].tolist()


def test_pages_of_every_sort_are_those_of_a_full_sort(http_server, add_source, harvest, engine) -> None:  # type: ignore[no-untyped-def]
    from catalog.search.query import SearchQuery
    from catalog.search.searcher import Searcher
    from tests.catalog.test_term_index import catalogue

    add_source("many", http_server.set("many.ttl", catalogue()))
    assert harvest("many").added == 30
    searcher = Searcher(engine)
    idx = searcher.index()
    for q in (None, "data", "kommun"):
        for sort in ("relevance", "title", "modified", "quality"):
            for filters in ({}, {"publisher": [idx.facets["publisher"].values[0]]}):
                every = searcher.search(SearchQuery(q=q, sort=sort, filters=filters, status="all", per_page=1000))
                positions = np.searchsorted(idx.pks, np.asarray(every.pks))
                if sort != "relevance" or q is None:  # the order of a full sort by (key, title)
                    primary = {"title": idx.title_rank, "modified": -idx.modified_rank.astype(np.int64)}.get(
                        sort, -idx.quality)[positions]
                    expected = positions[np.lexsort((idx.title_rank[positions], primary))]
                    assert positions.tolist() == expected.tolist(), (q, sort, filters)
                for page, per_page in ((1, 7), (2, 7), (3, 5)):
                    found = searcher.search(SearchQuery(q=q, sort=sort, filters=filters, status="all", page=page,
                                                        per_page=per_page))
                    assert found.pks == every.pks[(page - 1) * per_page:page * per_page], (q, sort, page)
                    assert found.total == every.total


def test_a_terms_occurrences_out_of_dataset_order_are_sorted() -> None:
    from catalog.search import term_index

    pks = np.array([3, 5, 8, 13], dtype=np.int64)
    builder = term_index._Builder(pks, term_index._postgres_split)
    builder.add("alpha", "416,97,161")  # pks 13, 3, 5 (pk * 32 + field bits): as a parallel plan might send them
    builder.add("beta", "256,97")  # 8, 3
    built = builder.finish(1)
    assert built.words == ["alpha", "beta"] and built.ptr.tolist() == [0, 3, 5]
    assert built.doc.tolist() == [0, 1, 3, 0, 2] and built.bits.tolist() == [1, 1, 31, 1, 31]
