"""SQLModel tables. The schema itself is owned by Alembic (migrations/), which targets this metadata.

JSON-valued columns (``record``, ``violations``, ``state``) are stored as text written with orjson:
bulk upserts of thousands of rows serialise faster that way than through SQLAlchemy's JSON type.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Source(SQLModel, table=True):
    """A registered source: where to fetch, with which adapter, how often.

    A name is unique among the sources that are not deleted (a partial unique index made by the
    migration ``0009_source_lifecycle``): deleting a source releases its name, while its row stays
    for the history that names it."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, max_length=100)
    kind: str = Field(max_length=20)
    url: str = Field(max_length=2000)
    mapping: str | None = Field(default=None, max_length=500)
    # the uploaded mapping profile in use (source_mapping.version); it wins over ``mapping``
    mapping_version: int | None = Field(default=None)
    schedule: str | None = Field(default=None, max_length=100)
    organisation_id: int | None = Field(default=None, index=True)
    deleted: bool = Field(default=False)
    # adapter state carried between runs: page fingerprints, validators for conditional GET
    state: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Publisher(SQLModel, table=True):
    """An organisation that publishes datasets; shared across sources by its stable id.

    A publisher merged into another (catalog/services/publishers_identity.py) stays as an alias:
    ``merged_into`` names the one it is part of, its id keeps resolving there, and what sources
    publish under it is stored under that one."""

    id: str = Field(primary_key=True, max_length=64)
    uri: str | None = Field(default=None, max_length=2000)
    name: str = Field(default="", max_length=500)
    names: str | None = Field(default=None, sa_column=Column(Text))
    type: str | None = Field(default=None, max_length=500)
    # the Swedish organisation number its IRI carries (10 digits), when it carries one
    org_number: str | None = Field(default=None, index=True, max_length=10)
    merged_into: str | None = Field(default=None, index=True, max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)


class Dataset(SQLModel, table=True):
    """One dataset or data service. ``record`` holds the normalised DCAT-AP-SE record as JSON."""

    __table_args__ = (Index("ix_dataset_source_status", "source_id", "status"),)

    pk: int | None = Field(default=None, primary_key=True)
    id: str = Field(unique=True, index=True, max_length=64)
    uri: str | None = Field(default=None, max_length=2000)
    kind: str = Field(default="dataset", max_length=20)
    source_id: int = Field(index=True)
    publisher_id: str | None = Field(default=None, index=True, max_length=64)
    title: str = Field(default="", max_length=2000)
    title_sort: str = Field(default="", index=True, max_length=200)
    status: str = Field(default="active", index=True, max_length=20)
    content_hash: str = Field(max_length=64)
    record: str = Field(sa_column=Column(Text, nullable=False))
    violations: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))
    valid: bool = Field(default=True)
    quality_score: float = Field(default=0.0)
    issued: str | None = Field(default=None, max_length=40)
    modified: str | None = Field(default=None, index=True, max_length=40)
    first_seen_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow, index=True)
    withdrawn_at: datetime | None = Field(default=None)
    job_id: int | None = Field(default=None)


class Distribution(SQLModel, table=True):
    """A distribution of a dataset, with an id that survives re-harvests."""

    id: str = Field(primary_key=True, max_length=64)
    dataset_pk: int = Field(index=True)
    uri: str | None = Field(default=None, max_length=2000)
    format: str | None = Field(default=None, max_length=100)
    license: str | None = Field(default=None, max_length=2000)
    access_url: str | None = Field(default=None, max_length=4000)
    download_url: str | None = Field(default=None, max_length=4000)
    position: int = Field(default=0)


class DatasetFacet(SQLModel, table=True):
    """One facet value of a dataset (publisher, theme, format, license, keyword, source)."""

    __tablename__ = "dataset_facet"
    __table_args__ = (Index("ix_dataset_facet_value", "facet", "value"),)

    id: int | None = Field(default=None, primary_key=True)
    dataset_pk: int = Field(index=True)
    facet: str = Field(max_length=20)
    value: str = Field(max_length=500)


class Revision(SQLModel, table=True):
    """Every stored change of a dataset: when, in which job, its new content hash, and the record it
    replaced (``previous``; the current record is the dataset row's), so every earlier state of a
    dataset can be shown without storing each record twice."""

    id: int | None = Field(default=None, primary_key=True)
    dataset_id: str = Field(index=True, max_length=64)
    job_id: int | None = Field(default=None, index=True)
    change: str = Field(max_length=20)
    content_hash: str = Field(max_length=64)
    previous: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow, index=True)
    # a takeover: the source that held the dataset before this change (catalog/store/runs.py)
    from_source_id: int | None = Field(default=None)


class HarvestJob(SQLModel, table=True):
    """One run of one source, with its counts and outcome."""

    __tablename__ = "harvest_job"

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(index=True)
    status: str = Field(default="queued", max_length=20)
    trigger: str = Field(default="manual", max_length=20)
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    pages: int = 0
    seen: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    held: int = 0
    invalid: int = 0
    failed: int = 0
    message: str | None = Field(default=None, sa_column=Column(Text))
    # which process runs the job (host:pid) and when it last said it was alive (harvester/jobs.py)
    worker: str | None = Field(default=None, max_length=200)
    heartbeat_at: datetime | None = None
    # a held run's withdrawals: "confirmed" or "rejected", by whom and when (catalog/services/held.py)
    decision: str | None = Field(default=None, max_length=20)
    decided_by: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = None
    # when this job's per-record report (its job_record rows) was removed, its counts kept: only a
    # source's newest JOB_REPORTS_KEPT finished jobs keep theirs (catalog/services/jobs.py)
    records_pruned_at: datetime | None = None


