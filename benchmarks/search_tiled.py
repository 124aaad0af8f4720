"""Search in process at a multiple of a catalogue's size: its indexes tiled (a scratch profile).

    .venv/bin/python -m benchmarks.search_tiled postgresql://…/h2_s100k [--times 10] [--repeat 15]

Builds the searcher's facet index and term index of the catalogue in the database, then copies
them ``--times`` over into indexes of ``times`` × the datasets (each copy's positions after the
ones before, its titles and dates interleaved with theirs), and times :meth:`Searcher.search` for
each query of benchmarks/search.py, in process (no HTTP, no page rows). Words the term index leaves
to the database are answered by the database of the original catalogue, their matches tiled the
same way (so they cost what they cost at the original size). Prints the median and max per
query and per kind (wall time, and the thread's CPU time, which a busy machine disturbs less); with
``--profile KIND`` a cProfile of that kind's queries. Figures it prints, nothing it asserts. It runs
on older trees too (facets held as a SciPy matrix), for a before and after under the same load.
"""

from __future__ import annotations

import argparse
import cProfile
import pickle
import pstats
import statistics
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.search import QUERIES
from catalog.search.facets import Facet, FacetIndex
from catalog.search.query import SearchQuery, query_from_params
from catalog.search.searcher import Searcher
from catalog.search.term_index import TermIndex
from catalog.store.engine import make_engine


def _pairs(fx: Facet) -> tuple[np.ndarray, np.ndarray]:
    """(dataset positions, value ids) of a facet, of this tree or of one holding a SciPy matrix."""
    if hasattr(fx, "pairs"):
        return fx.pairs()
    m = fx.matrix  # type: ignore[attr-defined]
    return m.indices.astype(np.int64), np.repeat(np.arange(len(fx.values), dtype=np.int64), np.diff(m.indptr))


def tile_facets(idx: FacetIndex, times: int) -> FacetIndex:
    n = len(idx.pks)
    step = int(idx.pks[-1]) + 1 if n else 1
    pks = np.concatenate([idx.pks + k * step for k in range(times)])
    facets: dict[str, Facet] = {}
    for name, fx in idx.facets.items():
        doc, val = _pairs(fx)
        facets[name] = Facet.build(list(fx.values), np.concatenate([doc + k * n for k in range(times)]),
                                   np.tile(val, times), n * times)
    return FacetIndex(
        generation=idx.generation, pks=pks, active=np.tile(idx.active, times), withdrawn=np.tile(idx.withdrawn, times),
        title_rank=(np.tile(idx.title_rank.astype(np.int64) * times, times)
                    + np.repeat(np.arange(times), n)).astype(np.int32),
        modified_rank=(np.tile(idx.modified_rank.astype(np.int64) * times, times)
                       + np.repeat(np.arange(times), n)).astype(np.int32),
        quality=np.tile(idx.quality, times), facets=facets, publisher_names=idx.publisher_names,
        publisher_aliases=idx.publisher_aliases)


def tile_terms(terms: TermIndex, times: int) -> TermIndex:
    n = terms.size
    counts = np.diff(terms.ptr)
    ptr = terms.ptr * times
    word = np.repeat(np.arange(len(counts)), counts)
    offset = np.arange(len(terms.doc)) - terms.ptr[word]
    doc = np.empty(len(terms.doc) * times, dtype=terms.doc.dtype)
    bits = np.empty(len(terms.doc) * times, dtype=terms.bits.dtype)
    for k in range(times):
        at = ptr[word] + k * counts[word] + offset
        doc[at] = terms.doc + k * n
        bits[at] = terms.bits
    return TermIndex(generation=terms.generation, size=n * times, words=terms.words, ptr=ptr, doc=doc, bits=bits)


