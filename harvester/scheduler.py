"""Scheduled and triggered harvests: APScheduler 3 for the timing, a bounded pool for the runs.

``datakatalog serve`` starts one :class:`HarvestScheduler`. Schedules live in the database
(``source.schedule``): the scheduler reads them at start and re-reads them every
``scheduler_sync_interval`` seconds, so a source added, changed or deleted by another process or the
CLI is picked up; :func:`sync_source` applies one source's change at once (the API calls it).

Several ``serve`` and ``worker`` processes may share one PostgreSQL database: exactly one leads (it
holds a session-level advisory lock on a connection of its own) and decides what is due; the others
retry leadership at every sync and take over when the leader's connection goes (its process died).
On PostgreSQL the leader only *enqueues* (a queued job row); every process with harvesting enabled
(``serve``, ``worker``; not ``serve --no-harvest``) claims queued jobs from the job table
(:func:`harvester.job_lifecycle.claim_queued`: ``FOR UPDATE SKIP LOCKED``, at most
``host_concurrency`` running per host) whenever its pool has a free place, and runs them there. On
SQLite a single serve process is assumed: it always leads and runs what it enqueues in its own pool.
Whoever runs a harvest, the database guard in :mod:`harvester.job_lifecycle` keeps it to one live job
per source.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Connection, Engine, func, select, text, update

from catalog.errors import CatalogError
from catalog.quality import checks
from catalog.schedules import Schedule, parse_schedule
from catalog.services import sources
from catalog.settings import Settings
from catalog.store.engine import is_sqlite
from catalog.store.tables import SRC, HarvestJob, utcnow
from harvester import job_lifecycle
from harvester.runner import harvest_source
from harvester.shacl_worker import ShaclChecks

log = logging.getLogger(__name__)

JOB = job_lifecycle.JOB
TICK_ID = "datakatalog:sync"


def run_job(engine: Engine, settings: Settings, job: HarvestJob, *, shacl: ShaclChecks | None = None) -> HarvestJob:
    """Run a claimed (queued) job to its end; what the pool's workers call.

    The SHACL check of what the run changed goes to ``shacl`` (a child process, the pool's way) and
    runs here, in this thread, without it."""
    try:
        source = sources.get_source(engine, job.source_id)
    except CatalogError as exc:  # deleted while the job waited
        with engine.begin() as conn:
            conn.execute(update(JOB).where(JOB.c.id == job.id, JOB.c.status.in_(job_lifecycle.LIVE)).values(
                status="failed", finished_at=utcnow(), message=exc.message))
        return job_lifecycle.load(engine, job.id or 0)
    done = harvest_source(engine=engine, source=source, settings=settings, trigger=job.trigger, job=job)
    if settings.shacl_after_harvest and done.status in ("succeeded", "held") and (done.added or done.updated):
        # the full DCAT-AP SHACL shapes, on what this run changed only; the job is already finished,
        # so the check never slows a harvest down (the mandatory rules ran inside it)
        if shacl is not None:
            shacl.submit(done.id or 0)
            return done
        try:
            checks.validate_changed(engine, done.id or 0, base_url=settings.base_url)
        except Exception:  # a validation failure must not take the worker down
            log.exception("SHACL validation after job %s failed", done.id)
    return done


class HarvestPool:
    """At most ``workers`` harvests at once; further claimed jobs wait with status ``queued`` and keep beating."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        # SQLite has one writer: a second run at once would only wait for (or fail on) the write lock
        self.workers = 1 if is_sqlite(engine) else settings.harvest_workers
        self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="harvest")
        self._heartbeat = job_lifecycle.Heartbeat(engine, settings.job_heartbeat_interval).start()
        # SHACL after a run: in a child process, one at a time, off the serving process's GIL and memory
        self.shacl = (ShaclChecks(engine.url.render_as_string(hide_password=False), settings.base_url)
                      if settings.shacl_after_harvest else None)
        self._pending: dict[int, Future[HarvestJob]] = {}
        self._lock = threading.Lock()
        self._finished = threading.Condition()
        self.finished = 0  # runs this pool has ended (succeeded, failed or cancelled), for wait_finished

    def submit(self, job: HarvestJob) -> Future[HarvestJob]:
        assert job.id is not None
        job_id = job.id
        self._heartbeat.add(job_id)
        future = self._executor.submit(self._run, job)
        with self._lock:
            self._pending[job_id] = future
        future.add_done_callback(lambda _f: self._done(job_id))
        return future

    def _run(self, job: HarvestJob) -> HarvestJob:
        try:
            return run_job(self.engine, self.settings, job, shacl=self.shacl)
        except Exception:
            log.exception("harvest job %s crashed", job.id)
            raise

    def _done(self, job_id: int) -> None:
        self._heartbeat.discard(job_id)
        with self._lock:
            self._pending.pop(job_id, None)
        with self._finished:
            self.finished += 1
            self._finished.notify_all()

    def free(self) -> int:
        """Places free for another run now."""
        with self._lock:
            return max(0, self.workers - len(self._pending))

    def wait_finished(self, count: int, timeout: float | None = None) -> bool:
        """Block until this pool has ended ``count`` runs in all; False if ``timeout`` seconds pass first."""
        with self._finished:
            return self._finished.wait_for(lambda: self.finished >= count, timeout)

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop taking jobs; jobs still queued are failed now rather than left to look dead later. The
        SHACL check under way is waited for too (checks still queued are dropped)."""
        with self._lock:
            pending = list(self._pending.items())
        # cancel outside the lock: a cancelled future runs its done-callback (which takes the lock) at once
        waiting = [job_id for job_id, fut in pending if fut.cancel()]
        if waiting:
            with self.engine.begin() as conn:
                conn.execute(update(JOB).where(JOB.c.id.in_(waiting), JOB.c.status == "queued").values(
                    status="failed", finished_at=utcnow(), message="cancelled: the server stopped"))
        self._executor.shutdown(wait=wait)
        self._heartbeat.stop()
        if self.shacl is not None:  # after the runs: a run that just ended has queued its check
            self.shacl.shutdown(wait=wait)


class Leadership:
    """Who runs the schedules: the holder of a PostgreSQL session-level advisory lock (SQLite: always us)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Connection | None = None

    @property
    def held(self) -> bool:
        return is_sqlite(self.engine) or self._conn is not None

    def hold(self) -> bool:
        """Keep or take the lead; False while another process leads."""
        if is_sqlite(self.engine):
            return True
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT 1"))
                return True
            except Exception as exc:  # noqa: BLE001 - a lost connection has lost the lock too
                log.warning("scheduler lost its leader connection: %s", exc)
                self.release()
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            schema = conn.execute(text("SELECT current_schema()")).scalar_one()
            got = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": lock_key(schema)}).scalar_one()
        except Exception:
            conn.invalidate()
            raise
        if got:
            self._conn = conn
            log.info("this process leads the harvest scheduler of schema %s", schema)
            return True
        conn.close()
        return False

    def release(self) -> None:
        if self._conn is not None:
            # invalidate closes the session itself, which is what frees a session-level advisory lock
            self._conn.invalidate()
            self._conn.close()
            self._conn = None


