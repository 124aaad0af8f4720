"""Search under load while `serve` harvests: latency and throughput of concurrent clients, per phase.

    .venv/bin/python -m benchmarks.load [--datasets 20000] [--clients 8] [--db URL] [--phase-seconds 30]

Harvests a generated catalogue of ``--datasets`` datasets (benchmarks/gen_catalog.py) into ``--db``
(default: a SQLite file in a new temporary folder; a PostgreSQL URL works too), registers a second
source of as many other datasets, and starts `datakatalog serve` on it (a real process). ``--clients``
threads then search without pause (match-all, a common word, a rare word, text with facet filters)
through four phases:

- **idle**: ``--phase-seconds`` before anything else happens;
- **harvest**: the second source harvested inside `serve`, triggered through the API with the admin
  token, until its job has finished;
- **shacl**: the SHACL check of what the harvest added, until `serve` logs that it ended (or for
  ``--shacl-seconds``; the clients then rest until it ends: a niced check under clients that never
  pause takes many times longer than alone);
- **after**: ``--phase-seconds`` more.

Prints p50 / p95 / p99 / max and requests per second per phase, each phase's p95 against the idle
p95 (issue 15's target: never over 3x), and the serving process's peak memory (VmHWM; the SHACL
check's child process is not counted, which is the point). Requests are counted in the phase they
started in; failed requests are counted apart.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import requests

from benchmarks.search import pct, served_process

MIX: list[tuple[str, dict[str, Any]]] = [
    ("match-all", {}), ("match-all", {"sort": "modified", "page": 3}),
    ("common word", {"q": "kommun"}), ("common word", {"q": "data"}),
    ("rare word", {"q": "badplatser"}), ("rare word", {"q": "luftkvalitet"}),
    ("text + facets", {"q": "kommun", "theme": "ENVI"}),
    ("text + facets", {"q": "data", "format": ["CSV", "GEOJSON"]}),
]
PHASES = ("idle", "harvest", "shacl", "after")
OTHER_BASE = "https://load.example.se/"


class Clients:
    """``count`` threads searching without pause; every answer is recorded under the phase it started in."""

    def __init__(self, base: str, count: int) -> None:
        self.base = base
        self.count = count
        self.phase = "warm"
        self.timings: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.started: dict[str, float] = {}
        self.ended: dict[str, float] = {}
        self._stop = threading.Event()
        self._go = threading.Event()
        self._go.set()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._loop, args=(i,), daemon=True) for i in range(count)]

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def enter(self, phase: str) -> None:
        now = time.perf_counter()
        with self._lock:
            self.ended[self.phase] = now
            self.phase = phase
            self.started[phase] = now

    def pause(self) -> None:
        self._go.clear()

    def resume(self) -> None:
        self._go.set()

    def stop(self) -> None:
        self.enter("stopped")
        self._stop.set()
        for t in self._threads:
            t.join(timeout=120)

    def _loop(self, index: int) -> None:
        session = requests.Session()
        i = index
        while not self._stop.is_set():
            self._go.wait()
            _kind, params = MIX[i % len(MIX)]
            i += 1
            phase = self.phase
            start = time.perf_counter()
            try:
                ok = session.get(self.base + "/api/datasets", params=params, timeout=120).status_code == 200
            except requests.RequestException:
                ok = False
            elapsed = (time.perf_counter() - start) * 1000
            with self._lock:
                if ok:
                    self.timings[phase].append(elapsed)
                else:
                    self.errors[phase] += 1


def _wait_for(predicate: Any, timeout: float, every: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False


def _generation(db_url: str) -> int:
    from catalog.store import runs

    with _engine(db_url).connect() as conn:
        return runs.generation(conn)


def _engine(db_url: str) -> Any:
    from catalog.store.engine import make_engine

    return _engines.get(db_url) or _engines.setdefault(db_url, make_engine(db_url))


_engines: dict[str, Any] = {}


def _peak_mib(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(found.group(1)) / 1024 if found else None


def _catalogues(db_url: str, datasets: int, workdir: Path) -> tuple[int, Any]:
    """Two catalogues of ``datasets`` datasets each, served over HTTP: 'bench' harvested now (with
    `datakatalog harvest`, however long that takes on a busy machine), 'load' registered only; the
    second source's id and the HTTP server."""
    import functools
    from http.server import ThreadingHTTPServer

    from benchmarks.gen_catalog import generate
    from benchmarks.harvest import _Quiet
    from catalog.services import sources

    (workdir / "bench.ttl").write_text(generate(datasets), encoding="utf-8")
    (workdir / "load.ttl").write_text(generate(datasets, seed=2, base=OTHER_BASE), encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(workdir)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    exe = str(Path(sys.executable).with_name("datakatalog"))
    env = {**os.environ, "DATAKATALOG_ALLOW_PRIVATE_SOURCES": "true", "DATAKATALOG_FETCH_MAX_BYTES": str(2**31)}
    for args in (["source", "add", "bench", "--kind", "dcat", "--url", f"{base}/bench.ttl"],
                 ["source", "add", "load", "--kind", "dcat", "--url", f"{base}/load.ttl"]):
        subprocess.run([exe, *args, "--db", db_url], env=env, check=True, stdout=subprocess.DEVNULL)
    start = time.perf_counter()
    subprocess.run([exe, "harvest", "bench", "--db", db_url], env=env, check=True, stdout=subprocess.DEVNULL)
    print(f"harvested {datasets} datasets before serving in {time.perf_counter() - start:.1f} s")
    engine = _engine(db_url)
    source = sources.get_source(engine, "load")
    assert source.id is not None
    return source.id, server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=20000, help="datasets before, and datasets the harvest adds")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--db", default=None, help="SQLite URL or PostgreSQL URL (an empty database)")
    parser.add_argument("--phase-seconds", type=float, default=30.0, help="length of the idle and after phases")
    parser.add_argument("--shacl-seconds", type=float, default=0.0,
                        help="measure at most this long during the SHACL check, then pause the clients until it "
                             "ends (0: measure it all)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="longest wait for the harvest and the check")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="dk-load-"))
    db_url = args.db or f"sqlite:///{workdir / 'catalogue.db'}"
    source_id, http = _catalogues(db_url, args.datasets, workdir)
    token = secrets.token_urlsafe(24)
    log = workdir / "serve.log"
    env = {"DATAKATALOG_ADMIN_TOKEN": token, "DATAKATALOG_ALLOW_PRIVATE_SOURCES": "true",
           "DATAKATALOG_FETCH_MAX_BYTES": str(2**31)}
    with served_process(db_url, env=env, log=log, stop_timeout=args.timeout) as (base, proc):
        session = requests.Session()
        session.get(base + "/api/datasets", timeout=300).raise_for_status()  # the facet index, built once
        _wait_for(lambda: session.get(base + "/healthz", timeout=30).json()["search"]["term_index"] == "ready",
                  600)
        clients = Clients(base, args.clients)
        clients.start()
        clients.enter("warm")
        time.sleep(min(15.0, args.phase_seconds / 2))  # caches and connection pools filled before idle counts
        clients.enter("idle")
        time.sleep(args.phase_seconds)

        generation_before = _generation(db_url)
        clients.enter("harvest")
        resp = session.post(f"{base}/api/sources/{source_id}/harvest",
                            headers={"Authorization": f"Bearer {token}"}, timeout=60)
        resp.raise_for_status()
        job_id = resp.json()["id"]
        job: dict[str, Any] = {}

        def finished() -> bool:
            job.update(session.get(f"{base}/api/jobs/{job_id}", timeout=60).json())
            return not job.get("live", True)

        _wait_for(finished, args.timeout)
        print(f"harvest job {job_id}: {job.get('status')}, added {job.get('counts', {}).get('added')}, "
              f"{job.get('duration_seconds')} s")

        clients.enter("shacl")
        marker = re.compile(rf"SHACL check of job {job_id}[: ]")
        # serve logs the end of the check; code before issue 15 did not, but bumped the generation once
        # per chunk of 200 datasets after the harvest's own bump: the last of those bumps ends it there
        added = int(job.get("counts", {}).get("added") or 0)
        old_end = generation_before + 1 + -(-added // 200)

        def check_ended() -> bool:
            return bool(marker.search(log.read_text(errors="replace"))) or _generation(db_url) >= old_end

        if not _wait_for(check_ended, args.shacl_seconds or args.timeout):
            # a niced check under clients that never pause takes long: measured for --shacl-seconds,
            # then the clients rest until it ends (so the phase after it can be measured too)
            clients.enter("paused")
            clients.pause()
            _wait_for(check_ended, args.timeout)
            clients.resume()
        shacl_ended = time.perf_counter()
        _wait_for(lambda: bool(marker.search(log.read_text(errors="replace"))), 10, every=0.2)  # logged after
        shacl_line = next((line for line in log.read_text(errors="replace").splitlines() if marker.search(line)), "")
        print(f"serve: {shacl_line.split(': ', 1)[-1] if shacl_line else 'no SHACL line'}; the check ended "
              f"{shacl_ended - clients.started['shacl']:.1f} s after the harvest")

        clients.enter("after")
        time.sleep(args.phase_seconds)
        clients.stop()
        peak = _peak_mib(proc.pid)
    http.shutdown()
    for engine in _engines.values():
        engine.dispose()

    idle_p95 = pct(clients.timings["idle"], 95) if clients.timings["idle"] else float("nan")
    print(f"\n{args.clients} clients, {args.datasets} datasets before + {args.datasets} harvested, db "
          f"{db_url.split('://')[0]}")
    print(f"{'phase':8s} {'secs':>6s} {'n':>6s} {'err':>4s} {'req/s':>7s} {'p50 ms':>8s} {'p95 ms':>8s} "
          f"{'p99 ms':>8s} {'max ms':>8s} {'p95/idle':>8s}")
    for phase in PHASES:
        values = clients.timings[phase]
        seconds = clients.ended.get(phase, 0) - clients.started.get(phase, 0)
        if not values:
            print(f"{phase:8s} {seconds:6.1f} {0:6d} {clients.errors[phase]:4d}")
            continue
        p95 = pct(values, 95)
        print(f"{phase:8s} {seconds:6.1f} {len(values):6d} {clients.errors[phase]:4d} {len(values) / seconds:7.1f} "
              f"{statistics.median(values):8.1f} {p95:8.1f} {pct(values, 99):8.1f} {max(values):8.1f} "
              f"{p95 / idle_p95:8.2f}")
    print(f"serve's peak memory (VmHWM): {peak:.0f} MiB" if peak else "serve's peak memory: unknown")
    print(f"serve's log: {log}")


if __name__ == "__main__":
    main()
