"""Memory and time of building the search indexes for a catalogue already in a database.

    .venv/bin/python -m benchmarks.search_memory sqlite:////tmp/s100k.db

Run it on the database of an earlier `benchmarks.search` run. It builds the facet index, then the
term index, in this process, and prints each build's time and the process's peak resident memory
after it (`ru_maxrss`).
"""

from __future__ import annotations

import argparse
import resource
import time

from catalog.search.searcher import Searcher
from catalog.store.engine import make_engine


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db_url")
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
    print(f"term index: {len(terms.words)} terms, {len(terms.doc)} postings "
          f"({(terms.doc.nbytes + terms.bits.nbytes) / 2**20:.0f} MiB) in {time.perf_counter() - start:.1f} s, "
          f"peak {peak_mib():.0f} MiB")


if __name__ == "__main__":
    main()
