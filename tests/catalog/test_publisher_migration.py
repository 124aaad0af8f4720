"""Revision 0008 makes the publishers stored under another notation of an organisation number aliases
of the number's publisher, moving their datasets and facet values, so a catalogue upgraded in place
shows Region Skåne once without a re-harvest (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, func, insert, select, text

from catalog.records import Agent, DatasetRecord
from catalog.resources import migrations_dir
from catalog.search.query import parse_query
from catalog.services import publishers
from catalog.services.datasets import search_datasets
from catalog.store.engine import make_engine, upgrade
from catalog.store.tables import DS, FACET, PUB, SRC

# id as stored before 0008 -> (IRI, name, datasets)
STORED = {
    "se2321000255-25fba8": ("http://dataportal.se/organisation/SE2321000255", "Region Skåne", 3),
    "232100-0255-6dd85e": ("https://www.trafiklab.se/organisation/232100-0255", "Region Skåne, Skånetrafiken", 2),
    "232100-0016-bc1319": ("https://www.trafiklab.se/organisation/232100-0016", "Region Stockholm (SL)", 4),
    "uppsala-kommun-f028b7": ("https://kommunportal.example.se/organization/uppsala-kommun", "Uppsala kommun", 1),
}
SL = "se2321000016-4878b4"  # the id Region Stockholm's number gives from 0008 on


def _at_revision(engine: Engine, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", migrations_dir())
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def _store_before_0008(engine: Engine) -> None:
    now = datetime.now(UTC)
    with engine.begin() as conn:
        source_id = conn.execute(insert(SRC).values(
            name="gammal", kind="dcat", url="https://gammal.example.se/catalog.ttl", deleted=False,
            created_at=now, updated_at=now).returning(SRC.c.id)).scalar_one()
        n = 0
        for pid, (uri, name, count) in STORED.items():
            # the publisher table as it was: no org_number or merged_into yet
            conn.execute(text("INSERT INTO publisher (id, uri, name, names, type, updated_at) "
                              "VALUES (:id, :uri, :name, NULL, NULL, :at)"),
                         {"id": pid, "uri": uri, "name": name, "at": now})
            for _ in range(count):
                rec = DatasetRecord(uri=f"https://gammal.example.se/{n}", title={"sv": f"D{n}"},
                                    publisher=Agent(uri=uri, name={"sv": name}))
                pk = conn.execute(insert(DS).values(
                    id=f"ds{n}", uri=rec.uri, kind="dataset", source_id=source_id, publisher_id=pid, title=f"D{n}",
                    title_sort=f"d{n}", status="active", content_hash=f"h{n}", record=rec.to_json().decode(),
                    violations="[]", valid=True, quality_score=50.0, first_seen_at=now,
                    updated_at=now).returning(DS.c.pk)).scalar_one()
                conn.execute(insert(FACET).values(dataset_pk=pk, facet="publisher", value=pid))
                n += 1
        conn.execute(text("INSERT INTO catalog_state (key, value) VALUES ('generation', '1')"))


def test_upgrade_folds_other_notations_of_a_number_into_its_publisher(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        _at_revision(engine, "0007_held_console")
        _store_before_0008(engine)
        with engine.connect() as conn:
            datasets_before = conn.execute(select(func.count()).select_from(DS)).scalar_one()
            facets_before = conn.execute(select(func.count()).select_from(FACET)).scalar_one()
        upgrade(engine)
        with engine.connect() as conn:
            rows = {r.id: r for r in conn.execute(select(PUB))}
            spread = dict(conn.execute(select(DS.c.publisher_id, func.count()).group_by(DS.c.publisher_id)).all())
            facet_values = dict(conn.execute(select(FACET.c.value, func.count()).group_by(FACET.c.value)).all())
            assert conn.execute(select(func.count()).select_from(DS)).scalar_one() == datasets_before == 10
            assert conn.execute(select(func.count()).select_from(FACET)).scalar_one() == facets_before
            # a running server's cached search index is built again from the moved rows
            assert int(conn.execute(text("SELECT value FROM catalog_state WHERE key = 'generation'")).scalar_one()) > 1

        # the Trafiklab notation is an alias of the dataportal.se one; SL gets its number's publisher
        assert rows["232100-0255-6dd85e"].merged_into == "se2321000255-25fba8"
        assert rows["232100-0016-bc1319"].merged_into == SL
        assert rows[SL].uri == "http://dataportal.se/organisation/SE2321000016"
        assert rows[SL].name == "Region Stockholm (SL)" and rows[SL].org_number == "2321000016"
        assert rows["se2321000255-25fba8"].merged_into is None
        assert rows["uppsala-kommun-f028b7"].org_number is None and rows["uppsala-kommun-f028b7"].merged_into is None
        assert spread == {"se2321000255-25fba8": 5, SL: 4, "uppsala-kommun-f028b7": 1}
        assert facet_values == spread
        # an old id still finds its datasets
        assert {e["value"]: e["count"] for e in search_datasets(engine, parse_query())["facets"]["publisher"]} == spread
        assert search_datasets(engine, parse_query(filters={"publisher": ["232100-0255-6dd85e"]}))["total"] == 5
        assert publishers.get_publisher(engine, "232100-0255-6dd85e")["id"] == "se2321000255-25fba8"
    finally:
        engine.dispose()
