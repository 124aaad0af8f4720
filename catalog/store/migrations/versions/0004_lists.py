"""curated dataset lists

Revision ID: 0004_lists
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_lists"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dataset_list",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "dataset_list_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_dataset_list_item_list", "dataset_list_item", ["list_id", "position"])


def downgrade() -> None:
    op.drop_index("ix_dataset_list_item_list", table_name="dataset_list_item")
    op.drop_table("dataset_list_item")
    op.drop_table("dataset_list")
