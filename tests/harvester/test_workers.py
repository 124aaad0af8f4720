"""Harvest workers on PostgreSQL: serve --no-harvest and worker processes, started from the systemd units of
docs/deploy/, share one database; the job table is the queue (harvester/job_lifecycle.claim_queued)."""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from catalog.settings import Settings
from catalog.store.tables import Dataset, HarvestJob
from tests.conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "docs" / "deploy"
JOB = HarvestJob.__table__  # type: ignore[attr-defined]
DS = Dataset.__table__  # type: ignore[attr-defined]
CATALOG_TTL = (FIXTURES / "dcat" / "catalog.ttl").read_bytes()
SYNC = 0.5  # SCHEDULER_SYNC_INTERVAL of the processes started here
HOST_CAP = 3
ENV = {"DATAKATALOG_ALLOW_PRIVATE_SOURCES": "1", "DATAKATALOG_SCHEDULER_SYNC_INTERVAL": str(SYNC),
       "DATAKATALOG_JOB_HEARTBEAT_INTERVAL": "0.3", "DATAKATALOG_JOB_DEAD_AFTER": "2",
       "DATAKATALOG_WORKER_POLL_INTERVAL": "0.2", "DATAKATALOG_HARVEST_WORKERS": "2",
       "DATAKATALOG_HOST_CONCURRENCY": str(HOST_CAP), "DATAKATALOG_SHACL_AFTER_HARVEST": "0"}



def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def unit_command(unit: str, instance: str) -> list[str]:
    """The ExecStart command of a unit file of docs/deploy/, as this checkout runs it: the installed
    ``datakatalog`` script is this interpreter with api.cli, and a listening port is a free one."""
    lines = [ln for ln in (DEPLOY / unit).read_text().splitlines() if ln.startswith("ExecStart=")]
    assert len(lines) == 1, unit
    argv = shlex.split(lines[0].removeprefix("ExecStart=").replace("%i", instance))
    assert Path(argv[0]).name == "datakatalog", argv
    cmd = [sys.executable, "-c", "from api.cli import main; main()", *argv[1:]]
    for option, value in (("--port", str(_free_port())), ("--host", "127.0.0.1")):
        if option in cmd:
            cmd[cmd.index(option) + 1] = value
    return cmd


def env_file() -> dict[str, str]:
    pairs = [ln.split("=", 1) for ln in (DEPLOY / "datakatalog.env").read_text().splitlines()
             if ln.strip() and not ln.startswith("#")]
    return {k: v for k, v in pairs}


def test_the_example_environment_file_names_only_real_settings() -> None:
    fields = {f"DATAKATALOG_{name.upper()}" for name in Settings.model_fields}
    assert set(env_file()) <= fields, set(env_file()) - fields
    assert set(ENV) <= fields


