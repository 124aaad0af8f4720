"""The Prometheus metrics of a datakatalog process: every definition in one place (issue 17).

Two kinds:

- **Events counted by this process** (harvests it ran, fetch errors, searches it answered, HTTP
  requests) live in :data:`REGISTRY`, one per process, and are recorded by the code that sees them:
  harvester/runner.py (:func:`harvest_finished`), catalog/services/datasets.py (:func:`search_timer`),
  api/observability.py (:data:`HTTP_SECONDS`).
- **State read when scraped** (the job queue, the search generations, the database pool) comes from a
  :class:`StateCollector` bound to an engine; the app registers one in a registry of its own
  (api/observability.py), so two apps in one test process never mix their databases.

Every process counts only what it did itself: with several ``serve`` and ``worker`` processes, scrape
each one (Prometheus sums them: ``sum by (source, outcome) (datakatalog_harvest_jobs_total)``). The
queue depth and the database generation are the same from every process (they read the database).
A worker process serves no HTTP, so its harvest counters are not scraped (README.md, "Monitoring").
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, PlatformCollector, ProcessCollector
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select

from catalog.search.query import SearchQuery
from catalog.store import runs
from catalog.store.tables import JOB

if TYPE_CHECKING:
    from catalog.search.searcher import IndexState

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)  # process_resident_memory_bytes, CPU seconds, open files
PlatformCollector(registry=REGISTRY)

HARVEST_JOBS = Counter(
    "datakatalog_harvest_jobs", "Harvest runs this process finished, by source and outcome "
    "(succeeded, held, failed).", ["source", "outcome"], registry=REGISTRY)
HARVEST_SECONDS = Histogram(
    "datakatalog_harvest_duration_seconds", "Wall time of a harvest run, from claim to its job's end.",
    ["outcome"], registry=REGISTRY,
    buckets=(0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200))
HARVEST_DATASETS = Counter(
    "datakatalog_harvest_datasets", "Records read by harvest runs that were stored (succeeded or held), "
    "by source.", ["source"], registry=REGISTRY)
HARVEST_RATE = Gauge(
    "datakatalog_harvest_datasets_per_second", "Records read per second of wall time in the source's "
    "last stored run in this process.", ["source"], registry=REGISTRY)
JOBS_FOUND_DEAD = Counter(
    "datakatalog_harvest_jobs_found_dead", "Live jobs this process failed as 'worker died' (no heartbeat for "
    "JOB_DEAD_AFTER): a worker killed or hung mid-run.", registry=REGISTRY)
FETCH_ERRORS = Counter(
    "datakatalog_fetch_errors", "Fetch errors that ended a harvest run, by kind (timeout, unreachable, "
    "too_large, refused, http_4xx, http_5xx, other).", ["kind"], registry=REGISTRY)
SEARCH_SECONDS = Histogram(
    "datakatalog_search_duration_seconds", "Time to answer a dataset search (the service, without HTTP), "
    "by query kind (match_all, text, prefix, facet).", ["kind"], registry=REGISTRY,
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
HTTP_SECONDS = Histogram(
    "datakatalog_http_request_duration_seconds", "HTTP requests answered, by method, route template and "
    "status.", ["method", "route", "status"], registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))

# harvester/errors.py's FetchError classes by name (catalog imports no harvester module)
_FETCH_KINDS = {"SourceTimeout": "timeout", "SourceUnreachable": "unreachable", "SourceTooLarge": "too_large",
                "SourceRefused": "refused"}


def query_kind(query: SearchQuery) -> str:
    """The one classification of a search for its latency: ``facet`` when it filters (by facet or by a
    minimum quality), else ``match_all`` without text, ``prefix`` for one unquoted word (matched as a
    prefix, as while someone types), ``text`` for anything longer."""
    if any(query.filters.values()) or query.min_quality is not None:
        return "facet"
    q = (query.q or "").strip()
    if not q:
        return "match_all"
    if '"' not in q and len(q.split()) == 1 and not (query.q or "").endswith(" "):
        return "prefix"
    return "text"


@contextmanager
def search_timer(query: SearchQuery) -> Iterator[None]:
    """Times the search inside into :data:`SEARCH_SECONDS` under the query's kind."""
    started = time.perf_counter()
    try:
        yield
    finally:
        SEARCH_SECONDS.labels(query_kind(query)).observe(time.perf_counter() - started)


def fetch_error_kind(exc: BaseException) -> str | None:
    """The kind of a fetch error (None: not one); HTTP errors by class of status."""
    names = [cls.__name__ for cls in type(exc).__mro__]
    if "FetchError" not in names:
        return None
    if "SourceHTTPError" in names:
        status = getattr(exc, "status_code", None)
        return "http_4xx" if isinstance(status, int) and status < 500 else "http_5xx"
    return next((_FETCH_KINDS[n] for n in names if n in _FETCH_KINDS), "other")


