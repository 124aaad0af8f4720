"""A run's staging tables, and the swap that applies them to the live tables in one short transaction.

A harvest writes what it decided, batch by batch, into *temporary* tables of its own connection
(``CREATE TEMPORARY TABLE``): on SQLite they live in the connection's private temp database, so
writing them never takes the catalogue's write lock; on PostgreSQL they are private to the session
and not WAL-logged. Nothing another connection reads changes until :func:`swap` copies them into the
live tables with set-based statements (``INSERT … SELECT``, ``UPDATE … FROM``), inside the one
transaction that ends the run. A run that fails, is cancelled or is killed (-9) never reaches the
swap: its staging tables are dropped when the run ends, and vanish with the connection when its
process dies, so nothing is left to clean on the next start (issue 15, problem 5).

How long the swap holds the lock (benchmarks/harvest.py, SQLite, on 2 cores shared with a load of about
15): a first harvest of 5,000 datasets 1.9 s, of 20,000 10.7 s (half of it the full-text index); any
re-harvest 0.1–0.3 s (unchanged, or 50 of 20,000 changed). PostgreSQL takes the same path: its swap
locks only the rows it writes, and the harvest's total time did not change measurably.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    text,
    update,
)

from catalog.store.tables import DIST, DS, FACET, JOBREC, PUB, REV

META = MetaData()


def _temp(name: str, *columns: Column[Any]) -> Table:
    return Table(name, META, *columns, prefixes=["TEMPORARY"])


# one row per dataset the run stores: a new one (op "insert") or a stored one written again ("update",
# ``pk`` the row; ``taken_source``/``taken_status`` the keeper a takeover expects to find, compare-and-set)
S_DS = _temp(
    "run_stage_dataset",
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False),  # once per run: the writer skips an id listed twice
    Column("op", String(10), nullable=False),
    Column("pk", Integer),
    Column("change", String(20), nullable=False),
    Column("taken_source", Integer),
    Column("taken_status", String(20)),
    Column("lost", Integer, nullable=False, server_default="0"),
    Column("ref", Text),
    Column("uri", String(2000)),
    Column("kind", String(20)),
    Column("publisher_id", String(64)),
    Column("title", String(2000)),
    Column("title_sort", String(200)),
    Column("content_hash", String(64)),
    Column("record", Text),
    Column("violations", Text),
    Column("valid", Boolean),
    Column("quality_score", Float),
    Column("issued", String(40)),
    Column("modified", String(40)),
)
S_DIST = _temp(
    "run_stage_distribution",
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("ds", Integer, nullable=False),
    *(Column(c, t) for c, t in (("id", String(64)), ("uri", String(2000)), ("format", String(100)),
                                ("license", String(2000)), ("access_url", String(4000)),
                                ("download_url", String(4000)), ("position", Integer))),
)
# a child row names its dataset by the staged row's ``seq`` (``ds``): the swap finds each child's dataset
# by an integer key. Temporary tables have no statistics, and a plan that scanned one inside the other held
# the lock 187 s for 5,000 datasets: SQLite reads the children in order and finds each one's staged dataset
# by its rowid (the order fixed by CROSS JOIN: apply_datasets), so the children need no index, which cost a
# tenth of staging them; PostgreSQL's planner gets an index on ``ds`` (create)
S_FACET = _temp("run_stage_facet", Column("ds", Integer, nullable=False),
                Column("facet", String(20)), Column("value", String(500)))
S_FTS = _temp("run_stage_fts", Column("ds", Integer, nullable=False),
              *(Column(c, Text) for c in ("title", "keywords", "description", "publisher", "stems")))
S_JOBREC = _temp(
    "run_stage_job_record",
    Column("seq", Integer, primary_key=True, autoincrement=True),
    *(Column(c, t) for c, t in (("dataset_id", String(64)), ("ref", String(2000)), ("outcome", String(20)),
                                ("rule", String(200)), ("severity", String(20)), ("message", Text))),
)
S_PUB = _temp(
    "run_stage_publisher",
    Column("id", String(64), primary_key=True),
    *(Column(c, t) for c, t in (("uri", String(2000)), ("name", String(500)), ("names", Text),
                                ("type", String(500)), ("org_number", String(10)))),
    Column("stale", Integer, nullable=False),
)
TABLES = (S_DS, S_DIST, S_FACET, S_FTS, S_JOBREC, S_PUB)

DS_COLS = ("seq", "id", "op", "pk", "change", "taken_source", "taken_status", "ref", "uri", "kind", "publisher_id",
           "title", "title_sort", "content_hash", "record", "violations", "valid", "quality_score", "issued",
           "modified")
DIST_COLS = ("ds", "id", "uri", "format", "license", "access_url", "download_url", "position")
FACET_COLS = ("ds", "facet", "value")
FTS_COLS = ("ds", "title", "keywords", "description", "publisher", "stems")
JOBREC_COLS = ("dataset_id", "ref", "outcome", "rule", "severity", "message")
PUB_COLS = ("id", "uri", "name", "names", "type", "org_number", "stale")
# the dataset columns a run writes from its staged rows (the others are the run's: source, job, times)
RECORD_COLS = ("uri", "kind", "publisher_id", "title", "title_sort", "content_hash", "record", "violations",
               "valid", "quality_score", "issued", "modified")


def create(conn: Connection) -> None:
    """Fresh, empty staging tables on this connection (a pooled connection may hold an earlier run's)."""
    drop(conn)
    if conn.dialect.name == "sqlite":
        # the temporary database's rollback journal in memory, not in a file: staging a 100,000-dataset run
        # wrote each batch's changed pages to it first (a rollback still restores them)
        conn.exec_driver_sql("PRAGMA temp.journal_mode=MEMORY")
    META.create_all(conn)
    if conn.dialect.name == "postgresql":
        for table in (S_DIST, S_FACET, S_FTS):
            conn.exec_driver_sql(f"CREATE INDEX ON {table.name} (ds)")
        if lz4(conn):  # the records are compressed once, as staged, and the swap copies them as they are
            conn.exec_driver_sql(f"ALTER TABLE {S_DS.name} ALTER COLUMN record SET COMPRESSION lz4, "
                                 "ALTER COLUMN violations SET COMPRESSION lz4")


def lz4(conn: Connection) -> bool:
    """Whether this PostgreSQL server compresses with LZ4 (built with it: most are).

    A record's JSON (3.5 KB on average) is compressed where it is stored; PostgreSQL's own compression
    (pglz) took about 4 s of the server's CPU per 100,000 records, LZ4 about 0.5 s, for a fifth more room
    (157 -> 195 MB), and it reads back faster. A value keeps the compression it was stored with, so the
    two mix freely; the swap compresses its new values (the full-text vectors) with LZ4 too."""
    return bool(conn.exec_driver_sql(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'").scalar())


def drop(conn: Connection) -> None:
    """Drop this connection's staging tables (they are the connection's own: no other run's)."""
    for table in reversed(TABLES):
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table.name}")


def vanish_with_connection(conn: Connection) -> bool:
    """Whether closing this connection is the cheap way to drop its staging tables: a SQLite file's
    connection (its temporary database is a file of its own; an in-memory database would go with it)."""
    return conn.dialect.name == "sqlite" and conn.engine.url.database not in (None, "", ":memory:")


def add(conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Rows into a staging table: on PostgreSQL one ``COPY … FROM STDIN`` (psycopg 3), on SQLite an
    executemany straight on the driver; in the caller's transaction either way."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        raw: Any = conn.connection.driver_connection  # the psycopg connection, in SQLAlchemy's transaction
        with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})", list(rows))


def reserve_keys(conn: Connection, n: int) -> list[int] | None:
    """PostgreSQL: ``n`` keys for new datasets, taken from the table's sequence as they are staged, so that the
    swap inserts each new row under its key and reads none back. SQLite: None (the swap numbers new rows
    itself, holding the write lock: apply_datasets)."""
    if conn.dialect.name != "postgresql" or n <= 0:
        return None
    return list(conn.execute(text("SELECT nextval(pg_get_serial_sequence('dataset', 'pk')) "
                                  "FROM generate_series(1, :n)"), {"n": n}).scalars())


# -- the swap: each step one set-based statement (or a few), inside the caller's transaction --------------


def apply_publishers(conn: Connection, *, now: datetime) -> None:
    """New publisher rows (one another run added meanwhile stays), and the names of stale ones."""
    cols = [c for c in PUB_COLS if c != "stale"]
    at = literal(now, PUB.c.updated_at.type)
    fresh = select(*(S_PUB.c[c] for c in cols), at).where(S_PUB.c.stale == 0, ~exists().where(PUB.c.id == S_PUB.c.id))
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        conn.execute(pg_insert(PUB).from_select([*cols, "updated_at"], fresh).on_conflict_do_nothing())
    else:
        conn.execute(insert(PUB).from_select([*cols, "updated_at"], fresh))
    conn.execute(update(PUB).where(PUB.c.id == S_PUB.c.id, S_PUB.c.stale == 1).values(
        uri=S_PUB.c.uri, name=S_PUB.c.name, names=S_PUB.c.names, type=S_PUB.c.type,
        org_number=S_PUB.c.org_number, updated_at=at))


def _unindexed(column: Any) -> Any:
    """``column + 0``: the same value, but the planner cannot look it up through the column's index.

    A run's rows are matched by primary key or id (unique indexes). The statistics of ``dataset`` say
    nothing of the rows this very transaction inserted, so for a source harvested for the first time
    PostgreSQL estimates one row for ``source_id = N`` and walks that index for every staged row: a
    20,000-dataset first harvest spent minutes in its swap that way. The source check stays a filter.
    """
    return column + 0


def mark_lost(conn: Connection, *, source_id: int) -> None:
    """Flag the staged datasets this run can no longer store: a new one another run stored meanwhile,
    one this source no longer keeps (taken over, handed over) since the run read it."""
    conn.execute(update(S_DS).where(S_DS.c.op == "insert", exists().where(DS.c.id == S_DS.c.id)).values(lost=1))
    conn.execute(update(S_DS).where(
        S_DS.c.op == "update",
        ~exists().where(DS.c.pk == S_DS.c.pk, _unindexed(DS.c.source_id) == source_id)).values(lost=1))


def lost(conn: Connection) -> list[Any]:
    """The staged datasets flagged lost: id, ref, change, kind, valid."""
    return list(conn.execute(select(S_DS.c.id, S_DS.c.ref, S_DS.c.change, S_DS.c.kind, S_DS.c.valid)
                             .where(S_DS.c.lost == 1).order_by(S_DS.c.seq)))


def staged_takeovers(conn: Connection) -> list[Any]:
    return list(conn.execute(select(S_DS.c.pk, S_DS.c.taken_source, S_DS.c.taken_status)
                             .where(S_DS.c.taken_source.is_not(None))))


def apply_datasets(conn: Connection, *, source_id: int, job_id: int, now: datetime) -> None:
    """Revisions, then the dataset rows: updates in place (the revision keeps the record replaced), new
    rows inserted; then their distributions, facet values and full-text rows."""
    at = literal(now, DS.c.updated_at.type)
    keep = S_DS.c.lost == 0
    updates = and_(S_DS.c.op == "update", keep)
    inserts = and_(S_DS.c.op == "insert", keep)
    rev_cols = ["dataset_id", "job_id", "change", "content_hash", "previous", "created_at", "from_source_id"]
    conn.execute(insert(REV).from_select(rev_cols, select(
        S_DS.c.id, literal(job_id), S_DS.c.change, S_DS.c.content_hash, DS.c.record,
        literal(now, REV.c.created_at.type), S_DS.c.taken_source,
    ).join(DS, DS.c.pk == S_DS.c.pk).where(updates).order_by(S_DS.c.seq)))
    conn.execute(update(DS).where(DS.c.pk == S_DS.c.pk, _unindexed(DS.c.source_id) == source_id, updates).values(
        **{c: S_DS.c[c] for c in RECORD_COLS}, status="active", updated_at=at, withdrawn_at=None, job_id=job_id))
    # children of updated rows are written afresh
    replaced = select(S_DS.c.pk).where(updates).scalar_subquery()
    conn.execute(delete(DIST).where(DIST.c.dataset_pk.in_(replaced)))
    conn.execute(delete(FACET).where(FACET.c.dataset_pk.in_(replaced)))
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        conn.execute(text(f"DELETE FROM dataset_fts WHERE rowid IN (SELECT pk FROM {S_DS.name} "
                          "WHERE op = 'update' AND lost = 0)"))
    new_cols = ["pk", "id", *RECORD_COLS, "source_id", "status", "first_seen_at", "updated_at", "withdrawn_at",
                "job_id"]
    if sqlite:
        # one writer at a time (the swap holds the write lock): mark_lost saw every id stored before this
        # transaction, so every new row is stored, under a key numbered after the largest one now: the
        # staged row's seq (the staged rows are not written again to learn their keys: they hold the records)
        base = int(conn.execute(select(func.coalesce(func.max(DS.c.pk), 0))).scalar() or 0)
        key = f"coalesce(s.pk, {base} + s.seq)"  # a staged row's dataset key, in the statements below
        conn.execute(insert(DS).from_select(new_cols, select(
            S_DS.c.seq + base, S_DS.c.id, *(S_DS.c[c] for c in RECORD_COLS), literal(source_id), literal("active"),
            at, at, literal(None, DS.c.withdrawn_at.type), literal(job_id),
        ).where(inserts).order_by(S_DS.c.seq)))
    else:
        # the full-text vector is written in the INSERT, from the staged texts: no UPDATE of every new row
        # after it (13% of a first harvest, and as many dead rows). Each new row has the key reserved for it
        # when it was staged (reserve_keys). Another run's swap may store one of these ids meanwhile: it
        # keeps it, this run reports it kept there
        key = "s.pk"
        if lz4(conn):  # for this transaction only
            conn.exec_driver_sql("SET LOCAL default_toast_compression = lz4")
        cols = [c for c in new_cols if c != "withdrawn_at"]  # NULL: the column's default
        stored_now = conn.execute(text(
            f"INSERT INTO dataset ({', '.join(cols)}, search_vector) "
            f"SELECT s.pk, s.id, {', '.join('s.' + c for c in RECORD_COLS)}, :source_id, 'active', :now, :now, "
            f":job_id, {_VECTOR} FROM {S_DS.name} s LEFT JOIN {S_FTS.name} c ON c.ds = s.seq "
            "WHERE s.op = 'insert' AND s.lost = 0 ORDER BY s.seq ON CONFLICT (id) DO NOTHING"
        ).bindparams(source_id=source_id, now=now, job_id=job_id)).rowcount
        if stored_now != conn.execute(select(func.count()).select_from(S_DS).where(inserts)).scalar():
            # a reserved key is no other row's: a new row missing under its key was stored meanwhile
            conn.execute(update(S_DS).where(inserts, ~exists().where(DS.c.pk == S_DS.c.pk)).values(lost=1))
    conn.execute(insert(REV).from_select(rev_cols, select(
        S_DS.c.id, literal(job_id), literal("added"), S_DS.c.content_hash, literal(None, REV.c.previous.type),
        literal(now, REV.c.created_at.type), literal(None, REV.c.from_source_id.type),
    ).where(inserts).order_by(S_DS.c.seq)))
    # SQLite: the children in their order, each one's staged dataset by its rowid (CROSS JOIN keeps that order)
    stored = f"{'CROSS JOIN' if sqlite else 'JOIN'} {S_DS.name} s ON s.seq = c.ds AND s.lost = 0"
    # a distribution URI shared by two datasets (it happens) must not break the run: the first stored keeps it
    dist_cols = [c for c in DIST_COLS if c != "ds"]
    verb, tail = ("INSERT OR IGNORE", "") if sqlite else ("INSERT", " ON CONFLICT DO NOTHING")
    conn.execute(text(
        f"{verb} INTO distribution (dataset_pk, {', '.join(dist_cols)}) "
        f"SELECT {key}, {', '.join('c.' + c for c in dist_cols)} FROM {S_DIST.name} c {stored} ORDER BY c.seq{tail}"))
    conn.execute(text(f"INSERT INTO dataset_facet (dataset_pk, facet, value) "
                      f"SELECT {key}, c.facet, c.value FROM {S_FACET.name} c {stored}"))
    if sqlite:
        with _fts_bulk(conn):
            conn.execute(text(
                "INSERT INTO dataset_fts (rowid, title, keywords, description, publisher, stems) "
                f"SELECT {key}, c.title, c.keywords, c.description, c.publisher, c.stems FROM {S_FTS.name} c {stored}"))
    else:
        # rows written again (updated, restored, taken over) get theirs here; new rows got it in the INSERT
        conn.execute(text(
            f"UPDATE dataset SET search_vector = {_VECTOR} "
            f"FROM {S_FTS.name} c JOIN {S_DS.name} s ON s.seq = c.ds AND s.lost = 0 AND s.op = 'update' "
            f"WHERE dataset.pk = s.pk AND dataset.source_id + 0 = {int(source_id)}"))


# FTS5 keeps the terms of the rows inserted in a transaction in memory and writes them out as a new segment
# of its index each time they reach its ``hashsize`` (1 MiB by default), merging segments as they pile up: a
# run's swap that inserts many rows lets that buffer grow to this, for the one statement (100,000 datasets:
# 5.5-6.6 s of CPU -> 3.6-4.1 s, 5 of 5 runs). Its memory is given back at the statement's end.
FTS_BULK_HASHSIZE = 32 << 20
FTS_BULK_ROWS = 1000  # from how many staged datasets the swap raises it
FTS_DEFAULT_HASHSIZE = 1 << 20  # FTS5's own (FTS5_DEFAULT_HASHSIZE)


@contextmanager
def _fts_bulk(conn: Connection) -> Iterator[None]:
    """SQLite: dataset_fts's ``hashsize`` raised while a large run's rows go in, then set back as it was
    (the setting is stored with the table; it decides only when the terms are written, not what)."""
    staged = conn.execute(text(f"SELECT max(seq) FROM {S_DS.name}")).scalar() or 0
    if staged < FTS_BULK_ROWS:
        yield
        return
    before = conn.execute(text("SELECT v FROM dataset_fts_config WHERE k = 'hashsize'")).scalar()
    command = "INSERT INTO dataset_fts (dataset_fts, rank) VALUES ('hashsize', :v)"
    conn.execute(text(command), {"v": FTS_BULK_HASHSIZE})
    try:
        yield
    finally:
        conn.execute(text(command), {"v": int(before) if before is not None else FTS_DEFAULT_HASHSIZE})


# PostgreSQL's full-text vector of a staged dataset (``c``: its run_stage_fts row); title weighs most
_VECTOR = ("setweight(to_tsvector('simple', c.title), 'A') || "
           "setweight(to_tsvector('simple', c.keywords), 'B') || "
           "setweight(to_tsvector('simple', c.publisher), 'B') || "
           "setweight(to_tsvector('simple', c.description), 'C') || "
           "setweight(to_tsvector('simple', c.stems), 'D')")


def forget_lost_records(conn: Connection, dataset_ids: Sequence[str]) -> None:
    """Drop the staged report lines of datasets the run could not store (they get a "kept there" line)."""
    for chunk in [list(dataset_ids[i:i + 500]) for i in range(0, len(dataset_ids), 500)]:
        conn.execute(delete(S_JOBREC).where(S_JOBREC.c.dataset_id.in_(chunk), S_JOBREC.c.outcome != "skipped"))


def apply_job_records(conn: Connection, *, job_id: int) -> None:
    """The job's records: an "added" line for each new dataset stored (made here from its staged row, in
    staging order: a 100,000-dataset first harvest staged as many lines only to copy them), then the
    staged lines (changes and problems), in the order they were staged."""
    cols = list(JOBREC_COLS)
    none = literal(None, String)
    conn.execute(insert(JOBREC).from_select(["job_id", *cols], select(
        literal(job_id), S_DS.c.id, S_DS.c.ref, literal("added"), none, none, literal(None, Text),
    ).where(S_DS.c.op == "insert", S_DS.c.lost == 0).order_by(S_DS.c.seq)))
    conn.execute(insert(JOBREC).from_select(["job_id", *cols], select(
        literal(job_id), *(S_JOBREC.c[c] for c in cols)).order_by(S_JOBREC.c.seq)))
