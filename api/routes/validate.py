"""Validate a DCAT catalogue without storing it: the document itself, or one fetched by URL."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from api.auth import optional_principal
from api.deps import SettingsDep
from api.schemas import ValidationReport, problems
from catalog.errors import FieldError, Unauthorized
from catalog.services.organisations import Principal
from harvester.errors import SourceTooLarge
from harvester.validation import validate_body, validate_url

router = APIRouter(prefix="/api", tags=["quality"])


def _url_request(body: bytes, content_type: str) -> str | None:
    """The URL of a ``{"url": ...}`` body; None for an RDF document (JSON-LD included)."""
    if not content_type.startswith("application/json") or not body.lstrip().startswith(b"{"):
        return None
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise FieldError("body", f"not JSON: {exc}") from exc
    if not isinstance(data, dict) or "url" not in data or "@context" in data or "@graph" in data:
        return None
    url = data["url"]
    if not isinstance(url, str) or not url.strip():
        raise FieldError("url", "give the catalogue's http(s) address")
    return url.strip()


@router.post("/validate", response_model=ValidationReport, response_model_exclude_unset=True,
             responses=problems(401, 413, 422, 502, 504), openapi_extra={"requestBody": {"content": {
    "text/turtle": {}, "application/rdf+xml": {}, "application/ld+json": {}, "application/n-triples": {},
    "application/json": {"example": {"url": "https://example.se/catalog.rdf"}}}}})
async def validate(request: Request, settings: SettingsDep,
                   caller: Annotated[Principal | None, Depends(optional_principal)]) -> dict[str, Any]:
    """Check a DCAT-AP-SE catalogue (body: the RDF document, syntax by Content-Type; or JSON
    ``{"url": ...}``, which needs an organisation's or the administrator's token, as a preview does:
    it makes the server fetch a URL someone else chose) against the mandatory properties and the
    DCAT-AP 3.0.1 SHACL shapes. Nothing is stored. The report groups problems by rule, with Swedish
    and English messages. A document over ``FETCH_MAX_BYTES``, or too large to parse, is 413."""
    limit = settings.fetch_max_bytes
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise SourceTooLarge(f"body: over the {limit:,}-byte limit")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise SourceTooLarge(f"body: over the {limit:,}-byte limit")
        chunks.append(chunk)
    body = b"".join(chunks)
    if not body.strip():
        raise FieldError("body", "send an RDF document or {\"url\": ...}")
    content_type = (request.headers.get("content-type") or "").lower()
    url = _url_request(body, content_type)
    # pyshacl is CPU-bound: keep it off the event loop
    if url is not None:
        if caller is None:
            raise Unauthorized("validating by URL makes the server fetch it: it needs 'Authorization: Bearer "
                               "<token>' with an organisation's or the administrator's token (send the document "
                               "itself without one)")
        return await run_in_threadpool(validate_url, settings, url)
    return await run_in_threadpool(validate_body, body, content_type=content_type or None)
