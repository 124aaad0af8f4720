"""Validating a published catalogue by its URL without harvesting it (``datakatalog validate URL``,
``POST /api/validate`` with ``{"url": ...}``): fetched within the usual bounds, checked, not stored."""

from __future__ import annotations

from typing import Any

from catalog.quality.checks import validate_document
from catalog.settings import Settings
from harvester.fetch import Fetcher


def validate_url(settings: Settings, url: str, *, run_shacl: bool = True) -> dict[str, Any]:
    """Fetch a catalogue (timeouts, size cap, address rules) and validate it; raises FetchError, ParseError."""
    fetcher = Fetcher(settings, retries=0)
    try:
        resp = fetcher.get(url)
    finally:
        fetcher.close()
    report = validate_document(resp.body, content_type=resp.content_type, base_iri=resp.url, run_shacl=run_shacl)
    return {"source": resp.url, **report}
