"""The database: the *store* step of the flow and the start of *index*. Engines for SQLite and
PostgreSQL, the SQLModel tables, the Alembic migrations (one line of revisions, shipped in the wheel),
and the :class:`~catalog.store.runs.RunWriter` that stores one source run all or nothing (staged batch by
batch, applied in one short final transaction, catalog/store/staging.py), with its revisions,
withdrawals, facet rows and full-text rows (docs/architecture.md).
"""
