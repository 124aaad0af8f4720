"""Validating a catalogue without harvesting it (``datakatalog validate FILE|URL``, ``POST /api/validate``):
a document given, a file read or a URL fetched within the usual bounds, checked, not stored.

Every way in is bounded by ``FETCH_MAX_BYTES``, and a document Oxigraph refuses for its size (one
token over its 16 MiB buffer) is a :class:`~harvester.errors.SourceTooLarge` like one over the
limit: callers get a typed error (413), never a MemoryError.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from catalog.errors import InvalidInput
from catalog.quality.checks import validate_document
from catalog.rdf.syntaxes import EXTENSIONS
from catalog.settings import Settings
from harvester.errors import SourceTooLarge
from harvester.fetch import Fetcher


def validate_body(body: bytes, *, content_type: str | None = None, base_iri: str | None = None,
                  run_shacl: bool = True, name: str = "the document") -> dict[str, Any]:
    """Validate a document; raises ParseError, or SourceTooLarge when it is too large to parse."""
    try:
        return validate_document(body, content_type=content_type, base_iri=base_iri, run_shacl=run_shacl)
    except MemoryError as exc:
        # Oxigraph refuses a token over its buffer ("Reached the buffer maximal size") with a
        # MemoryError, as it does any allocation it cannot make: either way this document is too large
        raise SourceTooLarge(f"{name} is too large to parse: {str(exc) or 'out of memory'}") from exc


def validate_url(settings: Settings, url: str, *, run_shacl: bool = True) -> dict[str, Any]:
    """Fetch a catalogue (timeouts, size cap, address rules) and validate it; raises FetchError, ParseError."""
    fetcher = Fetcher(settings, retries=0)
    try:
        resp = fetcher.get(url)
    finally:
        fetcher.close()
    report = validate_body(resp.body, content_type=resp.content_type, base_iri=resp.url, run_shacl=run_shacl,
                           name=resp.url)
    return {"source": resp.url, **report}


def validate_file(settings: Settings, path: Path, *, content_type: str | None = None,
                  run_shacl: bool = True) -> dict[str, Any]:
    """Read a catalogue file (at most ``FETCH_MAX_BYTES``) and validate it; raises InvalidInput,
    SourceTooLarge, ParseError."""
    limit = settings.fetch_max_bytes
    try:
        if not path.is_file():  # a folder, a pipe or a device: nothing to read, or a read that never ends
            raise InvalidInput(f"no file {str(path)!r}")
        with path.open("rb") as f:
            body = f.read(limit + 1)
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        raise InvalidInput(f"cannot read {str(path)!r}: {getattr(exc, 'strerror', None) or exc}") from exc
    if len(body) > limit:
        raise SourceTooLarge(f"{path}: over the {limit:,}-byte limit (FETCH_MAX_BYTES)")
    mime = content_type or EXTENSIONS.get(path.suffix.lstrip(".").lower())
    report = validate_body(body, content_type=mime, base_iri=path.resolve().as_uri(), run_shacl=run_shacl,
                           name=str(path))
    return {"source": str(path), **report}
