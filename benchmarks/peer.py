"""Harvest speed against ckanext-dcat, on the same generated files in the same run (issue 17's peer figure).

    python3 -m venv .peer && .peer/bin/pip install "ckan[requirements]==2.12.0" ckanext-dcat==2.4.4
    .venv/bin/python -m benchmarks.peer [--size 5000:3] [--size 100000:2] [--db sqlite] \
        [--db postgresql://postgres@127.0.0.1:5432/postgres] [--peer-python .peer/bin/python]

The peer is installed in a venv of its own (CKAN pins its own versions of SQLAlchemy, alembic …). Plain
``pip install ckan==2.12.0 ckanext-dcat==2.4.4`` is not enough: CKAN 2.12 lists its run-time
dependencies (Flask and the rest) under the ``requirements`` extra, and without them importing
ckanext-dcat's profiles fails on ``import flask``.

For each ``--size N[:ROUNDS]`` the catalogue of benchmarks/gen_catalog.py is written once: one Turtle file
below ``--paged-from`` datasets, else Hydra pages of ``--per-page`` datasets (``generate_pages``: the same
datasets, linked by ``hydra:next``; ckanext-dcat's harvester refuses a file over 50 MB,
``ckanext.dcat.max_file_size``). Then, ROUNDS times, alternating the order from one round to the next:

- the peer: benchmarks/peer_ckan.py under ``--peer-python``, in a fresh process, reads the same files
  from disk and times ckanext-dcat's parse + map of them (``RDFParser`` with the profiles a DCAT RDF
  harvest uses by default, ``euro_dcat_ap_3``; see that module for what is and is not counted);
- ours, once per ``--db``: datakatalog's whole first harvest of the same files (HTTP fetch from a local
  server, parse, map, prepare, store, swap; benchmarks/harvest.py's ``run_once``, a fresh process) into
  a fresh database: ``sqlite`` is a new file; a PostgreSQL URL names a server, on which a database
  ``<--pg-prefix><N>_<round>`` is created for the run and dropped after it.

Prints datasets/s for each side, ours/peer per round and the medians, the load average at each run's
start, and the peer's peak RSS. Asserts no timing. The machine may be shared: compare only figures of
one run.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import statistics
import subprocess
import tempfile
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from benchmarks.gen_catalog import generate, generate_pages
from benchmarks.harvest import _Quiet, run_once

PEER_HELPER = Path(__file__).with_name("peer_ckan.py")
TARGET = 4.0


def write_catalogue(directory: Path, n: int, *, per_page: int, paged_from: int) -> list[Path]:
    """The catalogue of ``n`` generated datasets under ``directory``: its files in paging order."""
    directory.mkdir(parents=True, exist_ok=True)
    if n < paged_from:
        path = directory / "catalog.ttl"
        path.write_text(generate(n), encoding="utf-8")
        return [path]
    paths = []
    for name, text in generate_pages(n, per_page):
        (directory / name).write_text(text, encoding="utf-8")
        paths.append(directory / name)
    return paths


def run_peer(peer_python: str, paths: list[Path], profiles: str | None) -> dict[str, Any]:
    cmd = [peer_python, str(PEER_HELPER), *(["--profiles", profiles] if profiles else []), *map(str, paths)]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=paths[0].parent)
    if done.returncode:
        raise SystemExit(f"the peer failed ({done.returncode}):\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _pg_admin(server_url: str) -> Any:
    import psycopg

    return psycopg.connect(server_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


def _with_database(server_url: str, name: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_ours(db: str, url: str, n: int, round_no: int, workdir: Path, pg_prefix: str) -> dict[str, Any]:
    """One first harvest of ``url`` into a fresh database; the database is removed afterwards.

    Adds ``cpu_seconds``: the CPU time of the harvest's process and of the processes it waited for, start-up
    and schema migration included; on PostgreSQL also ``db_cpu_seconds``, the server's backends for the run's
    database (start-up included too)."""
    cpu = _children_cpu()
    result = _run_ours(db, url, n, round_no, workdir, pg_prefix)
    result["cpu_seconds"] = _children_cpu() - cpu
    return result


def _run_ours(db: str, url: str, n: int, round_no: int, workdir: Path, pg_prefix: str) -> dict[str, Any]:
    if db == "sqlite":
        path = workdir / "ours.db"
        for leftover in workdir.glob("ours.db*"):
            leftover.unlink()
        try:
            return run_once(f"sqlite:///{path}", url)
        finally:
            for leftover in workdir.glob("ours.db*"):
                leftover.unlink()
    name = f"{pg_prefix}{n}_{round_no}"
    with _pg_admin(db) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    backends = _BackendCpu(db, name)
    backends.start()
    try:
        result = run_once(_with_database(db, name), url)
        backends.halt()
        result["db_cpu_seconds"] = backends.seconds()
        return result
    finally:
        backends.halt()
        with _pg_admin(db) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class _BackendCpu(threading.Thread):
    """CPU seconds of the PostgreSQL backends serving one database, sampled from /proc every 0.1 s (the
    server runs on this machine; a backend's last < 0.1 s before it exits is missed)."""

    def __init__(self, server_url: str, dbname: str) -> None:
        super().__init__(daemon=True)
        self.server_url, self.dbname = server_url, dbname
        self.stop = threading.Event()
        self.seen: dict[int, float] = {}
        self.tick = os.sysconf("SC_CLK_TCK")

    def run(self) -> None:
        with _pg_admin(self.server_url) as conn:
            while not self.stop.wait(0.1):
                rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.dbname,))
                for (pid,) in rows.fetchall():
                    try:
                        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    except (OSError, IndexError):
                        continue
                    self.seen[pid] = max(self.seen.get(pid, 0.0), (int(fields[11]) + int(fields[12])) / self.tick)

    def halt(self) -> None:
        self.stop.set()
        if self.is_alive():
            self.join()

    def seconds(self) -> float:
        return sum(self.seen.values())