def lock_key(schema: str) -> int:
    """The advisory-lock key of the scheduler of one catalogue (schemas of one database lead apart)."""
    digest = hashlib.sha256(f"datakatalog-scheduler:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def build_trigger(schedule: Schedule, timezone: ZoneInfo) -> BaseTrigger:
    if schedule.interval_seconds is not None:
        return IntervalTrigger(seconds=schedule.interval_seconds, timezone=timezone)
    assert schedule.cron is not None
    return CronTrigger(timezone=timezone, **schedule.cron)


class HarvestScheduler:
    """Runs source schedules (when leading) and triggered harvests in a bounded pool.

    ``harvest=False`` (``serve --no-harvest``, PostgreSQL only): this process leads or follows and
    enqueues, but never runs a harvest itself; workers elsewhere claim the jobs."""

    def __init__(self, engine: Engine, settings: Settings, *, harvest: bool = True) -> None:
        self.engine = engine
        self.settings = settings
        self.timezone = ZoneInfo(settings.schedule_timezone)
        # PostgreSQL: the job table is a queue every harvesting process claims from; SQLite: our own pool
        self.shared_queue = not is_sqlite(engine)
        if not harvest and not self.shared_queue:
            raise CatalogError("a process that does not harvest needs PostgreSQL: on SQLite the one serve "
                               "process runs every harvest")
        self.harvest = harvest
        self._pool = HarvestPool(engine, settings) if harvest else None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._claimer: threading.Thread | None = None
        self.leadership = Leadership(engine)
        # the real work runs in the pool; APScheduler's own threads only claim and hand over
        self._scheduler = BackgroundScheduler(
            timezone=self.timezone,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        )
        self._synced: dict[int, str] = {}
        self._lock = threading.RLock()
        self.synced = threading.Event()  # set once this process, leading, has read every schedule

    # -- life -------------------------------------------------------------------------------------

    @property
    def pool(self) -> HarvestPool:
        if self._pool is None:
            raise RuntimeError("this process does not harvest (serve --no-harvest)")
        return self._pool

    def start(self) -> HarvestScheduler:
        global _active
        self._scheduler.start()
        self._scheduler.add_job(self.tick, IntervalTrigger(seconds=self.settings.scheduler_sync_interval),
                                id=TICK_ID, next_run_time=utcnow())
        if self._pool is not None and self.shared_queue:
            self._claimer = threading.Thread(target=self._claim_loop, name="harvest-claimer", daemon=True)
            self._claimer.start()
        _active = self
        return self

    def shutdown(self, *, wait: bool = True) -> None:
        global _active
        if _active is self:
            _active = None
        self._stop.set()
        self._wake.set()
        if self._claimer is not None:
            self._claimer.join(timeout=30)
        self._scheduler.shutdown(wait=wait)
        if self._pool is not None:
            self._pool.shutdown(wait=wait)
        self.leadership.release()

    def _claim_loop(self) -> None:
        """PostgreSQL: whenever the pool has a free place, claim queued jobs (ours or anyone's) and run them."""
        pool = self.pool
        while not self._stop.is_set():
            self._wake.clear()
            try:
                jobs = job_lifecycle.claim_queued(self.engine, limit=pool.free(),
                                                  host_concurrency=self.settings.host_concurrency)
            except Exception as exc:  # noqa: BLE001 - database away: look again at the next turn
                log.warning("cannot claim queued harvest jobs: %s", exc)
                jobs = []
            for job in jobs:
                log.info("job %s of source %s claimed by this worker", job.id, job.source_id)
                pool.submit(job).add_done_callback(lambda _f: self._wake.set())
            self._wake.wait(self.settings.worker_poll_interval)

    @property
    def leading(self) -> bool:
        return self.leadership.held

    def scheduled(self) -> dict[int, str]:
        """Source id -> schedule of the schedules this process runs now."""
        with self._lock:
            return dict(self._synced)

    def tick(self) -> None:
        """Lead or follow; as leader, fail dead jobs and bring the schedules in line with the database."""
        try:
            leading = self.leadership.hold()
        except Exception as exc:  # noqa: BLE001 - database away: try again at the next tick
            log.warning("scheduler cannot reach the database: %s", exc)
            leading = False
        if not leading:
            self._unschedule_all()
            return
        if self.shared_queue:
            job_lifecycle.beat_queued(self.engine)  # waiting for a worker is not being dead
        job_lifecycle.recover_dead(self.engine, dead_after=self.settings.job_dead_after)
        self.sync_all()
        self.synced.set()

    # -- schedules ------------------------------------------------------------------------------

    def sync_all(self) -> None:
        with self.engine.connect() as conn:
            rows = conn.execute(select(SRC.c.id, SRC.c.schedule).where(SRC.c.deleted.is_(False))).all()
        wanted = {r.id: r.schedule for r in rows if r.schedule}
        with self._lock:
            for source_id in set(self._synced) - set(wanted):
                self._unschedule(source_id)
            for source_id, schedule in wanted.items():
                self._schedule(source_id, schedule)

    def sync_source(self, source_id: int) -> None:
        """Apply one source's current schedule (or its deletion) now."""
        if not self.leading:
            return
        with self.engine.connect() as conn:
            row = conn.execute(select(SRC.c.schedule, SRC.c.deleted).where(SRC.c.id == source_id)).first()
        with self._lock:
            if row is None or row.deleted or not row.schedule:
                self._unschedule(source_id)
            else:
                self._schedule(source_id, row.schedule)

    def _schedule(self, source_id: int, text_: str) -> None:
        if self._synced.get(source_id) == text_:
            return  # unchanged: re-adding would restart an interval's countdown
        try:
            schedule = parse_schedule(text_)
        except CatalogError as exc:
            log.warning("source %s has an invalid schedule %r: %s", source_id, text_, exc.message)
            self._unschedule(source_id)
            return
        if schedule is None:
            self._unschedule(source_id)
            return
        kwargs: dict[str, Any] = {}
        if schedule.interval_seconds is not None:
            kwargs["next_run_time"] = self._next_interval_run(source_id, schedule.interval_seconds)
        self._scheduler.add_job(self._due, build_trigger(schedule, self.timezone), args=[source_id],
                                id=_job_id(source_id), replace_existing=True, **kwargs)
        self._synced[source_id] = text_
        log.info("source %s scheduled: %s", source_id, schedule.describe())

    def _next_interval_run(self, source_id: int, seconds: int) -> Any:
        # an interval counts from the source's last run, so restarts neither skip nor repeat runs
        with self.engine.connect() as conn:
            last = conn.execute(select(func.max(JOB.c.created_at)).where(JOB.c.source_id == source_id)).scalar()
        now = utcnow()
        if last is None:
            return now
        return max(now, last + timedelta(seconds=seconds))

    def _unschedule(self, source_id: int) -> None:
        if self._synced.pop(source_id, None) is not None:
            self._scheduler.remove_job(_job_id(source_id))
            log.info("source %s unscheduled", source_id)

    def _unschedule_all(self) -> None:
        with self._lock:
            for source_id in list(self._synced):
                self._unschedule(source_id)

    # -- runs -------------------------------------------------------------------------------------

    def _due(self, source_id: int) -> None:
        try:
            job = self.enqueue(source_id, trigger="schedule")
        except job_lifecycle.JobInProgress as exc:
            log.info("source %s is due but job %s is still %s: skipped", source_id, exc.job.id, exc.job.status)
        except Exception:
            log.exception("scheduled harvest of source %s could not start", source_id)
        else:
            log.info("source %s is due: job %s queued", source_id, job.id)

    def enqueue(self, source_id: int, *, trigger: str) -> HarvestJob:
        """Queue a job for the source (raises job_lifecycle.JobInProgress): on PostgreSQL in the job table
        for any worker to claim, on SQLite handed to our pool."""
        if not self.shared_queue:
            return _enqueue(self.pool, source_id, trigger=trigger)
        job = job_lifecycle.claim(self.engine, source_id, trigger=trigger, dead_after=self.settings.job_dead_after)
        self._wake.set()  # if we harvest and have room, ours to take at once
        return job


def _job_id(source_id: int) -> str:
    return f"source:{source_id}"


def _enqueue(pool: HarvestPool, source_id: int, *, trigger: str) -> HarvestJob:
    job = job_lifecycle.claim(pool.engine, source_id, trigger=trigger, dead_after=pool.settings.job_dead_after)
    pool.submit(job)
    return job


# -- the process's scheduler, for the API ----------------------------------------------------------

_active: HarvestScheduler | None = None
_fallback_pools: dict[int, HarvestPool] = {}
_fallback_lock = threading.Lock()


def active() -> HarvestScheduler | None:
    """The scheduler running in this process, if any."""
    return _active


def sync_source(source_id: int) -> None:
    """Apply a source's changed or deleted schedule now (call after PATCH/DELETE of a source).

    Without a leading scheduler in this process it does nothing: the leader re-reads schedules every
    ``scheduler_sync_interval`` seconds.
    """
    if _active is not None:
        _active.sync_source(source_id)


def stop_fallback_pool(engine: Engine) -> None:
    """Let the API's own harvest pool of an engine finish its runs (and their SHACL checks), then
    stop it. An application calls this as it shuts down."""
    with _fallback_lock:
        pool = _fallback_pools.pop(id(engine), None)
    if pool is not None and pool.engine is engine:
        pool.shutdown(wait=True)


def trigger_harvest(
    engine: Engine, settings: Settings, source_ref: int | str, *, trigger: str = "manual"
) -> HarvestJob:
    """Queue a harvest of a source next to its schedule; the queued job.

    Raises NotFound for an unknown source and job_lifecycle.JobInProgress (409) when it is being harvested already.
    """
    source = sources.get_source(engine, source_ref)
    assert source.id is not None
    if _active is not None and _active.engine is engine:
        return _active.enqueue(source.id, trigger=trigger)
    # an API without `serve`'s scheduler (tests, embedding): one bounded pool per engine
    with _fallback_lock:
        pool = _fallback_pools.get(id(engine))
        if pool is None or pool.engine is not engine:
            pool = _fallback_pools[id(engine)] = HarvestPool(engine, settings)
    return _enqueue(pool, source.id, trigger=trigger)
