"""harvest jobs record when their per-record report was removed (issue 17)

A source's newest JOB_REPORTS_KEPT finished jobs keep their job_record rows; older jobs keep their
counts and say when their rows went (``records_pruned_at``). At 1,000,000 datasets an unchanged
re-harvest wrote 1,000,000 rows (every dataset with a warning is reported again), so without this a
daily schedule grew the table by as much every day.

Revision ID: 0012_job_reports_kept
Revises: 0011_search_linguistics
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0012_job_reports_kept"
down_revision = "0011_search_linguistics"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("harvest_job") as batch:
        batch.add_column(sa.Column("records_pruned_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("harvest_job") as batch:
        batch.drop_column("records_pruned_at")
