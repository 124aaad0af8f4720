"""Stable ids for datasets, distributions and publishers, derived from what the source says.

Ids never depend on row order or harvest time, so links survive re-harvests (docs/architecture.md,
"Rules that protect data").
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from catalog.records import Agent, DatasetRecord, Distribution, display_text


def _digest(*parts: str, size: int = 8) -> str:
    h = hashlib.blake2b(digest_size=size)
    for part in parts:
        h.update(part.encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()


def slug(text: str, limit: int = 40) -> str:
    """A lower-case ASCII slug ("Överförmyndarnämnden i Lund" -> "overformyndarnamnden-i-lund")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].strip("-")


# Swedish alphabetical order: ... x, y, z, å, ä, ö (æ and ø sort with ä and ö, ü with y)
# ("{", "|" and "}" are the ASCII characters right after "z")
_SWEDISH = str.maketrans({"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}", "ü": "y"})


def swedish_sort_key(text: str) -> str:
    """A key that sorts titles the Swedish way; other accents sort with their base letter."""
    folded = text.casefold().translate(_SWEDISH)
    return "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))


def dataset_id(rec: DatasetRecord, source_name: str) -> str:
    """From the dataset's URI; lacking one, from the source and dct:identifier (or the title)."""
    if rec.uri:
        return _digest("uri", rec.uri)
    if rec.identifier:
        return _digest("ident", source_name, rec.identifier)
    pub = display_text(rec.publisher.name) if rec.publisher else ""
    return _digest("title", source_name, display_text(rec.title) or "", pub or "")


def distribution_id(dist: Distribution, dataset_id: str, position: int) -> str:
    """From the distribution's URI, else the dataset id plus its access/download URL."""
    if dist.uri:
        return _digest("dist", dist.uri)
    url = (dist.download_urls or dist.access_urls or [""])[0]
    if url:
        return _digest("dist", dataset_id, url)
    return _digest("dist", dataset_id, str(position))


def publisher_id(agent: Agent) -> str:
    """Stable and readable: from the URI (its last segment plus a short hash), else from the name."""
    name = display_text(agent.name) or ""
    if agent.uri:
        base = slug(re.split(r"[/#]", agent.uri.rstrip("/#"))[-1], 30)
        digest = _digest("pub", agent.uri, size=3)
        return f"{base}-{digest}" if base else _digest("pub", agent.uri)
    key = name.strip().lower()
    return f"{slug(name) or 'utgivare'}-{_digest('pubname', key, size=3)}"
