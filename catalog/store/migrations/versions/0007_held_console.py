"""decisions on held runs (who confirmed or rejected them, when) and console sign-in sessions

Revision ID: 0007_held_console
Revises: 0006_type_access_facets
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007_held_console"
down_revision = "0006_type_access_facets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("harvest_job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
        batch_op.add_column(sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.create_table(
        "console_session",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_console_session_expires_at", "console_session", ["expires_at"])
    op.create_index("ix_console_session_token_id", "console_session", ["token_id"])


def downgrade() -> None:
    op.drop_index("ix_console_session_token_id", table_name="console_session")
    op.drop_index("ix_console_session_expires_at", table_name="console_session")
    op.drop_table("console_session")
    with op.batch_alter_table("harvest_job", schema=None) as batch_op:
        batch_op.drop_column("decided_at")
        batch_op.drop_column("decided_by")
        batch_op.drop_column("decision")