def harvest_finished(*, source: str, outcome: str, seconds: float, datasets: int,
                     error: BaseException | None = None) -> None:
    """Count one finished harvest run of this process."""
    HARVEST_JOBS.labels(source, outcome).inc()
    HARVEST_SECONDS.labels(outcome).observe(seconds)
    if outcome != "failed":
        HARVEST_DATASETS.labels(source).inc(datasets)
        HARVEST_RATE.labels(source).set(datasets / seconds if seconds > 0 else 0.0)
    kind = fetch_error_kind(error) if error is not None else None
    if kind is not None:
        FETCH_ERRORS.labels(kind).inc()


TERM_INDEX_STATES = ("ready", "building", "failed", "none")


def _searcher_state(engine: Engine) -> IndexState | None:
    """What the process's searcher holds in memory (catalog.search.searcher.held_state), without
    building anything: a scrape never starts an index build."""
    from catalog.search.searcher import held_state  # the searcher imports much; only a scrape needs it

    return held_state(engine)


class StateCollector(Collector):
    """What a scrape reads: queued and running jobs (one query on the live-job index), the database's
    search generation and how far this process's indexes lag behind it, and the connection pool."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def describe(self) -> Iterable[Any]:
        return []  # metrics come from the database at scrape time: nothing to check at registration

    def collect(self) -> Iterable[Any]:
        jobs = GaugeMetricFamily("datakatalog_harvest_jobs_live", "Harvest jobs queued or running now "
                                 "(every process: read from the job table).", labels=["status"])
        queue = GaugeMetricFamily("datakatalog_harvest_queue_depth", "Harvest jobs queued and not yet "
                                  "claimed by a worker (read from the job table).")
        gens = GaugeMetricFamily("datakatalog_search_generation", "The catalogue's change generation: in the "
                                 "database, and held in memory by this process's facet and term indexes.",
                                 labels=["of"])
        lag = GaugeMetricFamily("datakatalog_search_generation_lag", "Generations this process's index is "
                                "behind the database (no sample while none is held).", labels=["index"])
        current: int | None = None
        try:
            with self.engine.connect() as conn:
                counts: dict[str, int] = {status: n for status, n in conn.execute(
                    select(JOB.c.status, func.count()).where(JOB.c.status.in_(("queued", "running")))
                    .group_by(JOB.c.status))}
                current = runs.generation(conn)
        except Exception:  # the database gone: the scrape still answers with what this process knows
            log.warning("metrics: reading the job table and generation failed", exc_info=True)
        else:
            for status in ("queued", "running"):
                jobs.add_metric([status], float(counts.get(status, 0)))
            queue.add_metric([], float(counts.get("queued", 0)))
            gens.add_metric(["database"], float(current))
            yield jobs
            yield queue
        state = _searcher_state(self.engine)
        term_state = GaugeMetricFamily("datakatalog_search_term_index_state", "The state of this process's term "
                                       "index: 1 for the current one (ready: words that match much are answered "
                                       "from memory; building, failed or none: by the database).",
                                       labels=["state"])
        for s in TERM_INDEX_STATES:
            term_state.add_metric([s], 1.0 if (state.term_index if state else "none") == s else 0.0)
        held_datasets = GaugeMetricFamily("datakatalog_search_index_datasets", "Datasets in this process's facet "
                                          "index (0 while none is held).")
        held_datasets.add_metric([], float(state.datasets if state else 0))
        for name, held in (("facets", state.facets if state else None), ("terms", state.terms if state else None)):
            if held is not None:
                gens.add_metric([name], float(held))
                if current is not None:
                    lag.add_metric([name], float(max(current - held, 0)))
        yield gens
        yield lag
        yield term_state
        yield held_datasets
        yield from self._pool()

    def _pool(self) -> Iterator[Any]:
        pool = self.engine.pool
        name = type(pool).__name__
        for metric, doc, method in (
            ("datakatalog_db_pool_size", "Connections the pool keeps open (its size).", "size"),
            ("datakatalog_db_pool_checked_out", "Connections in use now.", "checkedout"),
            ("datakatalog_db_pool_overflow", "Connections open beyond the pool's size now.", "overflow"),
            ("datakatalog_db_pool_idle", "Connections open and idle in the pool.", "checkedin"),
        ):
            read = getattr(pool, method, None)
            if read is None:  # SQLite's pools (NullPool …) keep no counts
                continue
            family = GaugeMetricFamily(metric, doc, labels=["pool"])
            family.add_metric([name], float(max(read(), 0)))  # overflow() is negative below the size
            yield family
