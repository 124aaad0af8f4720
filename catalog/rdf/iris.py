"""Which text may be written as an IRI: the one check the DCAT writer uses (issue 14).

A value becomes an IRI in our output only when it is (1) a syntactically valid absolute IRI by RFC
3987, as Oxigraph's IRI parser (oxiri, the one that already parses every harvested document) checks
it, and (2) of a scheme that names something on the web or a registered identifier space: the IANA
registered schemes that occur in catalogue metadata. Oxigraph alone accepts any ``letters:rest``,
so ``internalURI:contactPoint0`` (an export tool's internal name that some sources publish) or
``Kontakt:Anna`` would pass as IRIs; a consumer can do nothing with them, and dataportal.se's rules
ask for absolute, resolvable IRIs. Such values are kept as literals (or labelled nodes) instead.

Why not a regex of our own or ``rfc3987-syntax``: the parser that reads documents is the right
judge of what an IRI is, and it adds no dependency; the scheme list is the only policy here.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pyoxigraph as ox

# IANA-registered URI schemes (permanent, and ``doi``/``did`` which catalogues use as identifiers)
# that address or identify something a harvester can use. Anything else is text.
SCHEMES = frozenset({
    "http", "https", "ftp", "ftps", "sftp", "mailto", "tel", "urn", "doi", "did", "info", "tag",
    "data", "geo", "ldap", "ldaps", "ws", "wss", "sip", "sips", "fax", "news", "nntp", "file",
    "s3", "gs", "ark",
})
# characters that are never part of an IRI (RFC 3987 excludes them; Oxigraph refuses most of them)
_FORBIDDEN = re.compile(r'[\s<>"{}|\\^`]')
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
# schemes that need an authority (``//host``): ``http:foo`` is a relative-looking slip, not a web address
_HIERARCHICAL = frozenset({"http", "https", "ftp", "ftps", "sftp", "ws", "wss", "ldap", "ldaps", "s3", "gs"})


@lru_cache(maxsize=65536)
def as_iri(value: str | None) -> str | None:
    """``value`` (trimmed) when it may be written as an IRI, else None."""
    if not value:
        return None
    text = value.strip()
    m = _SCHEME.match(text)
    if m is None or _FORBIDDEN.search(text):
        return None
    scheme = m.group(1).lower()
    if scheme not in SCHEMES:
        return None
    if scheme in _HIERARCHICAL and not text[len(scheme) + 1:].startswith("//"):
        return None
    try:
        ox.NamedNode(text)
    except ValueError:
        return None
    return text


def is_iri(value: str | None) -> bool:
    """True when :func:`as_iri` accepts ``value``."""
    return as_iri(value) is not None