def db_label(db: str) -> str:
    return "sqlite" if db == "sqlite" else "postgresql"


def code_version() -> str:
    """Which datakatalog tree the harvests import, and its commit."""
    import harvester

    root = Path(harvester.__file__).resolve().parent.parent
    head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True).stdout.strip()
    return f"{root} ({'commit ' + head if head else 'not a git checkout'})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", action="append", default=None, metavar="N[:ROUNDS]",
                        help="datasets and rounds (default: 5000:3 and 100000:2)")
    parser.add_argument("--db", action="append", default=None,
                        help="'sqlite' (a fresh file) or a PostgreSQL server URL; repeatable (default: sqlite)")
    parser.add_argument("--peer-python", default=".peer/bin/python", help="the peer venv's interpreter")
    parser.add_argument("--profiles", default=None,
                        help="ckanext-dcat profiles, space-separated (default: the harvester's, euro_dcat_ap_3)")
    parser.add_argument("--per-page", type=int, default=1000)
    parser.add_argument("--paged-from", type=int, default=10_000,
                        help="catalogues of this many datasets or more are published as pages")
    parser.add_argument("--pg-prefix", default="dkp_", help="prefix of the PostgreSQL databases made per run")
    parser.add_argument("--workdir", type=Path, default=None, help="where the files go (default: a temp dir)")
    parser.add_argument("--json", type=Path, default=None, help="also write every run's figures here")
    args = parser.parse_args()
    sizes = [(int(n), int(rounds or 1)) for n, _, rounds in
             (spec.partition(":") for spec in (args.size or ["5000:3", "100000:2"]))]
    dbs = args.db or ["sqlite"]
    if not Path(args.peer_python).exists():
        raise SystemExit(f"no peer interpreter at {args.peer_python}: see this module's docstring")

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="dk-peer-"))
    workdir.mkdir(parents=True, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(workdir)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    print(f"ours: {code_version()}; databases: {', '.join(db_label(db) for db in dbs)}")
    print(f"peer: {args.peer_python}; machine: {os.cpu_count()} cores; files under {workdir}")

    # what a harvest costs before its first dataset (interpreter, imports, schema migration, the job):
    # one harvest of an empty catalogue per database, taken off every run's CPU seconds below
    empty = write_catalogue(workdir / "0", 0, per_page=args.per_page, paged_from=args.paged_from)[0]
    startup: dict[str, tuple[float, float]] = {}
    for db in dbs:
        r = run_ours(db, f"http://127.0.0.1:{port}/0/{empty.name}", 0, 0, workdir, args.pg_prefix)
        startup[db_label(db)] = (r["cpu_seconds"], r.get("db_cpu_seconds", 0.0))
        print(f"start-up of a harvest on {db_label(db)}: {sum(startup[db_label(db)]):.1f} CPU s"
              f" (an empty catalogue: {r['status']})")

    runs: list[dict[str, Any]] = []
    for n, rounds in sizes:
        paths = write_catalogue(workdir / str(n), n, per_page=args.per_page, paged_from=args.paged_from)
        size_mb = sum(p.stat().st_size for p in paths) / 1e6
        url = f"http://127.0.0.1:{port}/{n}/{paths[0].name}"
        print(f"\n{n} datasets: {len(paths)} file(s), {size_mb:.1f} MB Turtle, {rounds} round(s)")
        for round_no in range(1, rounds + 1):
            sides = ["peer", *dbs]
            if round_no % 2 == 0:
                sides.reverse()
            for side in sides:
                load = os.getloadavg()
                if side == "peer":
                    r = run_peer(args.peer_python, paths, args.profiles)
                    ok = r["datasets"] == n and r["paging_ok"]
                    row = {"side": "peer", "seconds": r["seconds"], "cpu": r["cpu_seconds"], "peak_mb": r["peak_mb"],
                           "detail": r}
                    note = (f"parse {r['parse_seconds']:.1f} s + map {r['map_seconds']:.1f} s; "
                            f"not counted: read {r['read_seconds']:.1f} s, json {r['json_seconds']:.1f} s; "
                            f"profiles {' '.join(r['profiles'])}")
                else:
                    r = run_ours(side, url, n, round_no, workdir, args.pg_prefix)
                    ok = r["status"] == "succeeded" and r["added"] == n
                    # the run's CPU: the whole process's (and the parse workers' it waited for) less an
                    # empty harvest's; benchmarks/harvest.py's own figure, where it gives one, is shown too
                    own, own_db = startup[db_label(side)]
                    db_cpu = r.get("db_cpu_seconds", 0.0) - own_db
                    cpu = r["cpu_seconds"] - own
                    row = {"side": db_label(side), "seconds": r["seconds"], "cpu": cpu + db_cpu,
                           "peak_mb": r["peak_mb"], "detail": r}
                    note = f"{r['status']}, added {r['added']}, swap {r['swap']:.2f} s"
                    if r.get("workers_mb"):
                        note += f", parse workers' peak {r['workers_mb']:.0f} MB"
                    if "cpu" in r:
                        note += f", harvest_source's own cpu {r['cpu']:.1f} s"
                    if "db_cpu_seconds" in r:
                        note += f", cpu: harvest {cpu:.1f} s + PostgreSQL {db_cpu:.1f} s"
                row.update(n=n, round=round_no, ok=ok, load=load, rate=n / row["seconds"],
                           cpu_rate=n / max(0.01, row["cpu"]),
                           at=time.strftime("%H:%M:%S", time.gmtime()))
                runs.append(row)
                print(f"  round {round_no} {row['side']:10s} {row['seconds']:7.2f} s {row['rate']:7.0f} datasets/s"
                      f"  cpu {row['cpu']:6.1f} s"
                      f"  peak {row['peak_mb']:5.0f} MB  load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
                      f"  {'' if ok else 'NOT OK: '}{note}")
            this_round = {row["side"]: row["rate"] for row in runs if row["n"] == n and row["round"] == round_no}
            print("  round {} ours/peer: {}".format(round_no, ", ".join(
                f"{db_label(db)} {this_round[db_label(db)] / this_round['peer']:.2f}x" for db in dbs)))
        print(f"  medians at {n} (datasets/s of wall time; datasets per CPU second: PostgreSQL's "
              "backends included, a harvest's start-up taken off):")
        mine = [row for row in runs if row["n"] == n]
        peer = {row["round"]: row for row in mine if row["side"] == "peer"}
        print(f"    peer       {statistics.median(r['rate'] for r in peer.values()):7.0f} datasets/s"
              f"  {statistics.median(r['cpu_rate'] for r in peer.values()):7.0f} per CPU s"
              f"  (peak RSS {max(r['peak_mb'] for r in peer.values()):.0f} MB)")
        for db in dbs:
            ours = {row["round"]: row for row in mine if row["side"] == db_label(db)}
            ratio = statistics.median(ours[k]["rate"] / peer[k]["rate"] for k in ours)
            cpu_ratio = statistics.median(ours[k]["cpu_rate"] / peer[k]["cpu_rate"] for k in ours)
            print(f"    {db_label(db):10s} {statistics.median(r['rate'] for r in ours.values()):7.0f} datasets/s"
                  f"  {statistics.median(r['cpu_rate'] for r in ours.values()):7.0f} per CPU s"
                  f"  ours/peer {ratio:.2f}x (per CPU s {cpu_ratio:.2f}x)"
                  f"  target {TARGET:g}x: {'met' if ratio >= TARGET else 'not met'}")
    server.shutdown()
    if args.json:
        args.json.write_text(json.dumps({"code": code_version(), "runs": runs}, indent=1, default=str))


if __name__ == "__main__":
    main()
