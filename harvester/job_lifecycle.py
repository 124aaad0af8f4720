"""The life of a harvest job: claimed (queued or running), heartbeats, finished, or found dead.

The one-run-per-source guard is in the database, so it holds across threads, processes and hosts:
a partial unique index (migration 0003_sched) allows one *live* job (queued or running) per source.
A claim inserts the job; a second claim for the same source fails on that index and is answered
with the live job (:class:`JobInProgress`). A live job whose process died stops beating; once its
heartbeat is older than ``job_dead_after`` it is failed as "worker died" and no longer blocks.

On PostgreSQL the job table is also the queue between the scheduler and the workers: the leader
enqueues (a queued job, kept alive by the leader's :func:`beat_queued`), and any harvesting process
takes queued jobs with :func:`claim_queued` (``FOR UPDATE SKIP LOCKED``, a cap per host).
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine, and_, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError

from catalog import metrics
from catalog.errors import Conflict
from catalog.store.tables import JOB, SRC, HarvestJob, utcnow
from harvester import host_pauses

log = logging.getLogger(__name__)

LIVE = ("queued", "running")
DEAD_MESSAGE = "worker died"


class JobInProgress(Conflict):
    """The source has a live job already; ``job`` is it (the API answers 409 with it)."""

    def __init__(self, job: HarvestJob) -> None:
        super().__init__(f"source {job.source_id} is being harvested already (job {job.id}, {job.status})")
        self.job = job


def worker_id() -> str:
    """This process, as recorded on the jobs it runs."""
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def _job(row: Any) -> HarvestJob:
    return HarvestJob(**dict(row._mapping))


def live_job(engine: Engine, source_id: int) -> HarvestJob | None:
    """The source's queued or running job, if any."""
    with engine.connect() as conn:
        row = conn.execute(select(JOB).where(JOB.c.source_id == source_id, JOB.c.status.in_(LIVE))).first()
    return _job(row) if row else None


def recover_dead(engine: Engine, *, dead_after: float, source_id: int | None = None) -> list[int]:
    """Fail live jobs whose heartbeat is older than ``dead_after`` seconds; their ids."""
    now = utcnow()
    cutoff = now - timedelta(seconds=dead_after)
    stale = or_(JOB.c.heartbeat_at < cutoff, and_(JOB.c.heartbeat_at.is_(None), JOB.c.created_at < cutoff))
    cond = and_(JOB.c.status.in_(LIVE), stale)
    if source_id is not None:
        cond = and_(cond, JOB.c.source_id == source_id)
    with engine.begin() as conn:
        ids = [r[0] for r in conn.execute(select(JOB.c.id).where(cond))]
        if ids:
            # the condition is repeated so a job that beat in between is left alone
            conn.execute(update(JOB).where(JOB.c.id.in_(ids), cond).values(
                status="failed", finished_at=now, message=DEAD_MESSAGE))
    for job_id in ids:
        log.warning("harvest job %s stopped beating for %.0f s: failed as %r", job_id, dead_after, DEAD_MESSAGE)
    metrics.JOBS_FOUND_DEAD.inc(len(ids))
    return ids


def claim(engine: Engine, source_id: int, *, trigger: str, dead_after: float, status: str = "queued",
          worker: str | None = None) -> HarvestJob:
    """Create the source's next job (``queued``, or ``running`` to start at once).

    Raises JobInProgress with the live job when the source has one that is not dead.
    """
    assert status in LIVE
    for _attempt in range(3):
        recover_dead(engine, dead_after=dead_after, source_id=source_id)
        now = utcnow()
        values: dict[str, Any] = dict(
            source_id=source_id, status=status, trigger=trigger, created_at=now, heartbeat_at=now,
            started_at=now if status == "running" else None, worker=worker or worker_id())
        try:
            with engine.begin() as conn:
                job_id = conn.execute(insert(JOB).values(**values).returning(JOB.c.id)).scalar_one()
        except IntegrityError:
            current = live_job(engine, source_id)
            if current is not None:
                raise JobInProgress(current) from None
            continue  # it finished between our insert and our look: try again
        return load(engine, job_id)
    raise Conflict(f"source {source_id}: could not claim a harvest job (too much contention)")


def start(engine: Engine, job: HarvestJob, *, worker: str | None = None) -> bool:
    """Move a queued job to running; False when it is no longer queued (failed as dead meanwhile)."""
    now = utcnow()
    values = dict(status="running", started_at=now, heartbeat_at=now, worker=worker or worker_id())
    with engine.begin() as conn:
        done = conn.execute(update(JOB).where(JOB.c.id == job.id, JOB.c.status == "queued").values(**values))
    if done.rowcount != 1:
        return False
    for key, value in values.items():
        setattr(job, key, value)
    return True


def beat_queued(engine: Engine) -> int:
    """PostgreSQL's shared queue: the leader keeps jobs that wait for a free worker alive (a queued job
    belongs to no process until one claims it); how many."""
    with engine.begin() as conn:
        return conn.execute(update(JOB).where(JOB.c.status == "queued").values(heartbeat_at=utcnow())).rowcount


