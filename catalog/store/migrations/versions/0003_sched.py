"""scheduling: worker and heartbeat of harvest jobs, at most one live job per source

Revision ID: 0003_sched
Revises: 0002
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003_sched"
down_revision = "0002"
branch_labels = None
depends_on = None

LIVE = "status IN ('queued', 'running')"


def upgrade() -> None:
    with op.batch_alter_table("harvest_job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("worker", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column("heartbeat_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    # Jobs left live by a process that stopped before this upgrade belong to no one any more; only the
    # newest per source may stay live, or the unique index below could not be built.
    op.execute(
        "UPDATE harvest_job SET status = 'failed', message = 'interrupted (found live at upgrade)' "
        f"WHERE {LIVE} AND id NOT IN (SELECT max(id) FROM harvest_job WHERE {LIVE} GROUP BY source_id)"
    )
    # The one-run-per-source guard lives in the database, so it holds across processes and hosts.
    op.create_index(
        "ux_harvest_job_live_source", "harvest_job", ["source_id"], unique=True,
        sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE),
    )


def downgrade() -> None:
    op.drop_index("ux_harvest_job_live_source", table_name="harvest_job")
    with op.batch_alter_table("harvest_job", schema=None) as batch_op:
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("worker")
