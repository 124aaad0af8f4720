"""Large DCAT pages read in worker processes (harvester/parse_pool.py) store exactly what an in-process
read stores, and a worker that dies mid-page fails the run with nothing stored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from benchmarks.gen_catalog import generate, generate_pages
from catalog.formats import dcat_read
from catalog.rdf.parse import parse
from catalog.records import DatasetRecord
from catalog.services import sources
from catalog.settings import Settings
from catalog.store.engine import init_engine
from catalog.store.prepared import Prepared, parts, prepare
from catalog.store.tables import DIST, DS, FACET, JOBREC
from harvester import parse_pool
from harvester.registration import register_source
from harvester.runner import harvest_source
from tests.conftest import FixtureHTTPServer

DATASETS = 120


@pytest.fixture(autouse=True)
def _fresh_pool() -> Iterator[None]:
    parse_pool.shutdown()
    yield
    parse_pool.shutdown()


def _serve(server: FixtureHTTPServer, *, changed: int = 0) -> str:
    """The generated catalogue as three Hydra pages; returns the first page's URL."""
    for name, text in generate_pages(DATASETS, per_page=DATASETS // 3, changed=changed):
        server.set(name, text)
    return server.url("page001.ttl")


def _harvest(engine: Engine, settings: Settings, url: str) -> Any:
    try:
        source = sources.get_source(engine, "gen")
    except Exception:  # noqa: BLE001 - first run: not registered yet
        source = register_source(engine, settings, name="gen", kind="dcat", url=url)
    return harvest_source(engine=engine, source=source, settings=settings)


def _stored(engine: Engine) -> dict[str, Any]:
    """What a run stored, by dataset id (backend-independent columns; pks differ between databases)."""
    with engine.connect() as conn:
        datasets = {r.id: (r.content_hash, r.record, r.title, r.title_sort, r.valid, r.quality_score, r.status,
                           r.violations, r.issued, r.modified, r.publisher_id)
                    for r in conn.execute(select(DS))}
        pk_id = dict(conn.execute(select(DS.c.pk, DS.c.id)).all())
        facets = sorted((pk_id[r.dataset_pk], r.facet, r.value) for r in conn.execute(select(FACET)))
        dists = sorted((pk_id[r.dataset_pk], r.id, r.uri, r.format, r.license, r.access_url, r.download_url,
                        r.position) for r in conn.execute(select(DIST)))
        # sorted: two databases need not number one run's report lines alike
        report = sorted((r.job_id, r.dataset_id or "", r.ref, r.outcome, r.rule or "", r.severity or "",
                         r.message or "") for r in conn.execute(select(JOBREC)))
    return {"datasets": datasets, "facets": facets, "dists": dists, "report": report}


def _counts(job: Any) -> tuple[Any, ...]:
    return (job.status, job.seen, job.added, job.updated, job.unchanged, job.withdrawn, job.held, job.invalid,
            job.failed, job.message)


def test_pages_read_in_the_pool_store_what_an_in_process_read_stores(
        engine: Engine, settings: Settings, http_server: FixtureHTTPServer, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    url = _serve(http_server)
    submitted: list[int] = []
    real_submit = parse_pool.Lease.submit

    def spy(self: parse_pool.Lease, body: bytes, *args: Any, **kw: Any) -> parse_pool.PagePending:
        submitted.append(len(body))
        return real_submit(self, body, *args, **kw)

    monkeypatch.setattr(parse_pool.Lease, "submit", spy)
    monkeypatch.setattr(parse_pool, "THRESHOLD", 1)  # every page goes to the workers
    settings = settings.model_copy(update={"harvest_parse_processes": 2})
    pooled = _harvest(engine, settings, url)
    assert len(submitted) == 2  # the first page is read in-process (it may be the only one), the others by workers

    # the same catalogue on a fresh SQLite database, every page read in-process
    monkeypatch.setattr(parse_pool, "THRESHOLD", 10**12)
    other_url = tmp_path / "in-process.db"
    other = init_engine(f"sqlite:///{other_url}")
    try:
        local = _harvest(other, settings, url)
        assert len(submitted) == 2
        assert _counts(pooled) == _counts(local)
        assert pooled.status == "succeeded" and pooled.added == DATASETS
        assert _stored(engine) == _stored(other)

        # a second run with changed datasets: updates (and their revisions) the same way too
        _serve(http_server, changed=7)
        monkeypatch.setattr(parse_pool, "THRESHOLD", 1)
        pooled = _harvest(engine, settings, url)
        monkeypatch.setattr(parse_pool, "THRESHOLD", 10**12)
        local = _harvest(other, settings, url)
        assert _counts(pooled) == _counts(local)
        assert (pooled.updated, pooled.unchanged) == (7, DATASETS - 7)
        assert _stored(engine) == _stored(other)
    finally:
        other.dispose()


def _in_process(body: bytes) -> list[tuple[str, str, str, Any]]:
    graph = parse(body, base_iri="https://example.se/", content_type="text/turtle")
    out = []
    for ref, rec in dcat_read.iter_resources(graph):
        assert isinstance(rec, DatasetRecord)
        p = prepare(ref, rec, "gen")
        out.append((ref, p.id, p.hash, parts(p, "gen")))
    return out


@pytest.mark.parametrize("blank", [False, True])
def test_a_page_split_between_workers_gives_the_records_of_an_in_process_read(
        blank: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each worker reads a consecutive share; a document with datasets without an IRI (ids made unique
    across the whole document) is read whole by the first worker."""
    text = generate(40)
    if blank:
        text = text.replace("ds:000003", "_:ds3")
    body = text.encode()
    lease = parse_pool.Lease(processes=2)
    try:
        pending = lease.submit(body, "https://example.se/", "text/turtle", "gen", split=True)
        assert pending.next_url() is None
        pooled = [(ref, p.id, p.hash, p.staged) for ref, p in pending.records() if isinstance(p, Prepared)]
    finally:
        lease.close()
    assert pooled == _in_process(body)
    assert len(pooled) == 40


def test_a_worker_that_dies_mid_page_fails_the_run_and_stores_nothing(
        engine: Engine, settings: Settings, http_server: FixtureHTTPServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    url = _serve(http_server)
    monkeypatch.setattr(parse_pool, "THRESHOLD", 1)
    settings = settings.model_copy(update={"harvest_parse_processes": 2})
    real_recv = parse_pool._Proc.recv
    calls = {"n": 0}

    def recv_then_die(self: parse_pool._Proc) -> tuple[str, Any]:
        calls["n"] += 1
        if calls["n"] == 4:  # a few messages in: the worker is killed (SIGKILL) while it reads
            self.proc.kill()
            self.proc.join()
        return real_recv(self)

    monkeypatch.setattr(parse_pool._Proc, "recv", recv_then_die)
    job = _harvest(engine, settings, url)
    assert job.status == "failed"
    assert "parse worker ended" in (job.message or "")
    assert (job.seen, job.added) == (0, 0)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(DS)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(FACET)).scalar() == 0
    # the next run gets fresh workers and stores the source
    monkeypatch.setattr(parse_pool._Proc, "recv", real_recv)
    job = _harvest(engine, settings, url)
    assert (job.status, job.added) == ("succeeded", DATASETS)


def test_small_pages_never_start_the_pool(engine: Engine, settings: Settings, http_server: FixtureHTTPServer,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[int] = []
    monkeypatch.setattr(parse_pool, "_take", lambda n: started.append(n) or [])
    url = http_server.url("dcat/catalog.ttl")
    job = _harvest(engine, settings, url)
    assert job.status == "succeeded" and job.added > 0
    assert started == []


@pytest.mark.parametrize("threaded", [True, False], ids=["store-thread", "in-turn"])
def test_the_store_thread_logs_under_the_runs_job_id(monkeypatch: pytest.MonkeyPatch, threaded: bool) -> None:
    """The thread that writes a page's batches knows the job it writes for (LOG_FORMAT=json lines carry it):
    the store thread, or the harvesting thread itself when no core is free (harvester/runner.py)."""
    import threading

    from catalog import logs
    from harvester import runner
    from harvester.adapters.base import Page
    from harvester.runner import _store_page

    monkeypatch.setattr(runner, "store_in_thread", lambda: threaded)

    seen: list[tuple[str, int | None]] = []

    class Writer:
        def write_page(self, batch: list[Prepared]) -> list[str]:
            seen.append((threading.current_thread().name, logs.JOB_ID.get()))
            return [p.id for p in batch]

        def record_failure(self, ref: str, message: str) -> None:
            seen.append((threading.current_thread().name, logs.JOB_ID.get()))

    records = [(f"https://example.se/d/{i}", DatasetRecord(uri=f"https://example.se/d/{i}", title={"sv": f"t{i}"}))
               for i in range(3)]
    page = Page(url="https://example.se/", hash="h", next=None, records=[*records, ("bad", ValueError("no"))])
    with logs.job_context(42):
        ids = _store_page(Writer(), page, "gen")  # type: ignore[arg-type]
    assert len(ids) == 3
    writer = "store" if threaded else threading.current_thread().name
    assert seen and all(name.startswith(writer) and job == 42 for name, job in seen)
