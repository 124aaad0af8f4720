"""Revision 0006 gives the datasets stored before it their ``type`` and ``access`` facet values, so a
catalogue upgraded in place filters and counts them without a re-harvest (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, select, text

from catalog.records import DatasetRecord
from catalog.resources import migrations_dir
from catalog.search.query import parse_query
from catalog.services.datasets import search_datasets
from catalog.store.engine import make_engine, upgrade
from catalog.store.tables import DS, FACET

EU_ACCESS = "http://publications.europa.eu/resource/authority/access-right/"
# title -> (kind, access rights as the record states them, the access facet value expected)
STORED = {
    "Öppna data": ("dataset", EU_ACCESS + "PUBLIC", "open"),
    "Nyckel-API": ("dataservice", EU_ACCESS + "RESTRICTED", "restricted"),
    "Internt register": ("dataset", "NON_PUBLIC", "non-public"),
    "Känsliga uppgifter": ("dataset", EU_ACCESS + "SENSITIVE", "sensitive"),
    "Utan åtkomstuppgift": ("dataservice", None, None),
}


def _at_revision(engine: Engine, revision: str, *, down: bool = False) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", migrations_dir())
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def _store_before_0006(engine: Engine) -> None:
    """Datasets as a harvest before revision 0006 stored them: no type or access facet rows. Plain SQL
    with the columns of that revision (the table models describe the newest schema)."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        source_id = conn.execute(text(
            "INSERT INTO source (name, kind, url, deleted, created_at, updated_at) "
            "VALUES ('gammal', 'dcat', 'https://gammal.example.se/catalog.ttl', :no, :now, :now) RETURNING id"),
            {"no": False, "now": now}).scalar_one()
        for n, (title, (kind, access, _)) in enumerate(STORED.items()):
            rec = DatasetRecord(kind=kind, uri=f"https://gammal.example.se/{n}", title={"sv": title},
                                access_rights=access)
            pk = conn.execute(text(
                "INSERT INTO dataset (id, uri, kind, source_id, title, title_sort, status, content_hash, record, "
                "violations, valid, quality_score, first_seen_at, updated_at) VALUES (:id, :uri, :kind, :source, "
                ":title, :sort, 'active', :hash, :record, '[]', :yes, 50.0, :now, :now) RETURNING pk"),
                {"id": f"ds{n}", "uri": rec.uri, "kind": kind, "source": source_id, "title": title,
                 "sort": title.lower(), "hash": f"h{n}", "record": rec.to_json().decode(), "yes": True,
                 "now": now}).scalar_one()
            conn.execute(text("INSERT INTO dataset_facet (dataset_pk, facet, value) VALUES (:pk, 'source', 'gammal')"),
                         {"pk": pk})
        conn.execute(text("INSERT INTO catalog_state (key, value) VALUES ('generation', '1')"))


def test_upgrade_fills_type_and_access_facets_of_datasets_stored_before(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        _at_revision(engine, "0005_merge")
        _store_before_0006(engine)
        upgrade(engine)
        with engine.connect() as conn:
            rows = conn.execute(select(DS.c.title, FACET.c.facet, FACET.c.value)
                                .join(FACET, FACET.c.dataset_pk == DS.c.pk)
                                .where(FACET.c.facet.in_(["type", "access"]))).all()
        assert {(r.title, r.value) for r in rows if r.facet == "type"} == {
            (title, kind) for title, (kind, _, _) in STORED.items()}
        assert {(r.title, r.value) for r in rows if r.facet == "access"} == {
            (title, value) for title, (_, _, value) in STORED.items() if value}
        with engine.connect() as conn:  # the generation moves: a search index cached for it is built again
            assert int(conn.execute(text("SELECT value FROM catalog_state WHERE key = 'generation'")).scalar_one()) > 1

        result = search_datasets(engine, parse_query(filters={"type": ["dataservice"]}))
        assert {i["title"] for i in result["items"]} == {"Nyckel-API", "Utan åtkomstuppgift"}
        assert {e["value"]: e["count"] for e in result["facets"]["access"]} == {"restricted": 1}
        assert {e["value"]: e["count"] for e in result["facets"]["type"]} == {"dataset": 3, "dataservice": 2}
        every = search_datasets(engine, parse_query(filters={"access": ["open", "non-public"]}))
        assert {i["title"] for i in every["items"]} == {"Öppna data", "Internt register"}
    finally:
        engine.dispose()


def test_upgrading_again_adds_no_second_row(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        _at_revision(engine, "0005_merge")
        _store_before_0006(engine)
        _at_revision(engine, "0006_type_access_facets")
        _at_revision(engine, "0005_merge", down=True)  # downgrade removes the rows; upgrading writes them once more
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM dataset_facet WHERE facet IN ('type', 'access')")
                                ).scalar_one() == 0
        upgrade(engine)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM dataset_facet WHERE facet = 'type'")
                                ).scalar_one() == len(STORED)
    finally:
        engine.dispose()