@pytest.mark.parametrize("args", [["worker"], ["serve", "--no-harvest", "--port", "1"]])
def test_on_sqlite_worker_and_serve_no_harvest_refuse_and_say_why(args: list[str], tmp_path: Path) -> None:
    db = tmp_path / "one.db"
    done = subprocess.run([sys.executable, "-c", "from api.cli import main; main()", *args, "--db", str(db)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "needs PostgreSQL" in done.stderr and "docs/deploy.md" in done.stderr, done.stderr


class Cluster:
    def __init__(self, db_url: str, logs: Path) -> None:
        self.db_url = db_url
        self.logs = logs
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, unit: str, instance: str) -> None:
        env = {**os.environ, **env_file(), **ENV, "DATAKATALOG_DATABASE_URL": self.db_url}
        with open(self.logs / f"{name}.log", "wb") as fh:
            self.procs[name] = subprocess.Popen(unit_command(unit, instance), env=env, cwd=ROOT, stdout=fh,
                                                stderr=subprocess.STDOUT)

    def name_of(self, worker: str | None) -> str:
        pid = int((worker or "x:0").rsplit(":", 1)[1])
        return next((n for n, p in self.procs.items() if p.pid == pid), f"pid {pid}")

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def all_logs(self) -> str:
        return "\n".join(f"--- {n}\n{self.log(n)[-3000:]}" for n in self.procs)

    def stop(self) -> None:
        for p in self.procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs.values():
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


@pytest.fixture
def cluster(db_url: str, engine: Engine, tmp_path: Path) -> Iterator[Cluster]:
    if db_url.startswith("sqlite"):
        pytest.skip("workers need PostgreSQL; on SQLite one serve process runs every harvest")
    c = Cluster(db_url, tmp_path)
    try:
        c.start("serve-01", "datakatalog-serve@.service", "01")
        c.start("serve-02", "datakatalog-serve@.service", "02")
        c.start("worker-1", "datakatalog-worker@.service", "1")
        c.start("worker-2", "datakatalog-worker@.service", "2")
        yield c
    finally:
        c.stop()


def _jobs(engine: Engine, source_id: int | None = None) -> list[HarvestJob]:
    q = select(JOB).order_by(JOB.c.id)
    if source_id is not None:
        q = q.where(JOB.c.source_id == source_id)
    with engine.connect() as conn:
        return [HarvestJob(**dict(r._mapping)) for r in conn.execute(q)]


def _wait(predicate: Callable[[], bool], timeout: float, step: float = 0.1) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def _slow(body: bytes, delay: float) -> Callable[[], tuple[int, str, bytes]]:
    def route() -> tuple[int, str, bytes]:
        time.sleep(delay)
        return 200, "text/turtle", body

    return route


def _most_at_once(jobs: list[HarvestJob]) -> int:
    edges = sorted([(j.started_at, 1) for j in jobs] + [(j.finished_at, -1) for j in jobs],
                   key=lambda e: (e[0], e[1]))  # an end before a start at the same instant
    now = most = 0
    for _t, step in edges:
        now += step
        most = max(most, now)
    return most


def _datasets(engine: Engine, source_id: int) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(DS).where(DS.c.source_id == source_id)).scalar_one())