def _indexes(searcher: Searcher, cache: str | None) -> tuple[FacetIndex, TermIndex]:
    """The catalogue's indexes, built, or read from ``cache`` (a pickle of their arrays) if it exists."""
    if cache and Path(cache).exists():
        with open(cache, "rb") as f:
            idx, facets, terms = pickle.load(f)
        idx.facets = {name: Facet.build(values, doc, val, len(idx.pks)) for name, (values, doc, val) in facets.items()}
        return idx, terms
    idx = searcher.index()
    built = searcher.terms_for(idx, wait=True)
    assert built is not None
    if cache:
        facets = {}
        for name, fx in idx.facets.items():
            facets[name] = (fx.values, *_pairs(fx))
        with open(cache, "wb") as f:
            pickle.dump((replace(idx, facets={}), facets, built), f, protocol=5)
    return idx, built


def tiled_searcher(url: str, times: int, cache: str | None = None) -> Searcher:
    searcher = Searcher(make_engine(url))
    idx, terms = _indexes(searcher, cache)
    step = int(idx.pks[-1]) + 1
    big_idx, big_terms = tile_facets(idx, times), tile_terms(terms, times)
    searcher._index, searcher._terms = big_idx, big_terms
    searcher.terms_for = lambda idx, wait=False: big_terms  # type: ignore[method-assign,misc]
    searcher.index = lambda conn=None: big_idx  # type: ignore[method-assign]
    db_run = searcher._db_run

    def tiled_db_run(expr: str) -> tuple[np.ndarray, np.ndarray]:
        pks, scores = db_run(expr)
        return np.concatenate([pks + k * step for k in range(times)]), np.tile(scores, times)

    searcher._db_run = tiled_db_run  # type: ignore[method-assign]
    return searcher


def query_of(params: dict[str, Any]) -> SearchQuery:
    """The query the API makes of these parameters."""
    return query_from_params({k: [str(x) for x in v] if isinstance(v, list) else [str(v)] for k, v in params.items()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--times", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--profile", default=None, help="a query kind to profile (cProfile)")
    parser.add_argument("--cache", default=None, help="a file keeping the catalogue's indexes between runs")
    parser.add_argument("--kinds", default=None, help="only these query kinds (comma-separated)")
    parser.add_argument("--save", default=None, help="write each query's total and pks here (to compare trees)")
    args = parser.parse_args()
    started = time.perf_counter()
    searcher = tiled_searcher(args.url, args.times, args.cache)
    print(f"tiled {args.times}x: {len(searcher._index.pks):,} datasets, "  # type: ignore[union-attr]
          f"{len(searcher._terms.doc):,} postings in {time.perf_counter() - started:.0f} s")  # type: ignore[union-attr]
    saved: list[str] = []
    for kind, params_list in QUERIES.items():
        if args.kinds and kind not in args.kinds.split(","):
            continue
        every: list[float] = []
        every_cpu: list[float] = []
        for params in params_list:
            query = query_of(params)
            ms: list[float] = []
            cpu: list[float] = []
            for _ in range(args.repeat):
                t0, c0 = time.perf_counter(), time.thread_time()
                hits = searcher.search(query)
                ms.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.thread_time() - c0) * 1000)
            every += ms[1:]  # the first: a sort order computed once per generation
            every_cpu += cpu[1:]
            saved.append(f"{params} {hits.total} {hits.pks} {sorted((f, str(v)) for f, v in hits.facets.items())}")
            print(f"  {str(params):50s} total {hits.total:8d}  first {ms[0]:7.1f}"
                  f"  median {statistics.median(ms[1:]):7.1f}  max {max(ms[1:]):7.1f}"
                  f"  CPU median {statistics.median(cpu[1:]):7.1f} ms")
        print(f"{kind:24s} median {statistics.median(every):7.1f} ms  max {max(every):7.1f} ms"
              f"  CPU median {statistics.median(every_cpu):7.1f} ms")
    if args.save:
        with open(args.save, "w", encoding="utf-8") as out:
            out.write("\n".join(saved) + "\n")
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(args.repeat):
            for params in QUERIES[args.profile]:
                searcher.search(query_of(params))
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
