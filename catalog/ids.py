"""Stable ids for datasets, distributions and publishers, derived from what the source says.

Ids never depend on row order or harvest time, so links survive re-harvests (docs/architecture.md,
"Rules that protect data").
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

import orjson

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
    """From the dataset's URI; lacking one, from what tells it apart in its document
    (:func:`assign_local_ids`), else from the source and dct:identifier (or the title)."""
    if rec.uri:
        return _digest("uri", rec.uri)
    if rec.local_id:
        return _digest("local", source_name, rec.local_id)
    return _digest(*natural_key(rec, source_name))


def natural_key(rec: DatasetRecord, source_name: str) -> tuple[str, ...]:
    """What names a dataset without a URI: its source and dct:identifier, else its title and
    publisher's name ("" parts when it has neither)."""
    if rec.identifier:
        return ("ident", source_name, rec.identifier)
    pub = display_text(rec.publisher.name) if rec.publisher else ""
    return ("title", source_name, display_text(rec.title) or "", pub or "")


def assign_local_ids(items: list[tuple[DatasetRecord, str]]) -> None:
    """Make ids of one document's resources without an IRI unique. ``items``: (record, a hash of its
    canonical description, independent of the serialisation and its blank-node labels).

    A record keeps the id its identifier or title gives when no other record of the document shares
    them (so an edited dataset keeps its id); records that share them, or have neither, are told
    apart by their descriptions, and exact copies by their rank among the copies (exact copies are
    interchangeable, so any order gives the same set of ids)."""
    counts: dict[tuple[str, ...], int] = {}
    for rec, _ in items:
        key = natural_key(rec, "")
        counts[key] = counts.get(key, 0) + 1
    copies: dict[str, int] = {}
    for rec, description in items:
        key = natural_key(rec, "")
        if counts[key] == 1 and any(key[2:]):
            continue
        n = copies[description] = copies.get(description, 0) + 1
        rec.local_id = description if n == 1 else f"{description}-{n}"


def distribution_ids(dists: list[Distribution], dataset_id: str) -> list[str]:
    """Ids of a dataset's distributions: from each one's URI, else from the dataset id and its
    access/download URL while no other distribution of the dataset has that URL, else from its
    whole description (plus its rank among exact copies): distributions never merge."""
    natural: list[str | None] = []
    for dist in dists:
        if dist.uri:
            natural.append(_digest("dist", dist.uri))
        else:
            url = (dist.download_urls or dist.access_urls or [""])[0]
            natural.append(_digest("dist", dataset_id, url) if url else None)
    counts: dict[str | None, int] = {}
    for value in natural:
        counts[value] = counts.get(value, 0) + 1
    out: list[str] = []
    copies: dict[str, int] = {}
    for dist, value in zip(dists, natural, strict=True):
        if value is not None and (counts[value] == 1 or dist.uri):
            out.append(value)
            continue
        saved, dist.id = dist.id, None
        description = orjson.dumps(dist, option=orjson.OPT_SORT_KEYS).decode()
        dist.id = saved
        n = copies[description] = copies.get(description, 0) + 1
        out.append(_digest("dist", dataset_id, description, str(n)))
    return out


def distribution_id(dist: Distribution, dataset_id: str, position: int) -> str:
    """From the distribution's URI, else the dataset id plus its access/download URL (one
    distribution alone; :func:`distribution_ids` tells a dataset's distributions apart)."""
    if dist.uri:
        return _digest("dist", dist.uri)
    url = (dist.download_urls or dist.access_urls or [""])[0]
    if url:
        return _digest("dist", dataset_id, url)
    return _digest("dist", dataset_id, str(position))


# -- Swedish organisation numbers ------------------------------------------------------------

# dataportal.se names every organisation by its number: one IRI per organisation, whoever publishes it
ORGANISATION_IRI = "http://dataportal.se/organisation/SE"

# 10 digits as sources write them: 212000-3005, 2120003005, SE2120003005 (dataportal.se),
# SE212000300501 (VAT number), 16212000-3005 (with the century-like "16" some registers add).
# Not glued to other letters or digits, so a longer number or a word never yields one.
_ORG_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:SE)?(?:16)?(\d{6})[- ]?(\d{4})(?:01)?(?![0-9A-Za-z])", re.IGNORECASE)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for pos, char in enumerate(digits):
        n = int(char) * (2 if pos % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _valid_org_number(digits: str) -> bool:
    # a legal entity's third digit is 2 or more (a person's is a month, 0 or 1); the last is a Luhn check digit
    return len(digits) == 10 and digits[2] >= "2" and _luhn_ok(digits)


def org_number(text: str | None) -> str | None:
    """The 10 digits of a Swedish organisation number written in any usual notation (``212000-3005``,
    ``2120003005``, ``SE2120003005``, ``SE212000300501``), or None when ``text`` is not one, or its
    check digit is wrong."""
    match = _ORG_NUMBER.fullmatch((text or "").strip())
    if match is None:
        return None
    digits = match.group(1) + match.group(2)
    return digits if _valid_org_number(digits) else None


def org_number_in(iri: str | None) -> str | None:
    """The organisation number an IRI names (``http://dataportal.se/organisation/SE2120003005``,
    ``https://www.trafiklab.se/organisation/232100-0255``): the first valid one in it, else None."""
    for match in _ORG_NUMBER.finditer(iri or ""):
        digits = match.group(1) + match.group(2)
        if _valid_org_number(digits):
            return digits
    return None


def org_number_text(digits: str) -> str:
    """An organisation number as people write it: ``212000-3005``."""
    return f"{digits[:6]}-{digits[6:]}"


def publisher_key(agent: Agent) -> str | None:
    """What identifies an agent across sources: the dataportal.se IRI of its organisation number when
    its IRI carries one (so every notation of one number is one publisher), else its own IRI."""
    return _key_of(agent.uri)


def _key_of(uri: str | None) -> str | None:
    number = org_number_in(uri)
    return ORGANISATION_IRI + number if number else uri


def publisher_id(agent: Agent) -> str:
    """Stable and readable: from the IRI that identifies the agent (:func:`publisher_key`: its last
    segment plus a short hash), else from the name. An IRI in the dataportal.se form keeps the id it
    always had; every other notation of the same organisation number gets that same id."""
    return _publisher_id(agent.uri, tuple(agent.name.items()))


@lru_cache(maxsize=4096)
def _publisher_id(uri: str | None, names: tuple[tuple[str, str], ...]) -> str:
    """:func:`publisher_id` of an IRI and names (cached: every record of a publisher asks again)."""
    name = display_text(dict(names)) or ""
    key = _key_of(uri)
    if key:
        base = slug(re.split(r"[/#]", key.rstrip("/#"))[-1], 30)
        digest = _digest("pub", key, size=3)
        return f"{base}-{digest}" if base else _digest("pub", key)
    name_key = name.strip().lower()
    return f"{slug(name) or 'utgivare'}-{_digest('pubname', name_key, size=3)}"