def test_workers_share_due_sources_survive_a_killed_worker_and_a_killed_leader(
    cluster: Cluster, engine: Engine, add_source, http_server
) -> None:
    # 1. ten sources due at once: each harvested once, by the workers only, spread over both, at most
    #    HOST_CONCURRENCY at once on the one host they share
    ten = []
    for n in range(10):
        body = CATALOG_TTL.replace(b"fixtures.example.se", f"s{n}.fixtures.example.se".encode())
        http_server.routes[f"/s{n}/catalog.ttl"] = _slow(body, 0.8)
        ten.append(add_source(f"s{n}", http_server.url(f"s{n}/catalog.ttl"), schedule="1d"))
    ids = {s.id for s in ten}

    def all_done() -> bool:
        return len([j for j in _jobs(engine) if j.source_id in ids and j.finished_at]) >= 10

    assert _wait(all_done, 120), cluster.all_logs()
    jobs = [j for j in _jobs(engine) if j.source_id in ids]
    assert sorted(j.source_id for j in jobs) == sorted(ids), "a source was harvested twice"
    assert {j.status for j in jobs} == {"succeeded"}, [(j.status, j.message) for j in jobs]
    assert all(j.added == 8 for j in jobs)
    ran = {cluster.name_of(j.worker) for j in jobs}
    assert ran == {"worker-1", "worker-2"}, ran  # both workers, never a serve --no-harvest process
    assert _most_at_once(jobs) <= HOST_CAP

    # 2. a worker killed in the middle of a paged run: nothing of the run is stored, its job is failed as
    #    dead and the source harvested at its next turn by the other worker
    pages = {n: (FIXTURES / "dcat" / "paged" / f"page{n}.ttl").read_bytes() for n in (1, 2, 3)}
    first_page3 = threading.Event()

    def page3() -> tuple[int, str, bytes]:
        if not first_page3.is_set():
            first_page3.set()
            time.sleep(30)  # the first run is killed while it waits here, pages 1 and 2 staged
        return 200, "text/turtle", pages[3]

    http_server.routes["/victim/page1.ttl"] = (200, "text/turtle", pages[1])
    http_server.routes["/victim/page2.ttl"] = (200, "text/turtle", pages[2])
    http_server.routes["/victim/page3.ttl"] = page3
    victim = add_source("victim", http_server.url("victim/page1.ttl"), schedule="5s")
    assert _wait(first_page3.is_set, 60), cluster.all_logs()
    assert "/victim/page2.ttl" in http_server.hits  # two pages in, the run's staging holds them
    running = next(j for j in _jobs(engine, victim.id) if j.status == "running")
    killed_name = cluster.name_of(running.worker)
    assert killed_name.startswith("worker-")
    cluster.procs[killed_name].send_signal(signal.SIGKILL)
    cluster.procs[killed_name].wait(10)
    assert _wait(lambda: _jobs(engine, victim.id)[0].status == "failed", 30), cluster.all_logs()
    dead = _jobs(engine, victim.id)[0]
    assert dead.message == "worker died"
    # nothing of the killed run is stored (unless its next run has already ended)
    assert _datasets(engine, victim.id) == 0 or any(j.status == "succeeded" for j in _jobs(engine, victim.id))

    def harvested_again() -> bool:
        return any(j.status == "succeeded" for j in _jobs(engine, victim.id))

    assert _wait(harvested_again, 60), cluster.all_logs()
    again = next(j for j in _jobs(engine, victim.id) if j.status == "succeeded")
    assert again.added == 9 and cluster.name_of(again.worker) != killed_name
    assert _datasets(engine, victim.id) == 9

    # 3. the leader killed: another process leads within SCHEDULER_SYNC_INTERVAL + a few seconds, and
    #    schedules go on (a source added afterwards is enqueued)
    alive = [n for n, p in cluster.procs.items() if p.poll() is None]
    leads = "this process leads the harvest scheduler"
    leader = next(n for n in alive if leads in cluster.log(n))
    cluster.procs[leader].send_signal(signal.SIGKILL)
    cluster.procs[leader].wait(10)
    killed_at = time.monotonic()
    others = [n for n in alive if n != leader]
    assert _wait(lambda: any(leads in cluster.log(n) for n in others), SYNC + 5, 0.05), cluster.all_logs()
    took = time.monotonic() - killed_at
    assert took <= SYNC + 5
    later = add_source("later", http_server.url("dcat/catalog.ttl"), schedule="1d")
    assert _wait(lambda: bool(_jobs(engine, later.id)), 30), cluster.all_logs()


def test_a_retry_after_answer_pauses_the_host_for_every_worker_and_claim(
    db_url: str, engine: Engine, settings: Settings, add_source, http_server
) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("shared host pauses are kept on PostgreSQL; on SQLite the fetch's own retry waits")
    from harvester import host_pauses, job_lifecycle
    from harvester.errors import SourceHTTPError
    from harvester.fetch import Fetcher

    arrived: dict[str, float] = {}

    def busy() -> tuple[int, str, bytes, dict[str, str]]:
        arrived.setdefault("busy", time.monotonic())
        return 429, "text/plain", b"", {"Retry-After": "2"}

    def other() -> tuple[int, str, bytes]:
        arrived["other"] = time.monotonic()
        return 200, "text/turtle", CATALOG_TTL

    http_server.routes["/busy.ttl"] = busy
    http_server.routes["/other.ttl"] = other
    pauses = host_pauses.for_engine(engine, settings)
    assert pauses is not None
    # one worker's run is told to wait (and gives up: no retries) ...
    with pytest.raises(SourceHTTPError):
        Fetcher(settings, retries=0, pauses=pauses).get(http_server.url("busy.ttl"))
    # ... so no job of that host is claimed until the pause ends ...
    source = add_source("paused", http_server.url("dcat/catalog.ttl"))
    job = job_lifecycle.claim(engine, source.id, trigger="schedule", dead_after=60)
    assert job_lifecycle.claim_queued(engine, limit=2, host_concurrency=2) == []
    # ... and another worker's request to the same host waits it out
    Fetcher(settings, pauses=host_pauses.HostPauses(engine, 60)).get(http_server.url("other.ttl"))
    assert arrived["other"] - arrived["busy"] >= 1.5
    assert [j.id for j in job_lifecycle.claim_queued(engine, limit=2, host_concurrency=2)] == [job.id]
