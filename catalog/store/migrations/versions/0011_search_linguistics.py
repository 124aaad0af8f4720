"""the stems field of stored datasets gains folded forms and compound parts (issue 16)

Harvests from this revision on store, in the full-text index's stems field, the folded form of
every word with å/ä/ö ("goteborg" of "Göteborg") and the parts of Swedish compounds ("vatten" of
"badvattenkvalitet"), for titles, keywords, descriptions and publisher names
(docs/decisions/0005-search-linguistics.md). This rewrites the field of the datasets stored before,
so that a search finds them that way without a re-harvest.

Unlike 0006 this calls the application's own function (catalog.search.stemming.text_stems): the
field is derived index data, meant to hold what a harvest of today would store, and the word list
it needs is data of its own (config/lexicon). On SQLite the texts come from the FTS5 table itself;
on PostgreSQL, whose tsvector keeps no texts, from the stored records.

Revision ID: 0011_search_linguistics
Revises: 0010_source_mappings
"""

from __future__ import annotations

import orjson
import sqlalchemy as sa
from alembic import op

revision = "0011_search_linguistics"
down_revision = "0010_source_mappings"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    from catalog.search.stemming import text_stems

    conn = op.get_bind()
    last = 0
    if conn.dialect.name == "sqlite":
        while True:
            rows = conn.execute(sa.text(
                "SELECT rowid, title, keywords, description, publisher FROM dataset_fts WHERE rowid > :last "
                "ORDER BY rowid LIMIT :n"), {"last": last, "n": BATCH}).all()
            if not rows:
                break
            conn.execute(sa.text("UPDATE dataset_fts SET stems = :stems WHERE rowid = :pk"), [
                {"pk": pk, "stems": text_stems(title or "", keywords or "",
                                               unstemmed=f"{description or ''} {publisher or ''}")}
                for pk, title, keywords, description, publisher in rows])
            last = rows[-1][0]
    else:
        from catalog.records import DatasetRecord
        from catalog.store.prepared import search_texts

        while True:
            rows = conn.execute(sa.text("SELECT pk, record FROM dataset WHERE pk > :last ORDER BY pk LIMIT :n"),
                                {"last": last, "n": BATCH}).all()
            if not rows:
                break
            texts = [{"pk": pk, **search_texts(DatasetRecord.from_dict(orjson.loads(record)))}
                     for pk, record in rows if record]
            if texts:
                conn.execute(sa.text(
                    "UPDATE dataset SET search_vector = "
                    "setweight(to_tsvector('simple', :title), 'A') || "
                    "setweight(to_tsvector('simple', :keywords), 'B') || "
                    "setweight(to_tsvector('simple', :publisher), 'B') || "
                    "setweight(to_tsvector('simple', :description), 'C') || "
                    "setweight(to_tsvector('simple', :stems), 'D') WHERE pk = :pk"), texts)
            last = rows[-1][0]
    # a term index cached by a running server is built again from the new terms
    conn.execute(sa.text("UPDATE catalog_state SET value = CAST(CAST(value AS INTEGER) + 1 AS VARCHAR(2000)) "
                         "WHERE key = 'generation'"))


def downgrade() -> None:
    """The extra terms harm nothing at the revision before: they stay until a dataset changes."""
