"""Export time and peak memory: every dataset of a large catalogue as CSV and as JSON-LD.

    .venv/bin/python -m benchmarks.export [--datasets 100000] [--db URL] [--formats csv,jsonld]

Harvests a generated catalogue (benchmarks/gen_catalog.py) into a fresh SQLite file (or uses
``--db`` when it already holds datasets), then runs ``datakatalog export`` once per format in a
process of its own and prints the wall time, the output size and that process's peak RSS
(its VmHWM), next to the peak RSS of a command that only opens the database, so the
export's own share shows.
"""

from __future__ import annotations

import argparse
import functools
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import text

from benchmarks.harvest import _Quiet, run_once

# The child reports its own VmHWM at exit: ru_maxrss would also count the pages this (large)
# process had when it forked the child, which Linux carries across execve.
_WRAP = """
import atexit, re, sys
PEAK = sys.argv[1]
def _peak():
    with open('/proc/self/status') as fh:
        kib = re.search(r'VmHWM:\\s+(\\d+)', fh.read()).group(1)
    with open(PEAK, 'w') as out:
        out.write(kib)
atexit.register(_peak)
sys.argv = ['datakatalog', *sys.argv[2:]]
from api.cli import main
main()
"""


def _run(args: list[str], workdir: Path) -> tuple[float, int, int]:
    """Wall seconds, exit code and peak RSS (KiB) of one ``datakatalog`` command."""
    peak_file = workdir / "peak.txt"
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _WRAP, str(peak_file), *args], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, check=False)
    seconds = time.perf_counter() - started
    if proc.returncode:
        sys.stderr.write(proc.stderr.decode(errors="replace"))
    return seconds, proc.returncode, int(peak_file.read_text() or 0)


def _count(db_url: str) -> int:
    from catalog.store.engine import make_engine

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM dataset WHERE status = 'active'")).scalar() or 0)
    except Exception:  # noqa: BLE001 - no schema yet
        return 0
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--db", default=None, help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--formats", default="csv,jsonld")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="dk-export-"))
    db_url = args.db or f"sqlite:///{workdir / 'export.db'}"
    have = _count(db_url)
    if have < args.datasets:
        from benchmarks.gen_catalog import generate

        (workdir / "catalog.ttl").write_text(generate(args.datasets), encoding="utf-8")
        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(workdir)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        # one 100,000-dataset file is over the default 200 MB body limit
        os.environ.setdefault("DATAKATALOG_FETCH_MAX_BYTES", str(2_000_000_000))
        r = run_once(db_url, f"http://127.0.0.1:{server.server_address[1]}/catalog.ttl")
        server.shutdown()
        (workdir / "catalog.ttl").unlink()
        print(f"harvested {r['added']} datasets in {r['seconds']:.1f} s ({r['status']})")
        have = _count(db_url)
    print(f"{have} active datasets in {db_url}")

    _, _, base_rss = _run(["export", "finnsintenagonstans", "--format", "csv", "--out",
                           str(workdir / "empty.csv"), "--db", db_url], workdir)
    print(f"baseline (an export of nothing): peak RSS {base_rss / 1024:.0f} MiB")
    for fmt in args.formats.split(","):
        out = workdir / f"all.{fmt}"
        seconds, code, rss = _run(["export", "--format", fmt, "--out", str(out), "--db", db_url], workdir)
        size = out.stat().st_size / 1e6 if out.exists() else 0.0
        print(f"{fmt:7} {seconds:6.1f} s  {have / seconds:8.0f} datasets/s  {size:7.1f} MB  "
              f"peak RSS {rss / 1024:5.0f} MiB (+{(rss - base_rss) / 1024:.0f} MiB over baseline)"
              + ("" if code == 0 else f"  FAILED (exit {code})"))
        out.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
