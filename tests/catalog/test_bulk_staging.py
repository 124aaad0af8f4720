"""The run's bulk store paths (catalog/store/staging.py): staged rows go in by COPY on PostgreSQL and by
executemany on SQLite, values unchanged; new datasets get their full-text vector in the swap's INSERT."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, func, insert, select, text

from catalog.settings import Settings
from catalog.store import runs, staging
from catalog.store.prepared import prepare
from catalog.store.tables import DS, FACET, JOBREC, Source
from harvester.adapters.base import SourceSpec
from harvester.adapters.dcat import DcatAdapter
from harvester.fetch import Fetcher
from tests.catalog.test_source_takeover import DS_URI, catalogue, keepers
from tests.conftest import FixtureHTTPServer, HarvestFn

TRICKY = ["tab\there", "new\nline", "back\\slash", "quote ' and \"", "ÅÄÖ åäö", "\\N", "", "NULL"]


def test_staged_rows_keep_every_value(engine: Engine) -> None:
    with engine.connect() as conn:
        staging.create(conn)
        try:
            rows = [(i, f"id{i}", "insert", None, "added", None, None, value, None, "dataset", None, value,
                     value[:200], "h", '{"a": 1}', "[]", i % 2 == 0, i / 3, None, None)
                    for i, value in enumerate(TRICKY, start=1)]
            staging.add(conn, staging.S_DS, staging.DS_COLS, rows)
            staging.add(conn, staging.S_FACET, staging.FACET_COLS, [(1, "keyword", v) for v in TRICKY])
            back = conn.execute(select(*(staging.S_DS.c[c] for c in staging.DS_COLS)).order_by(staging.S_DS.c.seq))
            assert [tuple(r) for r in back] == rows
            facets = conn.execute(select(staging.S_FACET.c.value)).scalars().all()
            assert sorted(facets) == sorted(TRICKY)
        finally:
            conn.rollback()
            staging.drop(conn)
            conn.commit()


def test_new_and_updated_datasets_are_searchable(engine: Engine, add_source: Callable[..., Source],
                                                 harvest: HarvestFn, http_server: FixtureHTTPServer) -> None:
    url = http_server.set_fixture("cat.ttl", "dcat/catalog.ttl")
    add_source("cat", url)
    job = harvest("cat")
    assert job.status == "succeeded" and job.added > 0
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(DS)).scalar()
        assert stored == job.added
        if engine.dialect.name == "postgresql":  # written in the INSERT: no new row without its vector
            assert conn.execute(text("SELECT count(*) FROM dataset WHERE search_vector IS NULL")).scalar() == 0
            # the vector is the one the texts give: a word of a title finds its dataset
            titles = conn.execute(select(DS.c.title).order_by(DS.c.pk)).scalars().all()
            word = next(w for t in titles for w in (t or "").lower().split() if w.isalpha())
            hits = conn.execute(text("SELECT count(*) FROM dataset WHERE search_vector @@ "
                                     "to_tsquery('simple', :w)"), {"w": word}).scalar()
            assert hits and hits >= 1
        else:
            assert conn.execute(text("SELECT count(*) FROM dataset_fts")).scalar() == stored
    # a changed title: the dataset is written again, with its vector (or full-text row) rewritten
    body = (http_server.routes["/cat.ttl"][2]).decode()
    changed = body.replace('dct:title "Badplatser"@sv', 'dct:title "Zyxwvu Badplatser"@sv', 1)
    assert changed != body
    http_server.set("cat.ttl", changed)
    job = harvest("cat")
    assert job.status == "succeeded" and job.updated >= 1
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            found = conn.execute(text("SELECT count(*) FROM dataset WHERE search_vector @@ "
                                      "to_tsquery('simple', 'zyxwvu')")).scalar()
            assert conn.execute(text("SELECT count(*) FROM dataset WHERE search_vector IS NULL")).scalar() == 0
        else:
            found = conn.execute(text("SELECT count(*) FROM dataset_fts WHERE dataset_fts MATCH 'zyxwvu'")).scalar()
        assert found == 1


def test_a_new_dataset_another_swap_stores_meanwhile_stays_with_it(
    engine: Engine, add_source: Callable[..., Source], http_server: FixtureHTTPServer, settings: Settings,
) -> None:
    """PostgreSQL: new datasets go in under keys reserved from the sequence as they were staged, and none is
    read back. Another run's swap that stores one of them while this run's swap is under way (after it
    looked for it) keeps it: this run's INSERT skips it, no row is under the key reserved for it, so the run
    reports it kept there and stores none of its rows; the others are stored under their keys."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's swaps hold its one write lock: one runs after the other")
    a = add_source("a", http_server.set("a.ttl", catalogue(range(3))))
    b = add_source("b", http_server.set("b.ttl", catalogue([2])))
    assert a.id is not None and b.id is not None
    page = next(iter(DcatAdapter(SourceSpec("a", "dcat", a.url), Fetcher(settings), settings).pages({})))
    prepared = [prepare(ref, rec, "a") for ref, rec in page.records if not isinstance(rec, Exception)]
    contested = next(p.id for p in prepared if p.rec.uri == DS_URI.format(2))
    failed: list[BaseException] = []

    def swap(writer: runs.RunWriter) -> None:
        try:
            writer.commit(state="{}")
        except BaseException as exc:  # noqa: BLE001 - reported below, in the test's thread
            failed.append(exc)

    with engine.connect() as conn, engine.connect() as other:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        writer = runs.RunWriter(conn, source_id=a.id, source_name="a", job_id=999_999)
        try:
            assert len(writer.write_page(prepared)) == 3
            writer.finish()
            # b's swap has inserted dataset 2 and not committed yet: a's swap waits on that row
            other.execute(insert(DS).values(id=contested, uri=DS_URI.format(2), source_id=b.id, title="B",
                                            content_hash="b", record="{}"))
            thread = threading.Thread(target=swap, args=(writer,))
            thread.start()
            with engine.connect() as watch:
                while not watch.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid AND "
                                             "wait_event_type = 'Lock'"), {"pid": pid}).scalar():
                    assert thread.is_alive(), failed
                    watch.rollback()
                    time.sleep(0.02)
            other.commit()
            thread.join()
        finally:
            writer.close()
    assert not failed
    assert writer.kept_elsewhere == {contested: "b"}
    assert (writer.counts.added, writer.counts.seen) == (2, 2)
    assert keepers(engine) == {DS_URI.format(0): "a", DS_URI.format(1): "a", DS_URI.format(2): "b"}
    with engine.connect() as conn:
        pks: dict[str, int] = dict(conn.execute(select(DS.c.uri, DS.c.pk)).all())
        facets: dict[int, int] = dict(
            conn.execute(select(FACET.c.dataset_pk, func.count()).group_by(FACET.c.dataset_pk)).all())
        report = conn.execute(select(JOBREC.c.outcome, JOBREC.c.rule).where(
            JOBREC.c.job_id == 999_999, JOBREC.c.dataset_id == contested)).all()
        vectors = conn.execute(text("SELECT count(*) FROM dataset WHERE search_vector IS NOT NULL")).scalar()
    assert set(facets) == {pks[DS_URI.format(0)], pks[DS_URI.format(1)]}  # nothing of a's under b's row
    assert [tuple(r) for r in report] == [("skipped", "duplicate")]
    assert vectors == 2
