"""publisher identity: organisation numbers, aliases, and organisations linked to publishers

A publisher whose IRI carries a Swedish organisation number is, from this revision on, stored under
the id of that number's dataportal.se IRI (catalog.ids.publisher_id), so every notation of one number
(``SE2120003005``, ``212000-3005`` …) is one publisher. Publishers stored before under another
notation's id stay as aliases of that id (``merged_into``), their datasets and facet values move to
it, and old links keep resolving.

The number rule and the id rule are written out here rather than imported: a migration must keep
meaning what it meant when it was written, whatever catalog.ids later becomes.

Revision ID: 0008_publisher_identity
Revises: 0007_held_console
"""

from __future__ import annotations

import hashlib
import re

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008_publisher_identity"
down_revision = "0007_held_console"
branch_labels = None
depends_on = None

ORGANISATION_IRI = "http://dataportal.se/organisation/SE"
NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:SE)?(?:16)?(\d{6})[- ]?(\d{4})(?:01)?(?![0-9A-Za-z])", re.IGNORECASE)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for pos, char in enumerate(digits):
        n = int(char) * (2 if pos % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def number_in(iri: str | None) -> str | None:
    for match in NUMBER.finditer(iri or ""):
        digits = match.group(1) + match.group(2)
        if digits[2] >= "2" and _luhn_ok(digits):
            return digits
    return None


def id_of(number: str) -> str:
    h = hashlib.blake2b(digest_size=3)
    for part in ("pub", ORGANISATION_IRI + number):
        h.update(part.encode("utf-8"))
        h.update(b"\x1f")
    return f"se{number}-{h.hexdigest()}"


def upgrade() -> None:
    with op.batch_alter_table("publisher", schema=None) as batch_op:
        batch_op.add_column(sa.Column("org_number", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True))
        batch_op.add_column(sa.Column("merged_into", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_index("ix_publisher_org_number", ["org_number"], unique=False)
        batch_op.create_index("ix_publisher_merged_into", ["merged_into"], unique=False)
    op.create_table(
        "organisation_publisher",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("publisher_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("organisation_id", "publisher_id"),
    )

    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, uri, name, names, type, updated_at FROM publisher")).all()
    ids = {r.id for r in rows}
    moved = 0
    for row in rows:
        number = number_in(row.uri)
        if number is None:
            continue
        conn.execute(sa.text("UPDATE publisher SET org_number = :n WHERE id = :id"), {"n": number, "id": row.id})
        canonical = id_of(number)
        if canonical == row.id:
            continue
        if canonical not in ids:
            conn.execute(sa.text(
                "INSERT INTO publisher (id, uri, name, names, type, org_number, updated_at) "
                "VALUES (:id, :uri, :name, :names, :type, :n, :at)"),
                {"id": canonical, "uri": ORGANISATION_IRI + number, "name": row.name, "names": row.names,
                 "type": row.type, "n": number, "at": row.updated_at})
            ids.add(canonical)
        conn.execute(sa.text("UPDATE publisher SET merged_into = :to WHERE id = :id"), {"to": canonical, "id": row.id})
        conn.execute(sa.text("UPDATE dataset SET publisher_id = :to WHERE publisher_id = :id"),
                     {"to": canonical, "id": row.id})
        conn.execute(sa.text("UPDATE dataset_facet SET value = :to WHERE facet = 'publisher' AND value = :id"),
                     {"to": canonical, "id": row.id})
        moved += 1
    if moved:
        # a search index cached by a running server is built again from the new rows
        conn.execute(sa.text("UPDATE catalog_state SET value = CAST(CAST(value AS INTEGER) + 1 AS VARCHAR(2000)) "
                             "WHERE key = 'generation'"))


def downgrade() -> None:
    # datasets stay under the number's id: it is a publisher row like any other without these columns
    op.drop_table("organisation_publisher")
    with op.batch_alter_table("publisher", schema=None) as batch_op:
        batch_op.drop_index("ix_publisher_merged_into")
        batch_op.drop_index("ix_publisher_org_number")
        batch_op.drop_column("merged_into")
        batch_op.drop_column("org_number")
