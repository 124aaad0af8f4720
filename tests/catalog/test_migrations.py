"""The Alembic revisions form one line ending in one head, and an empty database upgraded to it has the
schema the table models describe (SQLite, and PostgreSQL when DATAKATALOG_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Index, Table, UniqueConstraint, inspect
from sqlmodel import SQLModel

import catalog.store.tables  # noqa: F401  (registers every table on SQLModel.metadata)
from catalog.resources import migrations_dir
from catalog.store.engine import init_engine

# Made by the migrations with SQL the models cannot express: SQLite's FTS5 table (and the shadow tables
# SQLite makes for it), PostgreSQL's tsvector column and its GIN index, and the partial unique indexes that
# allow one live job per source and one source of a name among those not deleted.
BY_HAND_TABLES = ("dataset_fts",)  # a prefix
BY_HAND_INDEXES = {"ux_harvest_job_live_source", "ix_dataset_search_vector", "ux_source_live_name"}
BY_HAND_COLUMNS = {("dataset", "search_vector")}


def _scripts() -> ScriptDirectory:
    return ScriptDirectory(migrations_dir())


def test_the_revisions_have_exactly_one_head_and_one_base() -> None:
    scripts = _scripts()
    assert len(scripts.get_heads()) == 1, f"several heads: {scripts.get_heads()} (add a merge revision)"
    assert len(scripts.get_bases()) == 1, f"several bases: {scripts.get_bases()}"


def test_every_revision_file_leads_to_the_head() -> None:
    scripts = _scripts()
    head = scripts.get_current_head()
    reachable = {rev.revision for rev in scripts.iterate_revisions(head, "base")}
    assert reachable == {rev.revision for rev in scripts.walk_revisions()}


def test_upgrading_an_empty_database_reaches_the_head(db_url: str) -> None:
    engine = init_engine(db_url)
    try:
        with engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_heads() == (_scripts().get_current_head(),)
            assert {"dataset", "source", "harvest_job"} <= set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_the_upgraded_schema_matches_the_table_models(db_url: str) -> None:
    engine = init_engine(db_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    finally:
        engine.dispose()
    unexplained = [d for d in diff if not _made_by_hand(d)]
    assert unexplained == [], f"the migrations and catalog/store/tables.py disagree: {unexplained}"


def _made_by_hand(change: Any) -> bool:
    if not isinstance(change, tuple):
        return False
    match change:
        case ("remove_table", Table() as table):
            return table.name.startswith(BY_HAND_TABLES)
        case ("remove_index", Index() as index):
            return index.name in BY_HAND_INDEXES
        case ("remove_column", _, str() as table_name, Column() as column):
            return (table_name, column.name) in BY_HAND_COLUMNS
        case ("add_constraint", UniqueConstraint() as unique):
            # a unique constraint on the primary key's columns repeats the key; PostgreSQL does not create it
            key = SQLModel.metadata.tables[unique.table.name].primary_key
            return set(unique.columns.keys()) == set(key.columns.keys())
    return False
