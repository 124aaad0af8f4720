"""Parsing RDF with Oxigraph into a subject -> predicate -> objects index, refusing what is unsafe.

pyoxigraph reads Turtle, N-Triples, RDF/XML and JSON-LD about 30x faster than rdflib's own parsers
(docs/decisions/0001-parser-and-normalised-form.md has the figures). The syntax of a document is
taken from its Content-Type when that names one, else sniffed from its first bytes. HTML and XML
entity declarations are refused before parsing, and a syntax error names where the parser stopped.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from dataclasses import dataclass, field

import pyoxigraph as ox

from catalog.errors import ParseError
from catalog.rdf import syntaxes
from catalog.rdf.namespaces import TYPE

Term = ox.NamedNode | ox.BlankNode | ox.Literal


def sniff_format(body: bytes, content_type: str | None = None, url: str | None = None) -> ox.RdfFormat:
    """The RDF syntax of a document: by Content-Type when it names one, else by looking at it."""
    if content_type:
        declared = syntaxes.by_media_type(content_type)
        # text/plain and generic JSON/XML are too vague to trust over the bytes themselves.
        if declared is not None and syntaxes.media_type_of(content_type) not in syntaxes.VAGUE_MEDIA_TYPES:
            return declared.oxigraph
    head = body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    while head.startswith(b"<!--") and b"-->" in head:  # XML comments before the root element
        head = head[head.index(b"-->") + 3 :].lstrip()
    if head.startswith((b"{", b"[")):
        return ox.RdfFormat.JSON_LD
    if head.startswith(b"<?xml") or re.match(rb"<[A-Za-z_][\w.-]*:[A-Za-z_][\w.-]*[\s/>]", head):
        return ox.RdfFormat.RDF_XML
    if head.lower().startswith(_HTML_START):
        raise ParseError("the document is HTML, not RDF")
    if url:
        named = syntaxes.by_name(url.rsplit("?", 1)[0].rsplit(".", 1)[-1])
        if named is not None:
            return named.oxigraph
    if re.search(rb"(^|\n)\s*(@prefix|@base|PREFIX|BASE)\b", head, re.IGNORECASE) or b"[" in head:
        return ox.RdfFormat.TURTLE
    if re.match(rb"(<[^>]+>|_:\S+)\s+<[^>]+>\s+", head):
        return ox.RdfFormat.N_TRIPLES
    return ox.RdfFormat.TURTLE


def key(term: Term) -> str:
    """The index key of a subject: its IRI, or ``_:id`` for a blank node."""
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return term.value


@dataclass(slots=True)
class GraphIndex:
    """Triples indexed as subject -> predicate -> objects, plus the subjects of each rdf:type."""

    spo: dict[str, dict[str, list[Term]]] = field(default_factory=dict)
    types: dict[str, list[str]] = field(default_factory=dict)
    triples: int = 0

    def objects(self, subject: str, predicate: str) -> list[Term]:
        po = self.spo.get(subject)
        if po is None:
            return []
        return po.get(predicate) or []

    def value(self, subject: str, predicate: str) -> Term | None:
        objs = self.objects(subject, predicate)
        return objs[0] if objs else None

    def described(self, subject: str) -> bool:
        return subject in self.spo


def parse(
    body: bytes, *, fmt: ox.RdfFormat | None = None, base_iri: str | None = None,
    content_type: str | None = None,
) -> GraphIndex:
    """Parse an RDF document into a :class:`GraphIndex`; raises ParseError naming the position."""
    if fmt is None:
        fmt = sniff_format(body, content_type, base_iri)
    _refuse_unsafe(body, fmt, content_type)
    index = GraphIndex()
    spo = index.spo
    types = index.types
    count = 0
    try:
        # Remote JSON-LD contexts are never fetched: pyoxigraph has no document loader unless given one.
        for triple in ox.parse(body, format=fmt, base_iri=base_iri, without_named_graphs=False):
            s = triple.subject
            skey = "_:" + s.value if isinstance(s, ox.BlankNode) else s.value
            p = triple.predicate.value
            o = triple.object
            po = spo.get(skey)
            if po is None:
                po = spo[skey] = {}
            objs = po.get(p)
            if objs is None:
                po[p] = [o]
            else:
                objs.append(o)
            if p == TYPE:
                types.setdefault(o.value, []).append(skey)
            count += 1
    except SyntaxError as exc:
        reason = _one_line(str(exc))
        if "LoadDocumentCallback" in reason:
            raise ParseError("the JSON-LD @context refers to a remote document; remote contexts are never "
                             "fetched (publish the context inline)") from exc
        if fmt == ox.RdfFormat.RDF_XML and exc.lineno is None:
            reason += _xml_position(body)
        raise ParseError(f"not valid {fmt.name}: {reason}") from exc
    except (ValueError, OSError) as exc:
        raise ParseError(f"could not read {fmt.name}: {_one_line(str(exc))}") from exc
    index.triples = count
    return index


_HTML_START = (b"<!doctype html", b"<html")
_ENTITY_DECLS = [b"<!ENTITY", "<!ENTITY".encode("utf-16-le"), "<!ENTITY".encode("utf-16-be")]


def _refuse_unsafe(body: bytes, fmt: ox.RdfFormat, content_type: str | None) -> None:
    """Refuse HTML whatever its Content-Type claims, and XML that declares entities.

    Oxigraph's RDF/XML parser expands internal entities, so a few hundred bytes of nested
    declarations ("billion laughs") would take minutes and gigabytes. DCAT never needs them: any
    entity declaration is refused before parsing (issue 4).
    """
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(_HTML_START):
        served = f" (served as {content_type.split(';')[0].strip()})" if content_type else ""
        raise ParseError(f"the document is HTML, not RDF{served}")
    if fmt != ox.RdfFormat.RDF_XML:
        return
    for decl in _ENTITY_DECLS:
        at = body.find(decl)
        if at >= 0:
            line = body.count(b"\n", 0, at) + 1 if decl == b"<!ENTITY" else None
            where = f" at line {line}" if line else ""
            raise ParseError(f"the RDF/XML declares an XML entity{where}: entity declarations are refused "
                             "(they allow entity-expansion bombs)")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _xml_position(body: bytes) -> str:
    """Where an XML parser stops reading a malformed document (Oxigraph's RDF/XML errors name none)."""
    parser = xml.parsers.expat.ParserCreate()
    try:
        parser.Parse(body, True)
    except xml.parsers.expat.ExpatError as exc:
        return f" (line {exc.lineno}, column {exc.offset + 1})"
    return ""
