"""Settings: one pydantic-settings object, built by :func:`get_settings` and passed in."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting, read from ``DATAKATALOG_*`` environment variables (or a ``.env`` file)."""

    model_config = SettingsConfigDict(env_prefix="DATAKATALOG_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///datakatalog.db",
        description="SQLAlchemy URL of the catalogue database (SQLite file or PostgreSQL).",
    )
    database_read_url: str | None = Field(
        default=None,
        description="serve: a read-only PostgreSQL URL (e.g. a streaming replica) that searches, dataset "
        "and publisher pages, DCAT and CKAN output, exports and the change feed read from; everything that writes "
        "(tokens, sessions, audit, jobs, the scheduler) uses DATABASE_URL. None: DATABASE_URL for all.",
    )
    db_busy_timeout: float = Field(
        default=5.0, gt=0,
        description="SQLite: seconds a request or command waits for another writer's lock before the API "
        "answers 503 with Retry-After (a harvest's final swap waits up to 60 s).",
    )
    base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Public base URL; minted IRIs and catalogue links are made under it.",
    )
    allow_private_sources: bool = Field(
        default=False,
        description="Allow sources on loopback and private networks (the demo and tests turn it on).",
    )
    admin_token: str | None = Field(default=None, description="A bootstrap administrator's token.")
    metrics_token: str | None = Field(
        default=None,
        description="Bearer token GET /metrics asks for; none: /metrics answers only clients on loopback.",
    )
    worker_metrics_address: str | None = Field(
        default=None, pattern=r"^.*:[0-9]{1,5}$",
        description="host:port where `datakatalog worker` serves GET /metrics (none: it serves none).",
    )
    log_format: Literal["text", "json"] = Field(
        default="text", description="Log lines as text, or json: one JSON object a line with job and request ids.",
    )
    withdraw_threshold: float = Field(
        default=0.5,
        description="A run that would withdraw more than this share of a source's datasets holds them.",
    )
    fetch_timeout: float = Field(default=30.0, description="Connect and read timeout per request (s).")
    fetch_max_bytes: int = Field(default=200 * 1024 * 1024, description="Maximum response body size.")
    fetch_deadline: float = Field(
        default=120.0, description="Total time one response (every redirect hop and the whole body) may take (s).")
    fetch_max_redirects: int = Field(default=5, description="Most redirects followed for one request.")
    fetch_retries: int = Field(
        default=2, description="Retries after a connection error, 429 or 5xx (each waits longer).")
    fetch_backoff: float = Field(default=1.0, description="First wait before a retry (s); doubles each retry.")
    fetch_retry_after_max: float = Field(
        default=60.0, description="Longest wait honoured from a Retry-After header or the backoff (s).")
    fetch_max_pages: int = Field(default=10_000, description="Maximum pages followed in one run.")
    catalog_page_size: int = Field(default=1000, description="Datasets per page of /catalog.* output.")
    # The catalogue's own publisher (DCAT-AP-SE: dct:publisher on the catalogue, a foaf:Agent with a name
    # and an ADMS publisher type); set them to the organisation that runs this catalogue
    catalog_publisher_name_sv: str = Field(
        default="datakatalog", min_length=1, description="The catalogue publisher's name in Swedish (foaf:name).")
    catalog_publisher_name_en: str | None = Field(
        default=None, description="The catalogue publisher's name in English (foaf:name; none: only Swedish).")
    catalog_publisher_type: str = Field(
        default="http://purl.org/adms/publishertype/NationalAuthority",
        description="The catalogue publisher's type: an ADMS publisher type IRI (http://purl.org/adms/publishertype/…).",
    )
    catalog_publisher_uri: str | None = Field(
        default=None, description="The catalogue publisher's IRI (default: BASE_URL/id/publisher/datakatalog).")
    catalog_publisher_email: str | None = Field(
        default=None, description="The catalogue publisher's contact e-mail address (foaf:mbox).")
    catalog_publisher_homepage: str | None = Field(
        default=None, description="The catalogue publisher's web site (foaf:homepage).")
    user_agent: str = Field(
        default="datakatalog/0.1 (+https://github.com/datakatalog)",
        description="User-Agent sent with every harvest request.",
    )
    shacl_after_harvest: bool = Field(
        default=True,
        description="serve: SHACL-validate what a scheduled or API-triggered run changed, right after it.",
    )
    harvest_workers: int = Field(
        default=2, ge=1,
        description="Harvests one serve or worker process runs at once; more wait queued (SQLite: 1).",
    )
    harvest_parse_processes: int | None = Field(
        default=None, ge=0,
        description="Worker processes reading a DCAT source's large pages after its first (0: none); unset: two "
                    "while a core is free (load average under the cores less one half), else none.",
    )
    host_concurrency: int = Field(
        default=2, ge=1,
        description="PostgreSQL: most harvests of sources on one host that run at once, across all workers.",
    )
    worker_poll_interval: float = Field(
        default=1.0, gt=0,
        description="PostgreSQL: seconds between a harvesting process's looks for queued jobs it can claim.",
    )
    schedule_timezone: str = Field(
        default="Europe/Stockholm", description="Time zone in which cron schedules of sources are read."
    )
    scheduler_sync_interval: float = Field(
        default=5.0, gt=0,
        description="Seconds between re-reads of source schedules and attempts to become the leading scheduler.",
    )
    job_heartbeat_interval: float = Field(
        default=10.0, gt=0, description="Seconds between heartbeats of a queued or running harvest job."
    )
    job_dead_after: float = Field(
        default=120.0, gt=0,
        description="A live job without a heartbeat for this many seconds is failed as 'worker died'.",
    )
    job_reports_kept: int = Field(
        default=10, ge=0,
        description="How many of a source's newest finished jobs keep their per-record report (each change "
        "and problem); older jobs keep their counts. 0 keeps every report.",
    )

    @field_validator("database_read_url")
    @classmethod
    def _read_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("postgresql:", "postgresql+", "postgres:")):
            raise ValueError("DATABASE_READ_URL is for PostgreSQL (a streaming replica); on SQLite one process "
                             "reads and writes its file: leave it unset")
        return value or None

    @field_validator("catalog_publisher_type")
    @classmethod
    def _publisher_type(cls, value: str) -> str:
        from catalog.publisher_types import IRIS, NS

        if value not in IRIS:
            known = ", ".join(sorted(iri.removeprefix(NS) for iri in IRIS))
            raise ValueError(f"not an ADMS publisher type: {value!r}; use {NS}… with one of {known}")
        return value


@lru_cache
def get_settings() -> Settings:
    """The settings of this process, read from the environment once."""
    return Settings()
