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
import functools
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
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def term_index_mib(terms: TermIndex) -> float:
    """The postings, their offsets and the vocabulary's strings and list."""
    words = sys.getsizeof(terms.words) + sum(sys.getsizeof(w) for w in terms.words)
    return (terms.doc.nbytes + terms.bits.nbytes + terms.ptr.nbytes + words) / 2**20


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
    start = time.perf_counter()
    idx = searcher.index()
    terms = searcher.terms_for(idx)
    print(f"  searcher at generation {idx.generation} ({len(idx.pks)} datasets) in "
          f"{time.perf_counter() - start:.2f} s (term index {'ready' if terms is not None else 'NOT ready'}); "
          f"full builds: facet {searcher.facet_builds}, term {searcher.term_builds}; updates in place "
          f"{searcher.updates}; peak {peak_mib():.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db_url")
    parser.add_argument("--changed", type=int, default=0,
                        help="then harvest a second source of this many datasets, then again with half changed")
    args = parser.parse_args()
    searcher = Searcher(make_engine(args.db_url))
    print(f"before: peak {peak_mib():.0f} MiB")
    start = time.perf_counter()
    idx = searcher.index()
    print(f"facet index: {len(idx.pks)} datasets in {time.perf_counter() - start:.1f} s, "
          f"peak {peak_mib():.0f} MiB")
    start = time.perf_counter()
    terms = searcher.terms_for(idx, wait=True)
    assert terms is not None
    print(f"term index: {len(terms.words)} terms, {len(terms.doc)} postings, {term_index_mib(terms):.0f} MiB "
          f"(postings {(terms.doc.nbytes + terms.bits.nbytes) / 2**20:.0f} MiB) in "
          f"{time.perf_counter() - start:.1f} s, peak {peak_mib():.0f} MiB")
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
