"""The run's bulk store paths (catalog/store/staging.py): staged rows go in by COPY on PostgreSQL and by
executemany on SQLite, values unchanged; new datasets get their full-text vector in the swap's INSERT."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, func, select, text

from catalog.store import staging
from catalog.store.tables import DS, Source
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
