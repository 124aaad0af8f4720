"""Scale benchmark on PostgreSQL: a paged catalogue of many sources harvested by `worker` processes.

    .venv/bin/python -m benchmarks.scale --sources 200 --per-source 5000 --workers 2 \
        --db postgresql://postgres@127.0.0.1:5432/dkscale

Issue 17's 1,000,000-dataset measurement (harvest side); `--sources 4 --per-source 1000` is a quick check.

1. Generates ``--sources`` sources of ``--per-source`` datasets, each published as ``--pages`` Turtle pages
   linked by ``hydra:next`` (relative IRIs, as the DCAT adapter follows them), with
   :func:`benchmarks.gen_catalog.generate` (one base IRI and seed per page, so every dataset IRI and
   ``dct:identifier`` is distinct). The files are written once under ``--data-dir`` and reused.
2. Serves them from a threaded HTTP server in this process that sends ``ETag`` and ``Last-Modified`` and
   answers ``If-None-Match`` / ``If-Modified-Since`` (what harvester/adapters/base.py sends) with 304, and
   counts requests by status.
3. Creates the database if it is missing, migrates it with the project's own command (``datakatalog
   source list`` opens the database, which upgrades the schema) and registers the sources (schedule
   ``1d``: all due at once when the leader first reads them).
4. Starts the processes of docs/deploy.md: one ``serve --no-harvest`` (it takes part in electing the
   scheduler's leader, and is the search replica of step 6) and ``--workers`` ``worker`` processes
   (``HARVEST_WORKERS=--runs-per-worker`` each), from the tree on ``PYTHONPATH``. Phase ``first``: wall
   time from the first job's start to the last job's end, datasets/s, jobs by outcome, every worker's
   peak RSS (VmHWM of the worker and of each child process it starts, reset at the phase's start),
   CPU seconds of the workers and of the PostgreSQL backends serving this database, load averages,
   ``pg_database_size``.
5. Phase ``reharvest``: every source triggered again (a queued job each, as the API's trigger queues
   one), nothing changed: wall time, requests and how many were 304.
6. Phase ``lag``: once the replica's term index is ready (/healthz), one page of one source changes
   (``changed=K``, titles with a word no other dataset has), the source is triggered, and the time from
   its job's end to the replica's ``/api/datasets?q=<word>`` returning the K datasets is measured.

Prints the figures; asserts no timings. The machine may be shared: the load averages are printed with
every phase.
"""

from __future__ import annotations

import argparse
import contextlib
import email.utils
import hashlib
import json
import os
import random
import signal
import socket
import string
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg

from benchmarks.gen_catalog import generate

ROOT = Path(__file__).resolve().parents[1]
HYDRA_NEXT = "<http://www.w3.org/ns/hydra/core#next>"
PHASES = ("first", "reharvest", "lag")
CLK_TCK = os.sysconf("SC_CLK_TCK")


# -- the catalogue ------------------------------------------------------------------------------------

def page_text(source: int, page: int, pages: int, per_page: int, *, changed: int = 0, word: str = "") -> str:
    """Page ``page`` (1-based) of source ``source``: ``per_page`` datasets, a hydra:next to the next page."""
    base = f"https://bench.example.se/s{source:03d}/p{page}/"
    text = generate(per_page, seed=source * 1000 + page, changed=changed, base=base)
    # one catalogue per source (each page describes it); identifiers distinct across pages and sources
    text = text.replace(f"<{base}catalog>", f"<https://bench.example.se/s{source:03d}/catalog>", 1)
    text = text.replace('dct:identifier "', f'dct:identifier "s{source:03d}p{page}-')
    if word:
        text = text.replace(" (reviderad)", f" (reviderad {word})").replace(" (revised)", f" (revised {word})")
    if page < pages:
        text += f"<page{page}.ttl> {HYDRA_NEXT} <page{page + 1}.ttl> .\n"
    return text


