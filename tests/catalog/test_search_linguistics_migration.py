"""Revision 0011 rewrites the stems field of the datasets stored before it, so that an upgraded
catalogue finds them without å/ä/ö and by the parts of their compounds without a re-harvest
(SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from catalog.records import DatasetRecord
from catalog.resources import migrations_dir
from catalog.search.query import parse_query
from catalog.services.datasets import search_datasets
from catalog.store.engine import make_engine, upgrade

STORED = {"Kartor över Göteborg": "Stadens karta.", "Badvattenkvalitet": "Provtagning vid stränderna."}


def _at_revision(engine: Engine, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", migrations_dir())
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def _store_before_0011(engine: Engine) -> None:
    """Datasets as a harvest before revision 0011 stored them: the stems field holds the stems of
    titles and keywords only. Plain SQL with the columns of that revision."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        source_id = conn.execute(text(
            "INSERT INTO source (name, kind, url, deleted, created_at, updated_at) "
            "VALUES ('gammal', 'dcat', 'https://gammal.example.se/catalog.ttl', :no, :now, :now) RETURNING id"),
            {"no": False, "now": now}).scalar_one()
        for n, (title, description) in enumerate(STORED.items()):
            rec = DatasetRecord(uri=f"https://gammal.example.se/{n}", title={"sv": title},
                                description={"sv": description})
            pk = conn.execute(text(
                "INSERT INTO dataset (id, uri, kind, source_id, title, title_sort, status, content_hash, record, "
                "violations, valid, quality_score, first_seen_at, updated_at) VALUES (:id, :uri, 'dataset', "
                ":source, :title, :sort, 'active', :hash, :record, '[]', :yes, 50.0, :now, :now) RETURNING pk"),
                {"id": f"ds{n}", "uri": rec.uri, "source": source_id, "title": title, "sort": title.lower(),
                 "hash": f"h{n}", "record": rec.to_json().decode(), "yes": True, "now": now}).scalar_one()
            conn.execute(text("INSERT INTO dataset_facet (dataset_pk, facet, value) VALUES (:pk, 'source', 'gammal')"),
                         {"pk": pk})
            stems = title.lower()  # as good as the old stems for these titles: no folded form, no part
            if engine.dialect.name == "sqlite":
                conn.execute(text("INSERT INTO dataset_fts (rowid, title, keywords, description, publisher, stems) "
                                  "VALUES (:pk, :title, '', :description, '', :stems)"),
                             {"pk": pk, "title": title, "description": description, "stems": stems})
            else:
                conn.execute(text("UPDATE dataset SET search_vector = setweight(to_tsvector('simple', :title), 'A') "
                                  "|| setweight(to_tsvector('simple', :description), 'C') "
                                  "|| setweight(to_tsvector('simple', :stems), 'D') WHERE pk = :pk"),
                             {"pk": pk, "title": title, "description": description, "stems": stems})
        conn.execute(text("INSERT INTO catalog_state (key, value) VALUES ('generation', '1')"))


def _titles(engine: Engine, q: str) -> set[str]:
    return {i["title"] for i in search_datasets(engine, parse_query(q=q))["items"]}


def test_upgrade_gives_stored_datasets_folded_forms_and_compound_parts(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        _at_revision(engine, "0010_source_mappings")
        _store_before_0011(engine)
        assert _titles(engine, "Göteborg") == {"Kartor över Göteborg"}
        assert _titles(engine, "goteborg") == set() and _titles(engine, "vatten") == set()
        upgrade(engine)
        with engine.connect() as conn:  # the generation moves: a term index cached for it is built again
            assert conn.execute(text("SELECT value FROM catalog_state WHERE key = 'generation'")).scalar_one() == "2"
        assert _titles(engine, "goteborg") == {"Kartor över Göteborg"}
        assert _titles(engine, "vatten") == {"Badvattenkvalitet"}
        assert _titles(engine, "stranderna") == {"Badvattenkvalitet"}  # a description's word, folded
    finally:
        engine.dispose()
