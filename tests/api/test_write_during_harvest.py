"""The API's writes during a harvest (issue 15, problem 5).

A harvest stages its pages batch by batch and applies the run in one short final transaction, so on
SQLite it no longer holds the write lock for the whole run: creating a list and an authenticated
preview answer at once while a run is mid-way. A write that still cannot get the lock in time answers
503 problem JSON with Retry-After (an HTML page for the portal), never a plain-text 500; and a run that
fails mid-way leaves the live tables as they were, with no staging behind.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, MetaData, func, select, text

from api.app import create_app
from catalog.services import organisations, sources
from catalog.services.organisations import Principal
from catalog.settings import Settings
from catalog.store.engine import init_engine
from catalog.store.tables import HarvestJob, Source
from harvester.runner import harvest_source
from tests.conftest import FixtureHTTPServer, serve_generated_pages, wait_until
from tests.harvester.misbehaving import MisbehavingServer

PAGES = 4
PER_PAGE = 300


@pytest.fixture
def token(engine: Engine) -> str:
    _org, token = organisations.create_organisation(engine, name="Region Skåne",
                                                    actor=Principal(actor="setup", admin=True))
    return token


def _paged(server: MisbehavingServer, *, seed: int = 1) -> None:
    """PAGES Hydra pages of PER_PAGE generated datasets each."""
    serve_generated_pages(server, pages=PAGES, per_page=PER_PAGE, seed=seed)


def _in_thread(db_url: str, settings: Settings, source: Source) -> tuple[threading.Thread, dict[str, Any]]:
    """Harvest ``source`` on a thread with an engine of its own (as `datakatalog harvest` in another
    process would); the job lands in the returned dict."""
    out: dict[str, Any] = {}

    def run() -> None:
        engine = init_engine(db_url)
        try:
            out["job"] = harvest_source(engine=engine, source=source, settings=settings)
        finally:
            engine.dispose()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def test_api_writes_answer_at_once_while_a_harvest_is_mid_way(
    engine: Engine, db_url: str, settings: Settings, add_source: Callable[..., Source], bad: MisbehavingServer,
    token: str, http_server: FixtureHTTPServer,
) -> None:
    _paged(bad)
    page3 = bad.routes["/big3.ttl"]
    release = threading.Event()

    def held(handler: Any) -> None:  # the run waits here, its first two pages staged
        release.wait(60)
        page3(handler)

    bad.route("/big3.ttl", held)
    source = add_source("stor", bad.url("/big1.ttl"))
    thread, out = _in_thread(db_url, settings.model_copy(update={"fetch_timeout": 60, "fetch_deadline": 120}),
                             source)
    try:
        wait_until(lambda: "/big3.ttl" in bad.hits or not thread.is_alive(), "the run to ask for page 3")
        assert thread.is_alive(), out
        time.sleep(0.3)  # the second page's batches are written by now
        with TestClient(create_app(settings, engine)) as api:
            auth = {"Authorization": f"Bearer {token}"}
            api.get("/api/lists/none")  # warm the app's lazy paths: the figure below is the write's own
            start = time.monotonic()
            made = api.post("/api/lists", json={"title": "Badplatser"})
            took = time.monotonic() - start
            assert made.status_code == 201, made.text
            # before issue 15 it waited 30 s for the harvest's transaction and answered a plain-text 500
            assert took < 5, f"POST /api/lists took {took:.1f} s during a harvest"

            start = time.monotonic()
            preview = api.post("/api/sources/preview", headers=auth,
                               json={"url": http_server.url("dcat/catalog.ttl"), "kind": "dcat"})
            took = time.monotonic() - start
            assert preview.status_code == 200, preview.text
            assert took < 5, f"an authenticated preview took {took:.1f} s during a harvest"

            start = time.monotonic()
            added = api.post("/api/sources", headers=auth,
                             json={"name": "liten", "kind": "dcat", "url": http_server.url("dcat/catalog.ttl")})
            took = time.monotonic() - start
            assert added.status_code == 201, added.text
            assert took < 5, f"registering a source took {took:.1f} s during a harvest"
        with engine.connect() as conn:  # nothing of the run is visible before it completes
            assert conn.execute(select(func.count()).select_from(text("dataset"))).scalar() == 0
    finally:
        release.set()
        thread.join(120)
    job: HarvestJob = out["job"]
    assert job.status == "succeeded", job.message
    assert job.added == PAGES * PER_PAGE
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM dataset WHERE status = 'active'")).scalar() == PAGES * PER_PAGE
        assert conn.execute(text("SELECT count(*) FROM revision")).scalar() == PAGES * PER_PAGE
        assert conn.execute(text("SELECT count(*) FROM job_record WHERE job_id = :j AND outcome = 'added'"),
                            {"j": job.id}).scalar() == PAGES * PER_PAGE
        assert conn.execute(text("SELECT count(*) FROM dataset_list")).scalar() == 1
    assert not _staging_tables(engine)


def test_a_held_write_lock_answers_503_problem_json_with_retry_after(
    db_url: str, settings: Settings, engine: Engine, token: str, http_server: FixtureHTTPServer,
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's one write lock; PostgreSQL writers lock rows")
    path = db_url.removeprefix("sqlite:///")
    quick = settings.model_copy(update={"db_busy_timeout": 0.3})
    with TestClient(create_app(quick)) as api:
        api.get("/healthz")
        holder = sqlite3.connect(path, timeout=1)
        holder.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
        try:
            start = time.monotonic()
            busy = api.post("/api/lists", json={"title": "Badplatser"})
            assert time.monotonic() - start < 3
            assert busy.status_code == 503, busy.text
            assert busy.headers["content-type"].startswith("application/problem+json")
            assert int(busy.headers["retry-after"]) > 0
            body = busy.json()
            assert body["status"] == 503 and "try again" in body["detail"]

            # authenticating writes nothing: a token works while the lock is held (a dry preview stores nothing)
            preview = api.post("/api/sources/preview", headers={"Authorization": f"Bearer {token}"},
                               json={"url": http_server.url("dcat/catalog.ttl"), "kind": "dcat"})
            assert preview.status_code == 200, preview.text

            # the portal's form answers the error page, with the same status and header
            api.get("/lists/new", headers={"Accept": "text/html"})
            page = api.post("/lists", data={"title": "Badplatser", "csrf_token": api.cookies["csrf"]},
                            headers={"Accept": "text/html"})
            assert page.status_code == 503
            assert page.headers["content-type"].startswith("text/html")
            assert "retry-after" in page.headers
        finally:
            holder.rollback()
            holder.close()
        assert api.post("/api/lists", json={"title": "Badplatser"}).status_code == 201


def test_a_token_records_its_last_use_once_a_minute_and_never_waits_for_it(
    db_url: str, settings: Settings, engine: Engine, token: str,
) -> None:
    principal = organisations.authenticate(engine, token, admin_token=None)
    assert principal is not None

    def last_used() -> Any:
        with engine.connect() as conn:
            return conn.execute(text("SELECT last_used_at FROM api_token")).scalar()

    first = last_used()
    assert first is not None
    organisations.authenticate(engine, token, admin_token=None)
    assert last_used() == first  # within the minute: no write at all
    if db_url.startswith("sqlite"):
        with engine.begin() as conn:
            conn.execute(text("UPDATE api_token SET last_used_at = NULL"))
        holder = sqlite3.connect(db_url.removeprefix("sqlite:///"), timeout=1)
        holder.execute("BEGIN IMMEDIATE")
        try:
            start = time.monotonic()
            assert organisations.authenticate(engine, token, admin_token=None) == principal
            assert time.monotonic() - start < 0.5  # the lock was not waited for; the use is not recorded
        finally:
            holder.rollback()
            holder.close()
        assert last_used() is None
        organisations.authenticate(engine, token, admin_token=None)
        assert last_used() is not None


def _live(engine: Engine) -> dict[str, Any]:
    """Every row of every live table (SQLite's full-text shadow tables included), to compare."""
    meta = MetaData()
    meta.reflect(engine)
    out: dict[str, Any] = {}
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            if table.name in ("harvest_job", "alembic_version"):
                continue
            cols = [c for c in table.columns if c.name != "search_vector"]
            out[table.name] = sorted(tuple(map(str, r)) for r in conn.execute(select(*cols)))
    return out


def _staging_tables(engine: Engine) -> list[str]:
    """Staging tables left on any pooled connection, or in the database itself."""
    pool: Any = engine.pool
    idle = pool.checkedin() if hasattr(pool, "checkedin") else 1
    conns = [engine.connect() for _ in range(max(idle, 1))]
    found: list[str] = []
    try:
        for conn in conns:
            if engine.dialect.name == "sqlite":
                found += conn.execute(text("SELECT name FROM sqlite_temp_master WHERE name LIKE 'run_stage%' "
                                           "UNION ALL SELECT name FROM sqlite_master WHERE name LIKE 'run_stage%'"
                                           )).scalars().all()
            else:
                found += conn.execute(text("SELECT relname FROM pg_class WHERE relname LIKE 'run_stage%' "
                                           "AND relnamespace = pg_my_temp_schema()")).scalars().all()
    finally:
        for conn in conns:
            conn.close()
    return found


def test_a_run_failing_mid_way_leaves_the_live_tables_unchanged_and_no_staging(
    engine: Engine, settings: Settings, add_source: Callable[..., Source], bad: MisbehavingServer,
) -> None:
    _paged(bad)
    source = add_source("stor", bad.url("/big1.ttl"))
    first = harvest_source(engine=engine, source=source, settings=settings)
    assert first.status == "succeeded", first.message
    before = _live(engine)

    _paged(bad, seed=2)  # every record changed, and some new ones …
    bad.serve("/big3.ttl", b"<broken", status=200)  # … but the third page cannot be read
    failed = harvest_source(engine=engine, source=sources.get_source(engine, "stor"),
                            settings=settings.model_copy(update={"fetch_retries": 0}))
    assert failed.status == "failed"
    assert _live(engine) == before
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM job_record WHERE job_id = :j"), {"j": failed.id}).scalar() == 0
    assert not _staging_tables(engine)

    _paged(bad, seed=2)  # the next complete run stores it all
    again = harvest_source(engine=engine, source=sources.get_source(engine, "stor"), settings=settings)
    assert again.status == "succeeded", again.message
    assert again.added + again.updated == PAGES * PER_PAGE
    assert not _staging_tables(engine)


def test_a_source_deleted_during_its_harvest_fails_the_run_and_stores_nothing(
    engine: Engine, db_url: str, settings: Settings, add_source: Callable[..., Source], bad: MisbehavingServer,
) -> None:
    """Deleting no longer waits for a running harvest of the source; the run's swap then finds the source
    deleted and stores nothing (its datasets stay withdrawn, as the deletion left them)."""
    _paged(bad)
    page3 = bad.routes["/big3.ttl"]
    release = threading.Event()

    def held(handler: Any) -> None:
        release.wait(60)
        page3(handler)

    bad.route("/big3.ttl", held)
    source = add_source("stor", bad.url("/big1.ttl"))
    thread, out = _in_thread(db_url, settings.model_copy(update={"fetch_timeout": 60, "fetch_deadline": 120}),
                             source)
    try:
        wait_until(lambda: "/big3.ttl" in bad.hits or not thread.is_alive(), "the run to ask for page 3")
        start = time.monotonic()
        assert source.id is not None
        sources.delete_source(engine, source.id, actor=Principal(actor="test", admin=True))
        assert time.monotonic() - start < 5
    finally:
        release.set()
        thread.join(120)
    job: HarvestJob = out["job"]
    assert job.status == "failed" and "deleted" in (job.message or ""), job.message
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM dataset")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM job_record WHERE job_id = :j"), {"j": job.id}).scalar() == 0
    assert not _staging_tables(engine)


def test_the_cli_says_the_database_is_busy_in_one_line(db_url: str, engine: Engine, tmp_path: Path) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's one write lock")
    script = Path(sys.executable).with_name("datakatalog")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "api.cli"]
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("DATAKATALOG_")},
           "DATAKATALOG_DB_BUSY_TIMEOUT": "0.3"}
    holder = sqlite3.connect(db_url.removeprefix("sqlite:///"), timeout=1)
    holder.execute("BEGIN IMMEDIATE")
    try:
        done = subprocess.run([*cmd, "org", "create", "Region Skåne", "--db", db_url], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)
    finally:
        holder.rollback()
        holder.close()
    assert done.returncode == 1, done.stdout + done.stderr
    assert "busy" in done.stderr and "Traceback" not in done.stderr, done.stderr
