"""Engines for SQLite (WAL) and PostgreSQL, and schema upgrades through Alembic."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from catalog.resources import migrations_dir


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` URLs and use the psycopg 3 driver for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def is_lock_timeout(exc: BaseException) -> bool:
    """An error that only says another writer held a lock longer than this connection waits: SQLite's
    "database is locked" (busy timeout), PostgreSQL's lock_not_available (lock_timeout)."""
    if not isinstance(exc, OperationalError):
        return False
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == "55P03":
        return True
    return "database is locked" in str(orig) or "database table is locked" in str(orig)


# how long a SQLite statement waits for another connection's write lock by default (s); settings give the
# API and the CLI their own (DB_BUSY_TIMEOUT), a harvest's swap and its job's end wait PATIENT
BUSY_TIMEOUT = 30.0
PATIENT = 60.0


def _sqlite_pragmas(dbapi_conn: Any, _record: Any, *, busy_timeout: float = BUSY_TIMEOUT) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets the API read while a harvest writes; NORMAL sync is safe with WAL (no corruption
    # on power loss, at worst the last commit is lost) and much faster than FULL.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
    cur.execute("PRAGMA cache_size=-65536")
    cur.close()


# a run that wrote at least this many datasets has the planner's statistics refreshed after it
ANALYZE_AFTER = 1000
_ANALYZED = ("dataset", "dataset_facet", "distribution", "revision", "job_record", "catalog_state")


def statistics_stale(engine: Engine, changed: int, *, at_least: int = ANALYZE_AFTER) -> bool:
    """Whether a run that added, updated or withdrew ``changed`` datasets should refresh the statistics.

    It must have changed at least ``at_least`` datasets and, on PostgreSQL, the datasets changed since
    the last ANALYZE (this run's, and those of the runs before it: ``n_mod_since_analyze``) must be
    a tenth of the catalogue as the planner last counted it (or the table was never analyzed).
    Without the second rule every 5,000-dataset run of a 1,000,000-dataset catalogue analyzed all
    six tables: a fifth of the workers' time (docs/decisions/0010-one-million-datasets.md). Counting
    the runs before it keeps the statistics current where autovacuum is slow or off (a run of a
    twentieth after one of a twentieth analyzes); autovacuum's own rule is also a tenth.
    SQLite's sampled ANALYZE costs milliseconds.
    """
    if changed < at_least:
        return False
    if is_sqlite(engine):
        return True
    with engine.connect() as conn:
        rows, since = conn.exec_driver_sql(
            "SELECT c.reltuples, s.n_mod_since_analyze FROM pg_class c "
            "LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.oid = 'dataset'::regclass").one()
    if rows is None or float(rows) < 0:
        return True
    # the counters reach the statistics a moment after the run's commit: this run counts at least itself
    return max(changed, int(since or 0)) * 10 >= float(rows)


def refresh_statistics(engine: Engine) -> None:
    """Refresh the query planner's statistics after a run that changed many rows.

    PostgreSQL's autovacuum analyzes a table only after a tenth of it changed and only when its
    launcher gets to it (if at all: ``autovacuum = off`` is a setting): after the first harvest of
    100,000 datasets every table still had ``reltuples = -1``, and plans made for empty tables gave
    90–114 ms tails (docs/decisions/0006-search-speed-incremental.md). SQLite gets bounded-sample
    statistics.
    """
    with engine.connect() as conn:
        if is_sqlite(engine):
            conn.exec_driver_sql("PRAGMA analysis_limit=1000")
            for table in _ANALYZED:
                conn.exec_driver_sql(f"ANALYZE {table}")
        else:
            conn.exec_driver_sql(f"ANALYZE {', '.join(_ANALYZED)}")
        conn.commit()


def make_engine(url: str, *, busy_timeout: float = BUSY_TIMEOUT) -> Engine:
    """An engine for ``url``; SQLite files get WAL mode and their folder is created, and their statements
    wait up to ``busy_timeout`` seconds for another connection's write lock."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_timeout})

        def on_connect(dbapi_conn: Any, record: Any) -> None:
            _sqlite_pragmas(dbapi_conn, record, busy_timeout=busy_timeout)

        event.listen(engine, "connect", on_connect)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def make_read_engine(url: str) -> Engine:
    """A PostgreSQL engine that only reads (DATABASE_READ_URL, e.g. a streaming replica): no schema upgrade
    goes through it, and every transaction of its connections is READ ONLY, so a write sent to it by mistake
    fails at once, even when the URL names the writable primary."""
    engine = make_engine(url)
    if engine.dialect.name != "postgresql":
        raise ValueError("a read-only database URL is for PostgreSQL (a streaming replica)")

    def read_only(dbapi_conn: Any, _record: Any) -> None:
        with dbapi_conn.cursor() as cur:
            cur.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        dbapi_conn.commit()  # psycopg opened a transaction for the SET: kept when the pool rolls back

    event.listen(engine, "connect", read_only)
    return engine


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (creates it on an empty database)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", migrations_dir())
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # serve and worker processes started together upgrade one at a time (the others then find
            # the schema current); the lock goes with the transaction
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('datakatalog-migrations'))"))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")  # one line of revisions (tests/catalog/test_migrations.py)


def init_engine(url: str, *, busy_timeout: float = BUSY_TIMEOUT) -> Engine:
    """An engine whose database has the current schema."""
    engine = make_engine(url, busy_timeout=busy_timeout)
    upgrade(engine)
    return engine


@contextmanager
def lock_wait(conn: Connection, seconds: float) -> Iterator[None]:
    """SQLite: this connection waits up to ``seconds`` for another's write lock while the block runs, then
    as long as it did before (PostgreSQL writers take row locks: nothing to change there)."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
    conn.exec_driver_sql(f"PRAGMA busy_timeout={int(seconds * 1000)}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA busy_timeout={int(before or 0)}")


def patient(conn: Connection) -> AbstractContextManager[None]:
    """Wait long for the write lock: work that must not be lost to a short wait (a harvest's swap, its
    job's end)."""
    return lock_wait(conn, PATIENT)
