"""Search latency over HTTP: faceted search on a catalogue of N datasets.

    .venv/bin/python -m benchmarks.search [--datasets 20000] [--db URL] [--requests 200]

Harvests a generated catalogue (benchmarks/gen_catalog.py), starts `datakatalog serve` in its own
process, warms it with one request, then times requests of several kinds from one client, each
answer carrying every facet (catalog.search.query.FACETS). Prints p50 / p95 / p99 / max per kind and over all requests.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from benchmarks.harvest import _Quiet, run_once
from catalog.search.query import FACETS

QUERIES: dict[str, list[dict[str, Any]]] = {
    "match-all + facets": [{}, {"page": 3}, {"sort": "modified"}, {"sort": "title", "page": 10}],
    "common word": [{"q": "kommun"}, {"q": "uppgifterna"}, {"q": "data"}, {"q": "stockholm"}],
    "rarer word": [{"q": "badplatser"}, {"q": "luftkvalitet"}, {"q": "hållplatser"}, {"q": "bathing"}],
    "prefix while typing": [{"q": "förs"}, {"q": "park"}, {"q": "cykel"}, {"q": "vård"}],
    "text + facet filters": [
        {"q": "kommun", "theme": "ENVI"}, {"q": "data", "format": ["CSV", "GEOJSON"]},
        {"q": "skola", "license": "CC0-1.0", "theme": "EDUC"}, {"q": "trafik", "format": "JSON"},
    ],
    "facet filters only": [
        {"theme": "TRAN"}, {"format": ["CSV", "XLSX"], "license": "CC-BY-4.0"}, {"keyword": "miljö"},
        {"theme": ["ENVI", "HEAL"], "format": "GEOJSON"},
    ],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def harvested_catalogue(datasets: int, prefix: str, db_url: str | None = None) -> str:
    """``db_url`` (default: a SQLite file in a new temporary folder) with a generated catalogue harvested."""
    import functools
    import threading
    from http.server import ThreadingHTTPServer

    from benchmarks.gen_catalog import generate

    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    db_url = db_url or f"sqlite:///{workdir / 'catalogue.db'}"
    (workdir / "catalog.ttl").write_text(generate(datasets), encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(workdir)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    r = run_once(db_url, f"http://127.0.0.1:{server.server_address[1]}/catalog.ttl")
    print(f"harvested {r['added']} datasets in {r['seconds']:.1f} s ({r['status']})")
    server.shutdown()
    return db_url


@contextmanager
def served(db_url: str) -> Iterator[str]:
    """`datakatalog serve` on ``db_url`` in its own process, answering; yields its base URL."""
    with served_process(db_url) as (base, _proc):
        yield base


@contextmanager
def served_process(db_url: str, *, env: dict[str, str] | None = None, log: Path | None = None,
                   stop_timeout: float = 10, args: tuple[str, ...] = ()
                   ) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`datakatalog serve` on ``db_url`` in its own process (``env`` added to this one's environment,
    its output to ``log``, ``args`` added to its command line), answering; yields its base URL and
    the process."""
    port = free_port()
    exe = Path(sys.executable).with_name("datakatalog")
    output = log.open("wb") if log else subprocess.DEVNULL
    proc = subprocess.Popen([str(exe), "serve", "--port", str(port), "--db", db_url, *args],
                            stdout=output, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    base = f"http://127.0.0.1:{port}"
    try:
        # a server first upgrades its database: a revision that rewrites every dataset's index
        # (0011) takes a minute at 100,000 datasets, and a server stopped meanwhile rolls it back
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                requests.get(base + "/healthz", timeout=1)
                break
            except requests.RequestException:  # not listening yet, or busy warming
                time.sleep(0.2)
        yield base, proc
    finally:
        proc.terminate()
        proc.wait(timeout=stop_timeout)
        if log:
            output.close()  # type: ignore[union-attr]


class Resident:
    """Samples a process's resident size (Linux /proc) every ``interval`` seconds in a thread."""

    def __init__(self, pid: int, interval: float = 0.25) -> None:
        self.pid, self.interval = pid, interval
        self.samples: list[tuple[float, float]] = []  # (seconds since start, MiB)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._t0 = time.monotonic()
        self._thread.start()

    def read(self, key: str = "VmRSS") -> float:
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.samples.append((time.monotonic() - self._t0, self.read()))

    def peak(self, since: float = 0.0) -> float:
        return max((mib for t, mib in self.samples if t >= since), default=0.0)

    def now(self) -> float:
        return time.monotonic() - self._t0

    def stop(self) -> None:
        self._stop.set()


def warm_up(session: requests.Session, base: str, rss: Resident | None) -> None:
    """Wait for the served indexes, timing what the server answers meanwhile: the facet index is
    awaited by the first search; until the term index is ready, words that match much come from the
    database's full-text index (docs/decisions/0003). With ``rss``, the resident size at each step."""
    def mib() -> str:
        return f"; resident {rss.read():.0f} MiB, peak so far {rss.peak():.0f} MiB" if rss else ""

    t0 = time.perf_counter()
    state = session.get(base + "/healthz", timeout=60).json()["search"]
    print(f"listening; /healthz reports {state}{mib()}")
    session.get(base + "/api/datasets", timeout=1800).raise_for_status()
    print(f"first search (waits for the facet index): {time.perf_counter() - t0:.1f} s{mib()}")
    during: dict[str, list[tuple[float, int]]] = {}
    probes = ({"q": "kommun"}, {"q": "badplatser"}, {"q": "park"})
    while session.get(base + "/healthz", timeout=60).json()["search"]["term_index"] != "ready":
        for params in probes:
            start = time.perf_counter()
            resp = session.get(base + "/api/datasets", params=params, timeout=600)
            resp.raise_for_status()
            during.setdefault(params["q"], []).append(((time.perf_counter() - start) * 1000, resp.json()["total"]))
        time.sleep(0.5)
    print(f"term index ready {time.perf_counter() - t0:.1f} s after the first health check{mib()}")
    for q, answers in during.items():
        ready = session.get(base + "/api/datasets", params={"q": q}, timeout=60).json()["total"]
        ms = [a[0] for a in answers]
        same = all(a[1] == ready for a in answers)
        print(f"  while building: {q!r} {len(ms)} answers from the database, median {statistics.median(ms):.0f} ms, "
              f"max {max(ms):.0f} ms, totals {'equal to' if same else 'DIFFERENT from'} the term index's ({ready})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=20000)
    parser.add_argument("--db", default=None)
    parser.add_argument("--requests", type=int, default=240)
    parser.add_argument("--skip-harvest", action="store_true",
                        help="search the catalogue already in --db (from an earlier run) instead of harvesting")
    parser.add_argument("--serve-arg", action="append", default=[],
                        help="an argument for `datakatalog serve` (repeatable), e.g. --serve-arg=--no-harvest")
    parser.add_argument("--serve-log", type=Path, default=None, help="write the server's output to this file")
    args = parser.parse_args()
    if args.skip_harvest and not args.db:
        parser.error("--skip-harvest needs --db")

    db_url = args.db if args.skip_harvest else harvested_catalogue(args.datasets, "dk-search-", args.db)
    with served_process(db_url, args=tuple(args.serve_arg), stop_timeout=60, log=args.serve_log) as (base, proc):
        rss = Resident(proc.pid) if Path(f"/proc/{proc.pid}/status").exists() else None
        session = requests.Session()
        warm_up(session, base, rss)
        ready_at = rss.now() if rss else 0.0
        timings: dict[str, list[float]] = {k: [] for k in QUERIES}
        per_kind = max(1, args.requests // len(QUERIES))
        for kind, params_list in QUERIES.items():
            for i in range(per_kind):
                params = params_list[i % len(params_list)]
                start = time.perf_counter()
                resp = session.get(base + "/api/datasets", params=params, timeout=30)
                elapsed = (time.perf_counter() - start) * 1000
                resp.raise_for_status()
                body = resp.json()
                assert set(body["facets"]) == set(FACETS)
                timings[kind].append(elapsed)
        every: list[float] = []
        print(f"{'kind':24s} {'n':>4s} {'p50 ms':>8s} {'p95 ms':>8s} {'p99 ms':>8s} {'max ms':>8s}")
        for kind, values in timings.items():
            every += values
            print(f"{kind:24s} {len(values):4d} {statistics.median(values):8.1f} {pct(values, 95):8.1f} "
                  f"{pct(values, 99):8.1f} {max(values):8.1f}")
        print(f"{'all':24s} {len(every):4d} {statistics.median(every):8.1f} {pct(every, 95):8.1f} "
              f"{pct(every, 99):8.1f} {max(every):8.1f}")
        if rss:
            rss.stop()
            print(f"resident: {rss.read():.0f} MiB after the requests (peak while they ran "
                  f"{rss.peak(ready_at):.0f} MiB); peak since the start {rss.read('VmHWM'):.0f} MiB")


if __name__ == "__main__":
    main()