def _write_source(args: tuple[Path, int, int, int]) -> int:
    data_dir, source, pages, per_page = args
    folder = data_dir / f"s{source:03d}"
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for page in range(1, pages + 1):
        path = folder / f"page{page}.ttl"
        if path.exists():
            continue
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(page_text(source, page, pages, per_page).encode())
        tmp.rename(path)
        written += 1
    return written


def ensure_files(data_dir: Path, sources: int, pages: int, per_page: int) -> None:
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2) as pool:
        written = sum(pool.map(_write_source, [(data_dir, s, pages, per_page) for s in range(sources)]))
    size = sum(p.stat().st_size for p in data_dir.glob("s*/page*.ttl"))
    print(f"catalogue: {sources} sources x {pages} pages x {per_page} datasets under {data_dir} "
          f"({written} pages written, the rest reused; {size / 2**30:.2f} GiB) "
          f"in {time.perf_counter() - started:.1f} s",
          flush=True)


# -- the HTTP server ----------------------------------------------------------------------------------

class CatalogueServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, data_dir: Path, port: int) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.data_dir = data_dir
        self.overrides: dict[str, bytes] = {}  # path -> body served instead of the file (the lag phase)
        self.counts: Counter[int] = Counter()
        self.lock = threading.Lock()

    def count(self, status: int) -> None:
        with self.lock:
            self.counts[status] += 1

    def take_counts(self) -> Counter[int]:
        with self.lock:
            counts, self.counts = self.counts, Counter()
        return counts


class _Handler(BaseHTTPRequestHandler):
    server: CatalogueServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        path = urllib.parse.urlsplit(self.path).path
        body = self.server.overrides.get(path)
        if body is not None:
            etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
            mtime = int(time.time())
        else:
            file = (self.server.data_dir / path.lstrip("/")).resolve()
            if not file.is_relative_to(self.server.data_dir) or not file.is_file():
                self._send(404, {}, b"not found")
                return
            st = file.stat()
            etag, mtime = f'"{st.st_size:x}-{st.st_mtime_ns:x}"', int(st.st_mtime)
        headers = {"ETag": etag, "Last-Modified": email.utils.formatdate(mtime, usegmt=True)}
        inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
        if inm is not None:
            fresh = etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
        elif ims is not None:
            try:
                fresh = email.utils.parsedate_to_datetime(ims).timestamp() >= mtime
            except (TypeError, ValueError):
                fresh = False
        else:
            fresh = False
        if fresh:
            self._send(304, headers, b"")
            return
        if body is None:
            body = file.read_bytes()
        self._send(200, {**headers, "Content-Type": "text/turtle; charset=utf-8"}, body)

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.server.count(status)
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)


# -- processes, memory and CPU ------------------------------------------------------------------------

