"""One line of revisions: join the three branches that each revised 0002.

Revision ID: 0005_merge
Revises: 0003_orgs, 0003_sched, 0004_lists
"""

revision = "0005_merge"
down_revision = ("0003_orgs", "0003_sched", "0004_lists")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