class JobRecord(SQLModel, table=True):
    """A per-record result of a job: a change (added, updated, withdrawn) or a problem."""

    __tablename__ = "job_record"

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(index=True)
    dataset_id: str | None = Field(default=None, max_length=64)
    ref: str | None = Field(default=None, max_length=2000)
    outcome: str = Field(max_length=20)
    rule: str | None = Field(default=None, max_length=200)
    severity: str | None = Field(default=None, max_length=20)
    message: str | None = Field(default=None, sa_column=Column(Text))


class SourceMapping(SQLModel, table=True):
    """One uploaded version of a source's mapping profile (TOML text): every upload is kept, the
    source's ``mapping_version`` names the one in use (catalog/services/mappings.py)."""

    __tablename__ = "source_mapping"
    __table_args__ = (Index("ux_source_mapping_version", "source_id", "version", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    source_id: int
    version: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    digest: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    actor: str = Field(max_length=200)


class DatasetClaim(SQLModel, table=True):
    """A dataset a source lists but another source keeps (the one that listed it first), as of the
    lister's last run: the keeper's reports name the lister, and the lister takes the dataset over
    once the keeper withdraws it or is deleted (catalog/store/runs.py)."""

    __tablename__ = "dataset_claim"

    source_id: int = Field(primary_key=True)
    dataset_id: str = Field(primary_key=True, index=True, max_length=64)
    job_id: int | None = Field(default=None)
    listed_at: datetime = Field(default_factory=utcnow)


class CatalogState(SQLModel, table=True):
    """Small key/value facts about the catalogue (its change generation, for search caches)."""

    __tablename__ = "catalog_state"
    __table_args__ = (UniqueConstraint("key"),)

    key: str = Field(primary_key=True, max_length=100)
    value: str = Field(default="", max_length=2000)


# The Core tables, for bulk statements and typed column access (``DS.c.status``) in services.
DS = Dataset.__table__  # type: ignore[attr-defined]
DIST = Distribution.__table__  # type: ignore[attr-defined]
FACET = DatasetFacet.__table__  # type: ignore[attr-defined]
PUB = Publisher.__table__  # type: ignore[attr-defined]
REV = Revision.__table__  # type: ignore[attr-defined]
SRC = Source.__table__  # type: ignore[attr-defined]
JOB = HarvestJob.__table__  # type: ignore[attr-defined]
JOBREC = JobRecord.__table__  # type: ignore[attr-defined]
STATE = CatalogState.__table__  # type: ignore[attr-defined]
CLAIM = DatasetClaim.__table__  # type: ignore[attr-defined]
MAPPING = SourceMapping.__table__  # type: ignore[attr-defined]



class DatasetList(SQLModel, table=True):
    """A curated list. Only a hash of its edit token is stored (the token is shown once)."""

    __tablename__ = "dataset_list"

    id: str = Field(primary_key=True, max_length=32)
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    token_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class DatasetListItem(SQLModel, table=True):
    """One dataset of a list, by its stable id (so a withdrawn or re-harvested dataset stays listed)."""

    __tablename__ = "dataset_list_item"
    __table_args__ = (Index("ix_dataset_list_item_list", "list_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    list_id: str = Field(max_length=32)
    position: int = Field(default=0)
    dataset_id: str = Field(max_length=64)



class Organisation(SQLModel, table=True):
    """An agency or municipality that registers and runs its own sources."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class OrganisationPublisher(SQLModel, table=True):
    """An organisation account and a publisher it is: what that publisher publishes, from whichever
    source, counts as the organisation's (its quality report covers it)."""

    __tablename__ = "organisation_publisher"

    organisation_id: int = Field(primary_key=True)
    publisher_id: str = Field(primary_key=True, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


ORGPUB = OrganisationPublisher.__table__  # type: ignore[attr-defined]


class ApiToken(SQLModel, table=True):
    """An organisation's API token: its hash (never the token) and a prefix for listing."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(index=True)
    prefix: str = Field(index=True, unique=True, max_length=20)
    token_hash: str = Field(index=True, unique=True, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = Field(default=None)
    revoked_at: datetime | None = Field(default=None)


class AuditLog(SQLModel, table=True):
    """One write: who did it, what, when, to what, and the details (JSON)."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=200)
    organisation_id: int | None = Field(default=None, index=True)
    action: str = Field(index=True, max_length=50)
    target: str | None = Field(default=None, max_length=200)
    details: str | None = Field(default=None, sa_column=Column(Text))


class ConsoleSession(SQLModel, table=True):
    """A signed-in console browser: the SHA-256 of its session id (never the id, never the API token),
    the token it signed in with (revoking that token ends the session) and when it expires."""

    __tablename__ = "console_session"

    id: str = Field(primary_key=True, max_length=64)
    organisation_id: int
    token_id: int = Field(index=True)
    actor: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)