def _stat(pid: int) -> tuple[int, float, float] | None:
    """(ppid, own CPU seconds, reaped children's CPU seconds) from /proc/PID/stat."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2:].split()
    ppid = int(fields[1])
    own = (int(fields[11]) + int(fields[12])) / CLK_TCK
    kids = (int(fields[13]) + int(fields[14])) / CLK_TCK
    return ppid, own, kids


def _status_kb(pid: int) -> dict[str, int]:
    out: dict[str, int] = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmHWM:", "VmRSS:")):
                out[line.split(":")[0]] = int(line.split()[1])
    return out


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = _stat(int(entry))
            if st is not None:
                children.setdefault(st[0], []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        for kid in children.get(pid, []):
            out.append(kid)
            todo.append(kid)
    return out


def _cmd(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"
    return raw[:120]


@dataclass
class Watch:
    """Samples, once a second, the peak RSS of the watched processes and their children, the load average,
    and (every 5 s) the CPU time of this database's PostgreSQL backends."""

    procs: dict[str, int]
    db_url: str
    peaks: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> {hwm_kb, rss_kb, children: {}}
    loads: list[tuple[float, float, float]] = field(default_factory=list)
    pg_cpu: dict[int, tuple[float, float]] = field(default_factory=dict)  # backend pid -> (first, last) CPU s
    stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        for pid in self.procs.values():  # peak RSS of this phase only: reset VmHWM (clear_refs 5)
            with contextlib.suppress(OSError):
                Path(f"/proc/{pid}/clear_refs").write_text("5")
        self.cpu0 = {n: self._tree_cpu(p) for n, p in self.procs.items()}
        self.sys0 = _system_cpu()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        self.pg_thread = threading.Thread(target=self._run_pg, daemon=True)
        self.pg_thread.start()

    def _tree_cpu(self, pid: int) -> float:
        st = _stat(pid)
        if st is None:
            return 0.0
        return st[1] + st[2] + sum((_stat(k) or (0, 0.0, 0.0))[1] for k in _descendants(pid))

    def sample(self) -> None:
        for name, pid in self.procs.items():
            rec = self.peaks.setdefault(name, {"hwm_kb": 0, "rss_kb": 0, "children": {}})
            st = _status_kb(pid)
            rec["hwm_kb"] = max(rec["hwm_kb"], st.get("VmHWM", 0))
            rec["rss_kb"] = max(rec["rss_kb"], st.get("VmRSS", 0))
            for kid in _descendants(pid):
                kst = _status_kb(kid)
                if kst:
                    child = rec["children"].setdefault(kid, {"cmd": _cmd(kid), "hwm_kb": 0})
                    child["hwm_kb"] = max(child["hwm_kb"], kst.get("VmHWM", 0))
        self.loads.append(os.getloadavg())

    def _run(self) -> None:
        while not self.stop.wait(1.0):
            self.sample()

    def _run_pg(self) -> None:
        dbname = urllib.parse.urlsplit(self.db_url).path.lstrip("/")
        with psycopg.connect(self.db_url, autocommit=True) as conn:
            own = conn.info.backend_pid
            first_look = True
            while True:
                pids = [r[0] for r in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> %s", (dbname, own))]
                for pid in pids:
                    st = _stat(pid)
                    if st is not None:
                        # a backend older than the phase counts from the phase's first look; a new one from 0
                        first = self.pg_cpu[pid][0] if pid in self.pg_cpu else (st[1] if first_look else 0.0)
                        self.pg_cpu[pid] = (first, st[1])
                first_look = False
                if self.stop.wait(5.0):
                    return

    def finish(self) -> dict[str, Any]:
        self.sample()
        self.stop.set()
        self.thread.join()
        self.pg_thread.join()
        sys1 = _system_cpu()
        busy = (sys1[0] - self.sys0[0]) / max(1e-9, sys1[1] - self.sys0[1])
        return {
            "cpu_s": {n: self._tree_cpu(p) - self.cpu0[n] for n, p in self.procs.items()},
            "pg_cpu_s": sum(last - first for first, last in self.pg_cpu.values()),
            "pg_backends": len(self.pg_cpu),
            "system_busy": busy,
            "load_max": max((la[0] for la in self.loads), default=float("nan")),
            "load_mean": sum(la[0] for la in self.loads) / max(1, len(self.loads)),
        }


def _system_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine."""
    parts = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = parts[3] + parts[4]
    return float(sum(parts) - idle), float(sum(parts))


def _uptime() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


# -- the database -------------------------------------------------------------------------------------

def _admin_url(db_url: str) -> tuple[str, str]:
    parts = urllib.parse.urlsplit(db_url)
    return urllib.parse.urlunsplit(parts._replace(path="/postgres")), parts.path.lstrip("/")


def create_database(db_url: str) -> bool:
    admin, name = _admin_url(db_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return False
        conn.execute(f'CREATE DATABASE "{name}"')
    return True


def drop_database(db_url: str) -> None:
    admin, name = _admin_url(db_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def cli(tree: Path, *args: str) -> list[str]:
    return [sys.executable, "-c", "from api.cli import main; main()", *args]


def child_env(tree: Path, db_url: str, a: argparse.Namespace) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(tree), "DATAKATALOG_DATABASE_URL": db_url,
            "DATAKATALOG_ALLOW_PRIVATE_SOURCES": "1",
            "DATAKATALOG_HARVEST_WORKERS": str(a.runs_per_worker),
            # every source is on this one local server, standing for as many hosts as sources
            "DATAKATALOG_HOST_CONCURRENCY": str(a.host_concurrency),
            "DATAKATALOG_SHACL_AFTER_HARVEST": "1" if a.shacl else "0"}


def register(db_url: str, sources: int, port: int) -> list[int]:
    from catalog.errors import NotFound
    from catalog.services import sources as source_service
    from catalog.settings import Settings
    from catalog.store.engine import init_engine
    from harvester.registration import register_source

    settings = Settings(database_url=db_url, allow_private_sources=True)
    engine = init_engine(db_url)
    ids = []
    for s in range(sources):
        name = f"scale{s:03d}"
        url = f"http://127.0.0.1:{port}/s{s:03d}/page1.ttl"
        try:
            src = source_service.get_source(engine, name)
            if src.url != url:
                raise SystemExit(f"source {name} is registered with {src.url}, not {url}: use its --http-port")
        except NotFound:
            src = register_source(engine, settings, name=name, kind="dcat", url=url, schedule="1d")
        assert src.id is not None
        ids.append(src.id)
    engine.dispose()
    return ids


def q(db_url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(db_url, autocommit=True) as conn:
        return list(conn.execute(sql, params).fetchall())  # type: ignore[arg-type]


def enqueue(db_url: str, source_ids: list[int]) -> None:
    """Queue a job per source, as the API's trigger does on PostgreSQL (workers claim them)."""
    from catalog.store.engine import make_engine
    from harvester import job_lifecycle

    engine = make_engine(db_url)
    for sid in source_ids:
        job_lifecycle.claim(engine, sid, trigger="manual", dead_after=120)
    engine.dispose()


@dataclass
class PhaseResult:
    jobs: list[tuple[Any, ...]]
    complete: bool
    waited: float


def wait_jobs(db_url: str, source_ids: list[int], after_id: int, *, max_seconds: float, every: float = 2.0,
              progress: float = 60.0) -> PhaseResult:
    """Wait until every source has a finished job with id > after_id (or max_seconds pass)."""
    started = time.monotonic()
    last_print = started
    want = set(source_ids)
    sql = ("SELECT id, source_id, status, started_at, finished_at, seen, added, updated, unchanged, worker,"
           " message, pages FROM harvest_job WHERE id > %s AND source_id = ANY(%s) ORDER BY id")
    while True:
        rows = q(db_url, sql, (after_id, list(want)))
        done = {r[1] for r in rows if r[4] is not None}
        now = time.monotonic()
        if done >= want:
            return PhaseResult(rows, True, now - started)
        if now - started > max_seconds:
            return PhaseResult(rows, False, now - started)
        if now - last_print >= progress:
            last_print = now
            added = sum(r[6] for r in rows if r[4] is not None)
            print(f"  … {len(done)}/{len(want)} jobs finished, {added:,} datasets added, "
                  f"{sum(1 for r in rows if r[2] == 'running')} running, {now - started:.0f} s; {_uptime()}",
                  flush=True)
        time.sleep(every)


def max_job_id(db_url: str) -> int:
    return int(q(db_url, "SELECT coalesce(max(id), 0) FROM harvest_job")[0][0])


def report_phase(name: str, res: PhaseResult, watch: dict[str, Any], peaks: dict[str, dict[str, Any]],
                 counts: Counter[int] | None) -> dict[str, Any]:
    finished = [r for r in res.jobs if r[4] is not None]
    starts = [r[3] for r in res.jobs if r[3] is not None]
    ends = [r[4] for r in finished]
    wall = (max(ends) - min(starts)).total_seconds() if starts and ends else float("nan")
    outcomes = Counter(r[2] for r in res.jobs)
    seen = sum(r[5] for r in finished)
    added = sum(r[6] for r in finished)
    by_worker = Counter(r[9] for r in finished)
    job_secs = sorted((r[4] - r[3]).total_seconds() for r in finished if r[3] is not None)
    out: dict[str, Any] = {
        "phase": name, "complete": res.complete, "jobs": len(res.jobs), "outcomes": dict(outcomes),
        "wall_s": wall, "seen": seen, "added": added, "updated": sum(r[7] for r in finished),
        "unchanged": sum(r[8] for r in finished), "datasets_per_s": seen / wall if wall == wall and wall else 0.0,
        "added_per_s": added / wall if wall == wall and wall else 0.0,
        "job_s_median": job_secs[len(job_secs) // 2] if job_secs else float("nan"),
        "job_s_max": job_secs[-1] if job_secs else float("nan"),
        "jobs_by_worker": dict(by_worker), **watch,
        "peak_rss_mib": {n: round(p["hwm_kb"] / 1024, 1) for n, p in peaks.items()},
        "children_peak_rss_mib": {n: {str(k): [c["cmd"], round(c["hwm_kb"] / 1024, 1)]
                                      for k, c in p["children"].items()} for n, p in peaks.items()},
    }
    if counts is not None:
        out["requests"] = {str(k): v for k, v in sorted(counts.items())}
    failed = [r for r in res.jobs if r[2] == "failed"][:3]
    if failed:
        out["failed_examples"] = [f"source {r[1]}: {r[10]}" for r in failed]
    print(f"\n== {name}: {'complete' if res.complete else 'PARTIAL (stopped at the time limit)'}", flush=True)
    print(json.dumps(out, indent=1, default=str), flush=True)
    return out


# -- main ---------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get_json(url: str, timeout: float = 30) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 (a local URL)
        return json.load(resp)


@contextlib.contextmanager
def processes(cmds: dict[str, list[str]], env: dict[str, str],
              logs: Path) -> Iterator[dict[str, subprocess.Popen[bytes]]]:
    procs: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, cmd in cmds.items():
            with open(logs / f"{name}.log", "ab") as fh:
                procs[name] = subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT, cwd=logs)
        yield procs
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 120
        for p in procs.values():
            try:
                p.wait(max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--per-source", type=int, default=5000)
    parser.add_argument("--pages", type=int, default=5, help="pages a source is published in (5)")
    parser.add_argument("--workers", type=int, default=2, help="`datakatalog worker` processes (2)")
    parser.add_argument("--runs-per-worker", type=int, default=1, help="HARVEST_WORKERS of each worker (1)")
    parser.add_argument("--host-concurrency", type=int, default=1000,
                        help="HOST_CONCURRENCY (1000: the one local server stands for every source's host)")
    parser.add_argument("--shacl", action="store_true", help="SHACL_AFTER_HARVEST on (off by default)")
    parser.add_argument("--db", required=True, help="postgresql://… (created if missing)")
    parser.add_argument("--drop-db", action="store_true", help="drop the database at the end")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="where the pages are written (/work/bench/scale/<S>x<N>x<P>)")
    parser.add_argument("--http-port", type=int, default=18917, help="the catalogue server's port (18917)")
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout the processes run (this one)")
    parser.add_argument("--phases", default=",".join(PHASES), help="first,reharvest,lag")
    parser.add_argument("--max-harvest-seconds", type=float, default=3 * 3600,
                        help="stop the first harvest after this long and report it as partial")
    parser.add_argument("--lag-changed", type=int, default=20, help="datasets changed in the lag phase (20)")
    parser.add_argument("--index-timeout", type=float, default=1800,
                        help="seconds to wait for the replica's term index before the lag phase")
    a = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the processes started here too
    if not a.db.startswith("postgresql"):
        parser.error("--db must be a PostgreSQL URL (workers need PostgreSQL)")
    phases = [p for p in a.phases.split(",") if p]
    if a.per_source % a.pages:
        parser.error("--per-source must be a multiple of --pages")
    per_page = a.per_source // a.pages
    data_dir = (a.data_dir or Path(f"/work/bench/scale/{a.sources}x{a.per_source}x{a.pages}")).resolve()
    tree = a.tree.resolve()
    commit = subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    print(f"scale benchmark {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC: tree {tree} at {commit}, "
          f"{os.cpu_count()} CPUs, {_uptime()} (a shared machine)", flush=True)

    ensure_files(data_dir, a.sources, a.pages, per_page)
    server = CatalogueServer(data_dir, a.http_port)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    created = create_database(a.db)
    env = child_env(tree, a.db, a)
    logs = Path(f"/work/bench/scale/logs-{_admin_url(a.db)[1]}-{datetime.now(UTC):%H%M%S}")
    logs.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    subprocess.run(cli(tree, "source", "list"), env=env, check=True, capture_output=True, cwd=logs)
    print(f"database {'created' if created else 'exists'}; migrated by `datakatalog source list` in "
          f"{time.perf_counter() - started:.1f} s; logs in {logs}", flush=True)
    source_ids = register(a.db, a.sources, a.http_port)
    print(f"{len(source_ids)} sources registered (schedule 1d)", flush=True)

    port = _free_port()
    serve_url = f"http://127.0.0.1:{port}"
    cmds = {"serve": cli(tree, "serve", "--no-harvest", "--host", "127.0.0.1", "--port", str(port))}
    for w in range(1, a.workers + 1):
        cmds[f"worker-{w}"] = cli(tree, "worker")
    results: dict[str, Any] = {"commit": commit, "sources": a.sources, "per_source": a.per_source,
                               "pages": a.pages, "workers": a.workers, "runs_per_worker": a.runs_per_worker}
    try:
        with processes(cmds, env, logs) as procs:
            pids = {n: p.pid for n, p in procs.items()}
            serve_started = time.monotonic()
            print(f"started: {', '.join(f'{n} (pid {p})' for n, p in pids.items())}; {_uptime()}", flush=True)

            if "first" in phases:
                after = max_job_id(a.db) if not created else 0
                if not created:  # a reused database: the schedule will not fire again today, so queue them
                    enqueue(a.db, source_ids)
                server.take_counts()
                watch = Watch({n: p for n, p in pids.items()}, a.db)
                watch.start()
                res = wait_jobs(a.db, source_ids, after, max_seconds=a.max_harvest_seconds)
                figures = watch.finish()
                results["first"] = report_phase("first harvest", res, figures, watch.peaks, server.take_counts())
                size = q(a.db, "SELECT pg_database_size(current_database())")[0][0]
                active = q(a.db, "SELECT count(*) FROM dataset WHERE status = 'active'")[0][0]
                results["db_bytes"], results["active_datasets"] = size, active
                print(f"pg_database_size {size / 2**30:.2f} GiB ({size:,} bytes); active datasets {active:,}; "
                      f"{_uptime()}", flush=True)
                if not res.complete:
                    phases = []

            if "reharvest" in phases:
                after = max_job_id(a.db)
                server.take_counts()
                watch = Watch({n: p for n, p in pids.items()}, a.db)
                watch.start()
                enqueue(a.db, source_ids)
                res = wait_jobs(a.db, source_ids, after, max_seconds=a.max_harvest_seconds)
                figures = watch.finish()
                results["reharvest"] = report_phase("re-harvest, nothing changed", res, figures, watch.peaks,
                                                    server.take_counts())

            if "lag" in phases:
                results["lag"] = lag_phase(a, server, serve_url, serve_started, source_ids[0], pids["serve"],
                                           per_page)
            for name, pid in pids.items():
                st = _status_kb(pid)
                print(f"{name}: VmHWM {st.get('VmHWM', 0) / 1024:.0f} MiB (since its last reset), "
                      f"VmRSS {st.get('VmRSS', 0) / 1024:.0f} MiB at the end", flush=True)
    finally:
        server.shutdown()
        if a.drop_db:
            drop_database(a.db)
            print(f"database {_admin_url(a.db)[1]} dropped", flush=True)
    out = logs / "results.json"
    out.write_text(json.dumps(results, indent=1, default=str))
    print(f"figures written to {out}; {_uptime()}", flush=True)
    return 0


def lag_phase(a: argparse.Namespace, server: CatalogueServer, serve_url: str, serve_started: float,
              source_id: int, serve_pid: int, per_page: int) -> dict[str, Any]:
    # the replica's indexes first: it catches up when it is searched (a replica answers from the database
    # until its term index is ready), so search a common word until /healthz says it holds every dataset
    waited = time.monotonic()
    state: dict[str, Any] = {}
    active = q(a.db, "SELECT count(*) FROM dataset WHERE status = 'active'")[0][0]
    while time.monotonic() - waited < a.index_timeout:
        with contextlib.suppress(OSError, ValueError):
            _get_json(serve_url + "/api/datasets?q=badplatser", timeout=300)
            state = _get_json(serve_url + "/healthz", timeout=60)["search"]
            if state.get("term_index") == "ready" and state.get("datasets") == active:
                break
        time.sleep(1)
    print(f"\n== lag: the replica's search state {state} after {time.monotonic() - waited:.0f} s of waiting "
          f"({time.monotonic() - serve_started:.0f} s since it started); its VmRSS "
          f"{_status_kb(serve_pid).get('VmRSS', 0) / 1024:.0f} MiB; {_uptime()}", flush=True)
    word = "lag" + "".join(random.choice(string.ascii_lowercase) for _ in range(7))
    k = a.lag_changed
    server.overrides["/s000/page1.ttl"] = page_text(0, 1, a.pages, per_page, changed=k, word=word).encode()
    after = max_job_id(a.db)
    enqueue(a.db, [source_id])
    url = f"{serve_url}/api/datasets?q={word}"
    found_at: datetime | None = None
    finished_at: datetime | None = None
    polls = 0
    deadline = time.monotonic() + 1800
    while time.monotonic() < deadline:
        if finished_at is None:
            rows = q(a.db, "SELECT finished_at, status, updated FROM harvest_job WHERE id > %s AND source_id = %s",
                     (after, source_id))
            if rows and rows[0][0] is not None:
                finished_at = rows[0][0]
                print(f"  job {rows[0][1]} at {finished_at:%H:%M:%S.%f} UTC, {rows[0][2]} updated", flush=True)
        try:
            body = _get_json(url, timeout=60)
        except urllib.error.HTTPError as exc:
            if exc.code < 500:  # a wrong request: no use asking again
                raise SystemExit(f"{url}: {exc.code} {exc.read()[:300]!r}") from exc
        except (OSError, ValueError):
            pass
        else:
            polls += 1
            if int(body.get("total", 0)) >= k:
                found_at = datetime.now(UTC)
                if finished_at is None:  # finished between our two looks
                    finished_at = q(a.db, "SELECT finished_at FROM harvest_job WHERE id > %s AND source_id = %s",
                                    (after, source_id))[0][0]
                break
        time.sleep(0.1)
    out: dict[str, Any] = {"word": word, "changed": k, "index_state": state, "polls": polls}
    if found_at is not None and finished_at is not None:
        out["lag_s"] = (found_at - finished_at).total_seconds()
    print(f"  lag from the job's end to the replica's search returning the {k} changed datasets: "
          f"{out.get('lag_s', 'not seen within 30 min')} s ({polls} searches); {_uptime()}", flush=True)
    return out


if __name__ == "__main__":
    raise SystemExit(main())
