"""type and access facets for the datasets already stored

Harvests from this revision on store a ``type`` (dataset / dataservice) and an ``access`` (open,
restricted, non-public …) facet value with every dataset. This fills them in for the datasets stored
before, so searches filter and count them without a re-harvest.

The access rule is written out here rather than imported: a migration must keep meaning what it
meant when it was written, whatever catalog.store later becomes.

Revision ID: 0006_type_access_facets
Revises: 0005_merge
"""

from __future__ import annotations

import orjson
import sqlalchemy as sa
from alembic import op

revision = "0006_type_access_facets"
down_revision = "0005_merge"
branch_labels = None
depends_on = None

BATCH = 1000
NAMESPACE = "publications.europa.eu/resource/authority/access-right/"
# the EU access-right codes, and the facet values the three common ones read as
CODES = {"CONFIDENTIAL", "NON_PUBLIC", "NORMAL", "OP_DATPRO", "PUBLIC", "RESTRICTED", "SENSITIVE"}
VALUES = {"PUBLIC": "open", "RESTRICTED": "restricted", "NON_PUBLIC": "non-public"}


def access_value(access_rights: object) -> str | None:
    if not isinstance(access_rights, str):
        return None
    value = access_rights.strip()
    code = value.upper()  # a bare code, in any case
    for scheme in ("http://", "https://"):
        if value.startswith(scheme + NAMESPACE):
            code = value[len(scheme + NAMESPACE):].strip("/")  # an IRI: the code as written
            break
    if code not in CODES:
        return None
    return VALUES.get(code, code.lower())


def upgrade() -> None:
    conn = op.get_bind()
    conn.execute(sa.text("DELETE FROM dataset_facet WHERE facet IN ('type', 'access')"))
    insert = sa.text("INSERT INTO dataset_facet (dataset_pk, facet, value) VALUES (:pk, :facet, :value)")
    last = 0
    while True:
        rows = conn.execute(sa.text("SELECT pk, kind, record FROM dataset WHERE pk > :last ORDER BY pk LIMIT :n"),
                            {"last": last, "n": BATCH}).all()
        if not rows:
            break
        facets = []
        for pk, kind, record in rows:
            facets.append({"pk": pk, "facet": "type", "value": kind or "dataset"})
            access = access_value((orjson.loads(record) or {}).get("access_rights") if record else None)
            if access:
                facets.append({"pk": pk, "facet": "access", "value": access})
        conn.execute(insert, facets)
        last = rows[-1][0]
    # a search index cached by a running server is built again from the new rows
    conn.execute(sa.text("UPDATE catalog_state SET value = CAST(CAST(value AS INTEGER) + 1 AS VARCHAR(2000)) "
                         "WHERE key = 'generation'"))


def downgrade() -> None:
    op.execute("DELETE FROM dataset_facet WHERE facet IN ('type', 'access')")
