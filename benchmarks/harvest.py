"""End-to-end harvest benchmark: HTTP fetch, parse, normalise, validate, store, index.

    .venv/bin/python -m benchmarks.harvest [--datasets 5000] [--pages 1] [--db URL]

Generates a DCAT-AP catalogue (benchmarks/gen_catalog.py: ~40 triples a dataset), serves it from a
local HTTP server and harvests it three times, each in a fresh process so that its peak memory
(ru_maxrss) is its own: the first harvest, an unchanged re-harvest (the page's bytes are the same,
so it is not parsed again), and a forced full re-harvest that maps every record and finds every hash
unchanged. Then a harvest of the same catalogue with 50 datasets changed. Prints the figures, with
how long each run's final transaction (the swap that applies its staged batches) held the write lock,
the harvesting process's peak memory and the largest of its parse workers' (harvester/parse_pool.py),
and the CPU time of the run (the harvesting process and its workers: on a shared machine a fairer
figure than the wall time).
``--pages N`` publishes the catalogue as N Hydra pages (gen_catalog.generate_pages) instead of one file.
"""

from __future__ import annotations

import argparse
import functools
import logging
import multiprocessing as mp
import os
import resource
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from benchmarks.gen_catalog import generate, generate_pages
from catalog.services import sources


class _Quiet(SimpleHTTPRequestHandler):
    extensions_map = {".ttl": "text/turtle"}

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def _harvest(db_url: str, url: str, full: bool, queue: Any) -> None:
    from catalog.errors import NotFound
    from catalog.settings import Settings
    from catalog.store.engine import init_engine
    from harvester.registration import register_source
    from harvester.runner import harvest_source

    swaps: list[float] = []

    class _Swap(logging.Handler):  # the run logs how long its swap held the write lock (catalog/store/runs.py)
        def emit(self, record: logging.LogRecord) -> None:
            if "swap" in record.msg:
                swaps.append(float(record.args[1]))  # type: ignore[index]

    runs_log = logging.getLogger("catalog.store.runs")
    runs_log.setLevel(logging.INFO)
    runs_log.addHandler(_Swap())
    # a 100,000-dataset single file is over the default 200 MB body limit: the benchmark lifts it
    settings = Settings(database_url=db_url, allow_private_sources=True, fetch_max_bytes=2**31)
    engine = init_engine(db_url)
    try:
        source = sources.get_source(engine, "bench")
    except NotFound:
        source = register_source(engine, settings, name="bench", kind="dcat", url=url)
    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime
    start = time.perf_counter()
    job = harvest_source(engine=engine, source=source, settings=settings, full=full)
    elapsed = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    try:
        from harvester import parse_pool
    except ImportError:  # the tree before the parse pool (benchmarking before/after)
        pass
    else:
        parse_pool.shutdown()  # the workers end: their peak is the largest waited-for child's
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    workers_mb = children.ru_maxrss / 1024
    cpu = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime - cpu_before
    queue.put({"status": job.status, "seen": job.seen, "added": job.added, "updated": job.updated,
               "unchanged": job.unchanged, "seconds": elapsed, "peak_mb": peak_mb, "workers_mb": workers_mb, "cpu": cpu,
               "message": job.message, "swap": swaps[-1] if swaps else float("nan")})


def run_once(db_url: str, url: str, *, full: bool = False) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_harvest, args=(db_url, url, full, queue))
    proc.start()
    result: dict[str, Any] = queue.get(timeout=600)
    proc.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=5000)
    parser.add_argument("--pages", type=int, default=1, help="publish the catalogue as this many Hydra pages")
    parser.add_argument("--db", default=None, help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--first-only", action="store_true", help="only the first harvest (large catalogues)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="dk-bench-"))
    size_mb = _publish(workdir, args.datasets, args.pages)
    handler = functools.partial(_Quiet, directory=str(workdir))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    first_file = "catalog.ttl" if args.pages <= 1 else "page001.ttl"
    url = f"http://127.0.0.1:{server.server_address[1]}/{first_file}"
    db_url = args.db or f"sqlite:///{workdir / 'bench.db'}"
    if args.db:
        from sqlalchemy import text as sql

        from catalog.store.engine import make_engine
        eng = make_engine(args.db)
        tables = ("job_record", "revision", "dataset_facet", "distribution", "dataset", "publisher",
                  "harvest_job", "source", "catalog_state")
        try:
            with eng.begin() as conn:  # a clean slate on a shared database
                if eng.dialect.name == "postgresql":
                    # TRUNCATE, not DELETE: deleted rows and their index entries stay until a vacuum
                    conn.execute(sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY"))
                else:
                    for table in tables:
                        conn.execute(sql(f"DELETE FROM {table}"))
        except Exception:  # noqa: BLE001 - the schema may not exist yet
            pass
    print(f"catalogue: {args.datasets} datasets in {max(1, args.pages)} page(s), {size_mb:.1f} MB Turtle; "
          f"database: {db_url.split('?')[0]}")
    print(f"machine: {os.cpu_count()} cores")

    runs = [("first harvest", False), ("unchanged re-harvest", False), ("full re-harvest (all mapped)", True)]
    if args.first_only:
        runs = runs[:1]
    first = None
    for label, full in runs:
        r = run_once(db_url, url, full=full)
        first = first or r["seconds"]
        print(f"{label:32s} {r['status']:9s} {r['seconds']:6.2f} s  {args.datasets / r['seconds']:8.0f} datasets/s"
              f"  added {r['added']:5d} updated {r['updated']:4d} unchanged {r['unchanged']:5d}"
              f"  peak {r['peak_mb']:5.0f} MB (workers {r['workers_mb']:4.0f} MB)  swap {r['swap']:5.2f} s"
              f"  CPU {r['cpu']:5.2f} s  ({first / r['seconds']:.1f}x the first)")
    if args.first_only:
        server.shutdown()
        return
    _publish(workdir, args.datasets, args.pages, changed=50)
    r = run_once(db_url, url)
    print(f"{'50 datasets changed':32s} {r['status']:9s} {r['seconds']:6.2f} s  {args.datasets / r['seconds']:8.0f} "
          f"datasets/s  added {r['added']:5d} updated {r['updated']:4d} unchanged {r['unchanged']:5d}"
          f"  peak {r['peak_mb']:5.0f} MB (workers {r['workers_mb']:4.0f} MB)  swap {r['swap']:5.2f} s"
          f"  CPU {r['cpu']:5.2f} s")
    server.shutdown()


def _publish(workdir: Path, datasets: int, pages: int, *, changed: int = 0) -> float:
    """Write the catalogue (one file, or ``pages`` Hydra pages); returns its size in MB."""
    if pages <= 1:
        text = generate(datasets, changed=changed)
        (workdir / "catalog.ttl").write_text(text, encoding="utf-8")
        return len(text.encode()) / 1e6
    total = 0
    for name, text in generate_pages(datasets, per_page=-(-datasets // pages), changed=changed):
        (workdir / name).write_text(text, encoding="utf-8")
        total += len(text.encode())
    return total / 1e6


if __name__ == "__main__":
    main()
