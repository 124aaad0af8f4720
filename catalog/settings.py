"""Settings: one pydantic-settings object, built by :func:`get_settings` and passed in."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parent.parent
CONFIG_DIR = PROJECT_DIR / "config"


class Settings(BaseSettings):
    """Every setting, read from ``DATAKATALOG_*`` environment variables (or a ``.env`` file)."""

    model_config = SettingsConfigDict(env_prefix="DATAKATALOG_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///datakatalog.db",
        description="SQLAlchemy URL of the catalogue database (SQLite file or PostgreSQL).",
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
    withdraw_threshold: float = Field(
        default=0.5,
        description="A run that would withdraw more than this share of a source's datasets holds them.",
    )
    fetch_timeout: float = Field(default=30.0, description="Connect and read timeout per request (s).")
    fetch_max_bytes: int = Field(default=200 * 1024 * 1024, description="Maximum response body size.")
    fetch_max_pages: int = Field(default=10_000, description="Maximum pages followed in one run.")
    catalog_page_size: int = Field(default=1000, description="Datasets per page of /catalog.* output.")
    user_agent: str = Field(
        default="datakatalog/0.1 (+https://github.com/datakatalog)",
        description="User-Agent sent with every harvest request.",
    )


@lru_cache
def get_settings() -> Settings:
    """The settings of this process, read from the environment once."""
    return Settings()