def host_of(url: str) -> str:
    """The host a source's requests go to, as counted by the per-host cap ("" for a URL that cannot be split)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def host_key(host: str) -> int:
    """The advisory-lock key under which claims of one host's jobs are made one at a time."""
    digest = hashlib.sha256(f"datakatalog-host:{host}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def claim_queued(engine: Engine, *, limit: int, host_concurrency: int, worker: str | None = None) -> list[HarvestJob]:
    """PostgreSQL: take up to ``limit`` queued jobs to run here, oldest first; they are running on return.

    Rows are taken with ``FOR UPDATE SKIP LOCKED``, so claimers never wait for nor take each other's jobs;
    moving a job from queued to running is the claim (:func:`start` of a job already taken does nothing).
    At most ``host_concurrency`` jobs of sources on one host run at once across all processes: the claim
    of a host's job holds a transaction-level advisory lock on the host while it counts that host's
    running jobs, so two claimers cannot both take its last free place. No job of a host that answered
    ``Retry-After`` is claimed before that time (:mod:`harvester.host_pauses`).
    """
    if limit <= 0:
        return []
    me = worker or worker_id()
    with engine.begin() as conn:
        candidates = conn.execute(
            select(JOB.c.id, SRC.c.url).join(SRC, SRC.c.id == JOB.c.source_id)
            .where(JOB.c.status == "queued").order_by(JOB.c.id).limit(limit * 4 + 16)
            .with_for_update(skip_locked=True, of=JOB)).all()
        chosen: list[int] = []
        running: dict[str, int] = {}
        busy: set[str] = set()  # hosts paused, or whose claims another process is making right now
        for job_id, url in candidates:
            if len(chosen) >= limit:
                break
            host = host_of(url)
            if host in busy:
                continue
            if host not in running:
                if host_pauses.paused_until(conn, host) is not None:  # it answered Retry-After: not now
                    busy.add(host)
                    continue
                if not conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": host_key(host)}).scalar_one():
                    busy.add(host)
                    continue
                # counted after the lock is ours: every claim of this host committed before it is seen
                urls = conn.execute(select(SRC.c.url).join(JOB, JOB.c.source_id == SRC.c.id)
                                    .where(JOB.c.status == "running")).scalars()
                running[host] = sum(1 for u in urls if host_of(u) == host)
            if running[host] >= host_concurrency:
                continue
            running[host] += 1
            chosen.append(job_id)
        if not chosen:
            return []
        now = utcnow()
        conn.execute(update(JOB).where(JOB.c.id.in_(chosen), JOB.c.status == "queued").values(
            status="running", started_at=now, heartbeat_at=now, worker=me))
    return [load(engine, job_id) for job_id in chosen]


def beat(engine: Engine, job_ids: Iterable[int]) -> None:
    """Say that these jobs' process is alive. Never raises: a missed beat is retried at the next one."""
    ids = list(job_ids)
    if not ids:
        return
    try:
        with engine.begin() as conn:
            conn.execute(update(JOB).where(JOB.c.id.in_(ids), JOB.c.status.in_(LIVE)).values(heartbeat_at=utcnow()))
    except OperationalError as exc:  # SQLite: a run holding the write lock for longer than busy_timeout
        log.info("heartbeat of jobs %s missed: %s", ids, exc)


class Heartbeat:
    """A daemon thread that beats for a changing set of jobs every ``every`` seconds."""

    def __init__(self, engine: Engine, every: float) -> None:
        self.engine = engine
        self.every = every
        self.ids: set[int] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="job-heartbeat", daemon=True)

    def add(self, job_id: int) -> None:
        with self._lock:
            self.ids.add(job_id)

    def discard(self, job_id: int) -> None:
        with self._lock:
            self.ids.discard(job_id)

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def stop(self) -> None:
        # no join: a beat may be waiting on SQLite's write lock; beats only touch live jobs anyway
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            with self._lock:
                ids = list(self.ids)
            beat(self.engine, ids)


@contextmanager
def heartbeat(engine: Engine, job_id: int, every: float) -> Iterator[None]:
    """Beat for one job while the block runs."""
    hb = Heartbeat(engine, every)
    hb.add(job_id)
    hb.start()
    try:
        yield
    finally:
        hb.stop()


def load(engine: Engine, job_id: int) -> HarvestJob:
    """A job as stored now."""
    with engine.connect() as conn:
        return _job(conn.execute(select(JOB).where(JOB.c.id == job_id)).one())


def abandon(engine: Engine, job_id: int, message: str) -> None:
    """Fail a live job that will not finish (its run was interrupted)."""
    try:
        with engine.begin() as conn:
            conn.execute(update(JOB).where(JOB.c.id == job_id, JOB.c.status.in_(LIVE)).values(
                status="failed", finished_at=utcnow(), message=message))
    except Exception:  # noqa: BLE001 - the heartbeat's absence will fail it later
        log.warning("could not fail interrupted job %s; it will be failed as dead", job_id)
