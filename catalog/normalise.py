"""Normalisers shared by every adapter and output: dates, times, e-mail addresses, URLs."""

from __future__ import annotations

from datetime import datetime


def iso(value: datetime | None, *, naive: bool = False) -> str | None:
    """ISO 8601 text of a stored time (``naive``: without the offset, as CKAN writes UTC times)."""
    if value is None:
        return None
    return (value.replace(tzinfo=None) if naive else value).isoformat()
