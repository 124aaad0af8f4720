"""Validate a DCAT catalogue without storing it: the document itself, or one fetched by URL."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from api.deps import SettingsDep
from api.schemas import ValidationReport, problems
from catalog.errors import InvalidInput
from catalog.quality.checks import validate_document
from harvester.validation import validate_url

router = APIRouter(prefix="/api", tags=["quality"])


def _url_request(body: bytes, content_type: str) -> str | None:
    """The URL of a ``{"url": ...}`` body; None for an RDF document (JSON-LD included)."""
    if not content_type.startswith("application/json") or not body.lstrip().startswith(b"{"):
        return None
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"body: not JSON: {exc}") from exc
    if not isinstance(data, dict) or "url" not in data or "@context" in data or "@graph" in data:
        return None
    url = data["url"]
    if not isinstance(url, str) or not url.strip():
        raise InvalidInput("url: give the catalogue's http(s) address")
    return url.strip()


@router.post("/validate", response_model=ValidationReport, response_model_exclude_unset=True,
             responses=problems(413, 422, 502, 504), openapi_extra={"requestBody": {"content": {
    "text/turtle": {}, "application/rdf+xml": {}, "application/ld+json": {}, "application/n-triples": {},
    "application/json": {"example": {"url": "https://example.se/catalog.rdf"}}}}})
async def validate(request: Request, settings: SettingsDep) -> dict[str, Any]:
    """Check a DCAT-AP-SE catalogue (body: the RDF document, syntax by Content-Type; or JSON
    ``{"url": ...}``) against the mandatory properties and the DCAT-AP 3.0.1 SHACL shapes. Nothing is
    stored. The report groups problems by rule, with Swedish and English messages."""
    limit = settings.fetch_max_bytes
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise InvalidInput(f"body: over the {limit:,}-byte limit")
        chunks.append(chunk)
    body = b"".join(chunks)
    if not body.strip():
        raise InvalidInput("body: send an RDF document or {\"url\": ...}")
    content_type = (request.headers.get("content-type") or "").lower()
    url = _url_request(body, content_type)
    # pyshacl is CPU-bound: keep it off the event loop
    if url is not None:
        return await run_in_threadpool(validate_url, settings, url)
    return await run_in_threadpool(validate_document, body, content_type=content_type or None)
