"""RDF syntaxes: the one table of media type, file extension, Oxigraph format and rdflib name of each."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox


@dataclass(frozen=True, slots=True)
class Syntax:
    """One RDF syntax, as the web, a file system, Oxigraph and rdflib name it."""

    media_type: str
    extension: str
    oxigraph: ox.RdfFormat
    rdflib: str
    written: bool
    """Served by the API and the exports (the others are only read)."""
    media_aliases: tuple[str, ...] = ()
    """Other media types that name this syntax unambiguously."""
    vague_media_types: tuple[str, ...] = ()
    """Generic media types sent for it, too vague to trust over the document's own bytes."""
    names: tuple[str, ...] = ()
    """Other names and file extensions people use for it."""


SYNTAXES: tuple[Syntax, ...] = (
    Syntax("text/turtle", "ttl", ox.RdfFormat.TURTLE, "turtle", True,
           media_aliases=("application/x-turtle", "application/turtle"), names=("turtle",)),
    Syntax("application/ld+json", "jsonld", ox.RdfFormat.JSON_LD, "json-ld", True,
           vague_media_types=("application/json",), names=("json-ld", "json")),
    Syntax("application/rdf+xml", "rdf", ox.RdfFormat.RDF_XML, "xml", True,
           vague_media_types=("application/xml", "text/xml"), names=("xml", "rdfxml", "rdf/xml")),
    Syntax("application/n-triples", "nt", ox.RdfFormat.N_TRIPLES, "nt", True,
           vague_media_types=("text/plain",), names=("ntriples", "n-triples")),
    Syntax("text/n3", "n3", ox.RdfFormat.N3, "n3", False),
    Syntax("application/trig", "trig", ox.RdfFormat.TRIG, "trig", False),
    Syntax("application/n-quads", "nq", ox.RdfFormat.N_QUADS, "nquads", False),
)

WRITTEN: tuple[Syntax, ...] = tuple(s for s in SYNTAXES if s.written)
"""The syntaxes datakatalog serves, in the order it offers them."""
WRITTEN_MEDIA_TYPES: tuple[str, ...] = tuple(s.media_type for s in WRITTEN)
EXTENSIONS: dict[str, str] = {s.extension: s.media_type for s in WRITTEN}
"""File extension -> media type of each served syntax (``catalog.ttl``)."""
VAGUE_MEDIA_TYPES = frozenset(mime for s in SYNTAXES for mime in s.vague_media_types)

_BY_MEDIA_TYPE = {mime: s for s in SYNTAXES for mime in (s.media_type, *s.media_aliases, *s.vague_media_types)}
_BY_NAME = {name: s for s in SYNTAXES for name in (s.extension, *s.names)}


def media_type_of(content_type: str) -> str:
    """The bare media type of a Content-Type header value (no parameters, lower case)."""
    return content_type.split(";")[0].strip().lower()


def by_media_type(content_type: str | None) -> Syntax | None:
    """The syntax a Content-Type names (parameters and case ignored), or None."""
    if not content_type:
        return None
    return _BY_MEDIA_TYPE.get(media_type_of(content_type))


def by_name(name: str | None) -> Syntax | None:
    """The syntax a file extension or a name (``ttl``, ``turtle``, ``json-ld``) stands for, or None."""
    if not name:
        return None
    return _BY_NAME.get(name.strip().lower())
