"""Memory and time of building the search indexes for a catalogue already in a database, and of
updating them in place after harvests that change a few datasets.

    .venv/bin/python -m benchmarks.search_memory sqlite:////tmp/s100k.db [--changed 50]

Run it on the database of an earlier `benchmarks.search` run. It builds the facet index, then the
term index, in this process, and prints each build's time, the term index's own size and the
process's peak resident memory after it (`ru_maxrss`). With ``--changed N`` it then harvests a second,
small source into the same catalogue: N new datasets, then the same with N/2 of them changed, and
after each harvest times the searcher's move to the new generation (updated in place:
catalog/search/incremental.py), and last a fresh build of the final generation for comparison.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import multiprocessing as mp
import resource
import sys
import tempfile
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import text

from catalog.search.searcher import Searcher
from catalog.search.term_index import TermIndex
from catalog.store.engine import make_engine


def peak_mib() -> float:
    """The peak resident size since the start or the last :func:`reset_peak`."""
    status = _status()
    return status["VmHWM"] if "VmHWM" in status else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mib() -> float:
    """The resident size now."""
    return _status().get("VmRSS", 0.0)


def reset_peak() -> None:
    """Start the peak resident size (VmHWM) afresh from now (Linux: /proc/self/clear_refs)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _status() -> dict[str, float]:
    try:
        lines = Path("/proc/self/status").read_text().splitlines()
    except OSError:
        return {}
    return {k: int(v.split()[0]) / 1024 for k, _, v in (line.partition(":") for line in lines)
            if k in ("VmRSS", "VmHWM")}


def _strings_mib(items: Any) -> float:
    return sum(sys.getsizeof(w) for w in items) / 2**20


def breakdown(searcher: Searcher) -> dict[str, float]:
    """MiB held by each part of a searcher's indexes (NumPy buffers and the vocabulary's strings)."""
    from catalog.search import suggest

    out: dict[str, float] = {}
    idx = searcher._index
    if idx is not None:
        out["sort keys, statuses, quality (facet index)"] = sum(
            a.nbytes for a in (idx.pks, idx.active, idx.withdrawn, idx.title_rank, idx.modified_rank, idx.quality)
        ) / 2**20
        matrices = bits = by_doc = values = 0.0
        for fx in idx.facets.values():
            matrices += fx.indices.nbytes + fx.indptr.nbytes + fx.row_values.nbytes + fx.value_rows.nbytes
            bits += fx.packed.nbytes
            by_doc += fx.ptr.nbytes + fx.by_doc.nbytes + (fx.single.nbytes if fx.single is not None else 0)
            values += _strings_mib(fx.values) * 2**20 + sys.getsizeof(fx.values) + sys.getsizeof(fx.index)
        out["facet pairs by value (indices, indptr)"] = matrices / 2**20
        out["facet values' bit sets"] = bits / 2**20
        out["facet pairs by dataset (ptr, by_doc, single)"] = by_doc / 2**20
        out["facet values (strings, lookup)"] = values / 2**20
    terms = searcher._terms
    if terms is not None:
        out["term index postings (doc, bits)"] = postings_mib(terms)
        out["term index offsets and words"] = term_index_mib(terms) - postings_mib(terms)
    vocab = suggest._latest
    if vocab is not None:
        size = 0.0
        for buckets in (vocab.by_first, vocab.by_last):
            for folded, words, counts in buckets.values():
                size += _strings_mib(folded) + sys.getsizeof(words) / 2**20 + sys.getsizeof(counts) / 2**20
        out["suggest vocabulary (buckets)"] = size
    return out


def term_index_mib(terms: TermIndex) -> float:
    """The postings, their offsets and the vocabulary's strings and list."""
    return postings_mib(terms) + (terms.ptr.nbytes + sys.getsizeof(terms.words)) / 2**20 + _strings_mib(terms.words)


def postings_mib(terms: TermIndex) -> float:
    return (terms.doc.nbytes + terms.bits.nbytes) / 2**20


EXTRA_BASE = "https://extra.bench.example/"


def _harvest_extra(db_url: str, url: str, queue: Any) -> None:
    """Harvest the extra source (registered on first use), in a process of its own."""
    from catalog.errors import NotFound
    from catalog.services import sources
    from catalog.settings import Settings
    from catalog.store.engine import init_engine
    from harvester.registration import register_source
    from harvester.runner import harvest_source

    settings = Settings(database_url=db_url, allow_private_sources=True)
    engine = init_engine(db_url)
    try:
        source = sources.get_source(engine, "bench-extra")
    except NotFound:
        source = register_source(engine, settings, name="bench-extra", kind="dcat", url=url)
    start = time.perf_counter()
    job = harvest_source(engine=engine, source=source, settings=settings)
    queue.put({"status": job.status, "added": job.added, "updated": job.updated,
               "seconds": time.perf_counter() - start})


def harvest_extra(db_url: str, datasets: int, changed: int) -> None:
    """A second, small source next to the benchmark's catalogue: ``datasets`` generated datasets of
    their own, the first ``changed`` of them with a changed title (a harvest that changes a few)."""
    from benchmarks.gen_catalog import generate
    from benchmarks.harvest import _Quiet

    workdir = Path(tempfile.mkdtemp(prefix="dk-search-memory-"))
    (workdir / "catalog.ttl").write_text(generate(datasets, changed=changed, seed=7, base=EXTRA_BASE),
                                         encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(workdir)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/catalog.ttl"
    with make_engine(db_url).begin() as conn:  # registered by an earlier run: at this server now
        conn.execute(text("UPDATE source SET url = :url WHERE name = 'bench-extra'"), {"url": url})
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_harvest_extra, args=(db_url, url, queue))
    proc.start()
    r = queue.get()
    proc.join()
    server.shutdown()
    print(f"harvest of {datasets} extra datasets, {changed} of them changed: {r['status']}, added {r['added']}, "
          f"updated {r['updated']} in {r['seconds']:.1f} s")


