"""source lifecycle: a deleted source releases its name; takeovers are recorded; claims of listed datasets

- ``source.name`` is unique only among sources that are not deleted (a partial unique index), so a
  deleted source's name can be registered again while the deleted row keeps the history that names it.
- ``revision.from_source_id``: the source a dataset was taken over from (a source that lists a dataset
  whose keeper withdrew it or was deleted takes it over).
- ``dataset_claim``: a dataset a source lists while another source keeps it, as of its last run.

Revision ID: 0009_source_lifecycle
Revises: 0008_publisher_identity
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009_source_lifecycle"
down_revision = "0008_publisher_identity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_index("ix_source_name")
        batch_op.create_index("ix_source_name", ["name"], unique=False)
    op.create_index("ux_source_live_name", "source", ["name"], unique=True,
                    sqlite_where=sa.text("deleted = 0"), postgresql_where=sa.text("NOT deleted"))
    with op.batch_alter_table("revision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("from_source_id", sa.Integer(), nullable=True))
    op.create_table(
        "dataset_claim",
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("listed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("source_id", "dataset_id"),
    )
    op.create_index("ix_dataset_claim_dataset_id", "dataset_claim", ["dataset_id"])


def downgrade() -> None:
    op.drop_index("ix_dataset_claim_dataset_id", table_name="dataset_claim")
    op.drop_table("dataset_claim")
    with op.batch_alter_table("revision", schema=None) as batch_op:
        batch_op.drop_column("from_source_id")
    op.drop_index("ux_source_live_name", table_name="source")
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_index("ix_source_name")
        batch_op.create_index("ix_source_name", ["name"], unique=True)
