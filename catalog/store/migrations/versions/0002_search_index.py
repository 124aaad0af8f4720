"""full-text search index: FTS5 on SQLite, tsvector + GIN on PostgreSQL

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # remove_diacritics 0: å, ä and ö are letters of their own in Swedish, not accented a and o.
        op.execute(
            "CREATE VIRTUAL TABLE dataset_fts USING fts5("
            "title, keywords, description, publisher, stems, "
            "tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3 4')"
        )
    else:
        op.execute("ALTER TABLE dataset ADD COLUMN search_vector tsvector")
        op.execute("CREATE INDEX ix_dataset_search_vector ON dataset USING gin (search_vector)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE dataset_fts")
    else:
        op.execute("DROP INDEX ix_dataset_search_vector")
        op.execute("ALTER TABLE dataset DROP COLUMN search_vector")
