"""The harvest use case: drive a source's adapter and hand its records to the catalogue store.

:func:`run_pages` is the one walk over a source's pages, used by a harvest and, with a dry
:class:`~catalog.store.runs.RunWriter`, by a preview (harvester/preview.py): so a preview classifies
every record (added, updated, unchanged, kept by another source, taken over, invalid …) exactly as
the harvest would.
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import asdict

import orjson
from sqlalchemy import Connection, Engine, update

from catalog import logs, metrics
from catalog.errors import CatalogError
from catalog.services import jobs, mappings
from catalog.settings import Settings
from catalog.store import ownership, runs
from catalog.store.engine import ANALYZE_AFTER, patient, refresh_statistics, statistics_stale
from catalog.store.prepared import Prepared, prepare
from catalog.store.tables import JOB, HarvestJob, Source, utcnow
from harvester import gc_pause, host_pauses, job_lifecycle, parse_pool
from harvester.adapters import get_adapter
from harvester.adapters.base import Page, PreviousPage, SourceAdapter, SourceSpec
from harvester.fetch import Fetcher

log = logging.getLogger(__name__)

ProgressFn = Callable[[Page, runs.RunCounts], None]



def _previous_pages(source: Source) -> dict[str, PreviousPage]:
    if not source.state:
        return {}
    state = orjson.loads(source.state)
    known = set(PreviousPage.__dataclass_fields__)
    return {url: PreviousPage(**{k: v for k, v in page.items() if k in known})
            for url, page in (state.get("pages") or {}).items()}


BATCH = 250


class _Inline:
    """Writes each batch at once, in the calling thread (the interface of the store thread's pool)."""

    def __enter__(self) -> _Inline:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def submit(self, fn: Callable[..., list[str]], *args: object) -> Future[list[str]]:
        done: Future[list[str]] = Future()
        try:
            done.set_result(fn(*args))
        except Exception as exc:  # raised where the result is read, as the store thread's would be
            done.set_exception(exc)
        return done


def store_in_thread() -> bool:
    """Whether a page's batches are written by a second thread while this one maps the next: only while a
    core is free (harvester/parse_pool.py). On a machine whose cores are all busy the two threads gain no
    time and handing the GIL back and forth costs CPU: a 20,000-dataset first harvest took 5-9% more CPU
    seconds with the store thread than writing each batch in turn, in as much time or more (SQLite and
    PostgreSQL, load average about 2 on 2 cores)."""
    return parse_pool.core_free()


def _store_page(writer: runs.RunWriter, page: Page, source_name: str) -> list[str]:
    """Map and prepare a page's records in this thread while a second thread writes the previous
    batch: SQLite and psycopg release the GIL while they work, so the two overlap on two cores (when a
    core is free: store_in_thread; else each batch is written in turn, in this thread)."""
    ids: list[str] = []
    pending: deque[Future[list[str]]] = deque()

    def drain(limit: int) -> None:
        while len(pending) > limit:
            ids.extend(pending.popleft().result())

    # the store thread logs under the run's job id too (a thread does not inherit context variables)
    with (ThreadPoolExecutor(max_workers=1, thread_name_prefix="store",
                             initializer=_enter, initargs=(contextvars.copy_context(),))
          if store_in_thread() else _Inline()) as pool:
        try:
            batch: list[Prepared] = []
            for ref, item in page.records:
                if isinstance(item, Exception):
                    pending.append(pool.submit(_failure, writer, ref, item))
                    continue
                if isinstance(item, Prepared):  # prepared already, by a parse-pool worker
                    batch.append(item)
                else:
                    try:
                        batch.append(prepare(ref, item, source_name))
                    except Exception as exc:  # one bad record never sinks a run
                        pending.append(pool.submit(_failure, writer, ref, exc))
                if len(batch) >= BATCH:
                    pending.append(pool.submit(writer.write_page, batch))
                    batch = []
                    drain(2)
            if batch:
                pending.append(pool.submit(writer.write_page, batch))
            drain(0)
        finally:
            for fut in pending:  # on an error, let queued writes finish before the rollback
                fut.cancel()
            wait(list(pending))
    return ids


def _enter(context: contextvars.Context) -> None:
    """A store thread's start: the context variables of the thread that started it (the job id)."""
    for var, value in context.items():
        var.set(value)


def _failure(writer: runs.RunWriter, ref: str, exc: Exception) -> list[str]:
    # a worker's failure comes worded already, as this wording (harvester/parse_pool.py)
    writer.record_failure(ref, exc.message if isinstance(exc, parse_pool.Failed) else f"{type(exc).__name__}: {exc}")
    return []


def previous_pages(conn: Connection, source: Source, *, full: bool) -> dict[str, PreviousPage]:
    """What the last run saw per page, or nothing when every page must be read: a full run, or a
    source that lists datasets it may now take over (an unchanged page is not read, and a takeover
    needs the record)."""
    if full or source.id is None or ownership.claims_to_read(conn, source.id):
        return {}
    return _previous_pages(source)


def run_pages(writer: runs.RunWriter, adapter: SourceAdapter, previous: dict[str, PreviousPage], *,
              source_name: str, threshold: float, progress: ProgressFn | None = None,
              lease: parse_pool.Lease | None = None) -> tuple[dict[str, dict[str, object]], bool]:
    """Read every page into ``writer``, then withdraw what is no longer listed and finish the run.
    Returns the page memory for the next run and whether every page answered 304 Not Modified.
    With a ``lease``, a DCAT source's large pages are read in worker processes (harvester/parse_pool.py)."""
    pages: dict[str, dict[str, object]] = {}
    not_modified = True
    pooled = lease is not None and adapter.kind == "dcat" and lease.size() > 0
    walk = parse_pool.dcat_pages(adapter, previous, lease) if pooled and lease is not None else adapter.pages(previous)
    for page in walk:
        not_modified = not_modified and page.not_modified
        validators = {"etag": page.etag, "last_modified": page.last_modified}
        if page.unchanged:
            prev = previous[page.url]
            writer.mark_seen(prev.ids, prev.claimed)
            pages[page.url] = {**asdict(prev), **validators}
        else:
            before = len(writer.kept_elsewhere)
            ids = _store_page(writer, page, source_name)
            claimed = list(writer.kept_elsewhere)[before:]  # the ids this page listed that another source keeps
            pages[page.url] = {"hash": page.hash, "next": page.next, "ids": ids, "claimed": claimed, **validators}
        if progress:
            progress(page, writer.counts)
    writer.withdraw_missing(threshold=threshold)
    writer.finish()
    return pages, not_modified


def start_job(engine: Engine, source: Source, settings: Settings, trigger: str = "manual") -> HarvestJob:
    """Claim a running job for the source (raises job_lifecycle.JobInProgress when one is live already)."""
    return job_lifecycle.claim(engine, source.id or 0, trigger=trigger, status="running",
                               dead_after=settings.job_dead_after)


def harvest_source(
    *, engine: Engine, source: Source, settings: Settings, progress: ProgressFn | None = None,
    full: bool = False, trigger: str = "manual", job: HarvestJob | None = None,
) -> HarvestJob:
    """Harvest one source; the run is stored all-or-nothing and its job report returned.

    ``full`` maps every page even when its bytes are unchanged since the last successful run.
    ``job`` is a job claimed before (queued by the scheduler or the API); without one a job is claimed
    here, and job_lifecycle.JobInProgress is raised when the source is being harvested already.
    """
    if job is None:
        job = start_job(engine, source, settings, trigger)
    elif job.status == "queued" and not job_lifecycle.start(engine, job):
        return job_lifecycle.load(engine, job.id or 0)  # failed as dead before a worker got to it
    assert job.id is not None and source.id is not None
    started = time.monotonic()
    with logs.job_context(job.id):  # every line logged during the run names its job (LOG_FORMAT=json)
        job, error = _run(engine, source, settings, job, progress=progress, full=full)
    metrics.harvest_finished(source=source.name, outcome=job.status, seconds=time.monotonic() - started,
                             datasets=job.seen, error=error)
    return job


def _run(engine: Engine, source: Source, settings: Settings, job: HarvestJob, *,
         progress: ProgressFn | None, full: bool) -> tuple[HarvestJob, Exception | None]:
    """The run of a claimed job: fetch, store all-or-nothing, and the job's end written; with the error
    that failed it, if one did."""
    assert job.id is not None and source.id is not None
    beating = job_lifecycle.Heartbeat(engine, settings.job_heartbeat_interval)
    beating.add(job.id)
    beating.start()
    fetcher = Fetcher(settings, pauses=host_pauses.for_engine(engine, settings))
    counts = runs.RunCounts()
    status = "failed"
    message: str | None = None
    error: Exception | None = None
    try:
        spec = SourceSpec(name=source.name, kind=source.kind, url=source.url, mapping=source.mapping,
                          profile=mappings.current_text(engine, source))
        adapter = get_adapter(source.kind)(spec, fetcher, settings)
        # reading and mapping a page makes millions of short-lived objects: collect rarely meanwhile
        with engine.connect() as conn, gc_pause.fewer_collections():
            previous = previous_pages(conn, source, full=full)
            # pages go to the run's staging tables batch by batch; only a complete run is applied to the
            # live tables, in one short transaction (catalog/store/runs.py); a failed one is dropped
            writer = runs.RunWriter(conn, source_id=source.id, source_name=source.name, job_id=job.id)
            # takes worker processes on the first large page only
            lease = parse_pool.Lease(job.id, settings.harvest_parse_processes)
            try:
                counts = writer.counts
                pages, not_modified = run_pages(writer, adapter, previous, source_name=source.name,
                                                threshold=settings.withdraw_threshold, progress=progress,
                                                lease=lease)
                writer.commit(state=orjson.dumps({"pages": pages, **adapter.state()}).decode())
            finally:
                lease.close()
                writer.close()
        status = "held" if counts.held else "succeeded"
        message = counts.message
        if not_modified and pages and not message:
            message = "not modified: the source answered 304 Not Modified (conditional GET)"
    except CatalogError as exc:
        error = exc
        message = exc.message
        log.warning("harvest of %s failed: %s", source.name, message)
    except Exception as exc:  # an unexpected failure still ends in a failed job, never a crash
        error = exc
        message = f"{type(exc).__name__}: {exc}"
        log.exception("harvest of %s failed unexpectedly", source.name)
    except BaseException:  # Ctrl-C, shutdown: the job must not stay live and block the next run
        job_lifecycle.abandon(engine, job.id, "interrupted")
        raise
    finally:
        fetcher.close()
        beating.stop()
    if status == "failed":
        # the run's staging was dropped unapplied: nothing it wrote counts
        counts = runs.RunCounts(failed=counts.failed)
    with engine.connect() as conn, patient(conn):  # the run is stored: its end must not be lost to a short wait
        values = dict(
            status=status, finished_at=utcnow(), pages=fetcher.requests, seen=counts.seen,
            added=counts.added, updated=counts.updated, unchanged=counts.unchanged,
            withdrawn=counts.withdrawn, held=counts.held, invalid=counts.invalid, failed=counts.failed,
            message=message,
        )
        conn.execute(update(JOB).where(JOB.c.id == job.id).values(**values))
        conn.commit()
    for key, value in values.items():
        setattr(job, key, value)
    changed = counts.added + counts.updated + counts.withdrawn
    if status != "failed" and changed >= ANALYZE_AFTER:
        try:  # searches plan with current statistics (catalog/store/engine.py)
            if statistics_stale(engine, changed, at_least=ANALYZE_AFTER):
                refresh_statistics(engine)
        except Exception:  # the run is stored; stale statistics only slow queries down
            log.exception("refreshing the planner's statistics after job %s failed", job.id)
    try:  # older jobs' per-record reports go, their counts stay (JOB_REPORTS_KEPT)
        removed = jobs.prune_reports(engine, source.id, settings.job_reports_kept)
        if removed:
            log.info("removed %d per-record report rows of %s's jobs older than its newest %d",
                     removed, source.name, settings.job_reports_kept)
    except Exception:  # the run is stored; old reports wait for the next run
        log.exception("removing old job reports after job %s failed", job.id)
    return job, error
