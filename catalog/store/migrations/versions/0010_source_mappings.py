"""uploaded mapping profiles: every version of a source's TOML profile, and the one in use

Revision ID: 0010_source_mappings
Revises: 0009_source_lifecycle
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0010_source_mappings"
down_revision = "0009_source_lifecycle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source_mapping",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ux_source_mapping_version", "source_mapping", ["source_id", "version"], unique=True)
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mapping_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_column("mapping_version")
    op.drop_index("ux_source_mapping_version", table_name="source_mapping")
    op.drop_table("source_mapping")