def timed_update(searcher: Searcher) -> None:
    gc.collect()
    reset_peak()
    before = rss_mib()
    start = time.perf_counter()
    idx = searcher.index()
    terms = searcher.terms_for(idx)
    print(f"  searcher at generation {idx.generation} ({len(idx.pks)} datasets) in "
          f"{time.perf_counter() - start:.2f} s (term index {'ready' if terms is not None else 'NOT ready'}); "
          f"full builds: facet {searcher.facet_builds}, term {searcher.term_builds}; updates in place "
          f"{searcher.updates}; resident {before:.0f} -> {rss_mib():.0f} MiB, peak during the update "
          f"{peak_mib():.0f} MiB (+{peak_mib() - before:.0f})")


def fill_page_records(searcher: Searcher) -> int:
    """Fill the per-process record cache as a busy server would (every slot a record)."""
    from sqlalchemy import select

    from catalog.search.page_records import SIZE, page_records
    from catalog.store.tables import DS

    cache = page_records(searcher.engine)
    with searcher.engine.connect() as conn:
        rows = conn.execute(select(DS.c.pk, DS.c.content_hash).order_by(DS.c.pk).limit(SIZE)).all()
        for at in range(0, len(rows), 200):
            cache.records(conn, rows[at:at + 200])
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db_url")
    parser.add_argument("--changed", type=int, default=0,
                        help="then harvest a second source of this many datasets, then again with half changed")
    parser.add_argument("--rebuild", action="store_true",
                        help="then build both indexes afresh while holding the current ones (as after a change "
                             "too large to apply in place), reporting the peak; writes nothing")
    args = parser.parse_args()
    from catalog.search import suggest

    searcher = Searcher(make_engine(args.db_url))
    with searcher.engine.connect() as conn:  # the driver and the engine's first connection
        conn.execute(text("SELECT 1"))
    gc.collect()
    baseline = rss_mib()
    print(f"before (interpreter, imports, engine): resident {baseline:.0f} MiB")
    reset_peak()
    start = time.perf_counter()
    idx = searcher.index()
    gc.collect()
    print(f"facet index: {len(idx.pks)} datasets in {time.perf_counter() - start:.1f} s, "
          f"resident {rss_mib():.0f} MiB, peak during the build {peak_mib():.0f} MiB")
    reset_peak()
    before = rss_mib()
    start = time.perf_counter()
    terms = searcher.terms_for(idx, wait=True)
    assert terms is not None
    gc.collect()
    print(f"term index: {len(terms.words)} terms, {len(terms.doc)} postings, {term_index_mib(terms):.0f} MiB "
          f"(postings {postings_mib(terms):.0f} MiB) in {time.perf_counter() - start:.1f} s, "
          f"resident {rss_mib():.0f} MiB, peak during the build {peak_mib():.0f} MiB (+{peak_mib() - before:.0f})")
    reset_peak()
    before = rss_mib()
    start = time.perf_counter()
    suggest.vocabulary_of(terms, wait=True)
    gc.collect()
    print(f"suggest vocabulary in {time.perf_counter() - start:.1f} s: resident {before:.0f} -> {rss_mib():.0f} MiB")
    before = rss_mib()
    filled = fill_page_records(searcher)
    gc.collect()
    print(f"page-record cache filled ({filled} records): resident {before:.0f} -> {rss_mib():.0f} MiB")
    held = breakdown(searcher)
    steady = rss_mib()
    print(f"steady: resident {steady:.0f} MiB, of which the indexes' own buffers {sum(held.values()):.0f} MiB:")
    for part, mib in held.items():
        print(f"  {part:52s} {mib:8.1f} MiB")
    n = len(idx.pks)
    print(f"  per 100,000 datasets: indexes {sum(held.values()) * 100_000 / n:.0f} MiB; resident above the "
          f"baseline {(steady - baseline) * 100_000 / n:.0f} MiB")
    if args.rebuild:
        from catalog.search import term_index
        from catalog.search.facets import build_index

        gc.collect()
        reset_peak()
        before = rss_mib()
        start = time.perf_counter()
        fresh_idx = build_index(searcher.engine)
        middle = time.perf_counter()
        fresh_terms = term_index.build(searcher.engine, fresh_idx.pks, fresh_idx.generation)
        print(f"a full rebuild beside the held indexes: facet {middle - start:.1f} s, term "
              f"{time.perf_counter() - middle:.1f} s; resident {before:.0f} MiB, peak {peak_mib():.0f} MiB "
              f"(+{peak_mib() - before:.0f})")
        del fresh_idx, fresh_terms
    if not args.changed:
        return
    for changed in (0, args.changed // 2):  # first the source's datasets are new, then some change
        harvest_extra(args.db_url, args.changed, changed)
        timed_update(searcher)
    fresh = Searcher(searcher.engine)
    start = time.perf_counter()
    fresh_idx = fresh.index()
    middle = time.perf_counter()
    fresh.terms_for(fresh_idx, wait=True)
    print(f"a fresh build of the same generation: facet index {middle - start:.1f} s, "
          f"term index {time.perf_counter() - middle:.1f} s")


if __name__ == "__main__":
    main()
