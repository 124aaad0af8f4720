"""Parsing RDF with Oxigraph into a subject -> predicate -> objects index, refusing what is unsafe.

pyoxigraph reads Turtle, N-Triples, RDF/XML and JSON-LD about 30x faster than rdflib's own parsers
(docs/decisions/0001-parser-and-normalised-form.md has the figures). The syntax of a document is
taken from its Content-Type when that names one, else sniffed from its first bytes. HTML and XML
entity declarations are refused before parsing, and a syntax error names where the parser stopped.

One bad value never sinks a document (issue 15): when the strict parse stops at a language tag or
IRI it refuses, the document is read again leniently and each statement holding such a term is
dropped and reported (:class:`DroppedStatement`: line, reason, the dataset it belongs to). An IRI
that only has spaces or other forbidden characters in it (GeoNetwork's ``rdf:about="…/id 2024"``) is
repaired by percent-encoding them, and its statements are kept and reported (issue 14). A document
the lenient reader refuses too (broken syntax, not a bad value) is still refused whole.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from dataclasses import dataclass, field

import pyoxigraph as ox

from catalog.errors import ParseError
from catalog.rdf import syntaxes
from catalog.rdf.namespaces import DCAT, TYPE

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


DROPPED_NOTE = "RDF statement at "


@dataclass(frozen=True, slots=True)
class DroppedStatement:
    """A statement left out because a term in it is invalid; ``owner`` is the index key of the
    dataset or data service it describes (directly or through a distribution, agent …) when known."""

    line: int | None
    reason: str
    subject: str
    owner: str | None
    # the IRI the bad one was read as, when percent-encoding its spaces and forbidden characters
    # repaired it: the statement is then kept, and only reported
    repaired: str | None = None

    def message(self) -> str:
        where = f"line {self.line}" if self.line else "unknown line"
        if self.repaired:
            return f"{DROPPED_NOTE}{where} kept with a repaired IRI ({self.reason}, read as <{self.repaired}>)"
        return f"{DROPPED_NOTE}{where} dropped ({self.reason}); subject <{self.subject}>"


@dataclass(slots=True)
class GraphIndex:
    """Triples indexed as subject -> predicate -> objects, plus the subjects of each rdf:type."""

    spo: dict[str, dict[str, list[Term]]] = field(default_factory=dict)
    types: dict[str, list[str]] = field(default_factory=dict)
    triples: int = 0
    dropped: list[DroppedStatement] = field(default_factory=list)

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
    """Parse an RDF document into a :class:`GraphIndex`; raises ParseError naming the position.

    Statements with an invalid language tag or IRI are dropped and listed in ``dropped``."""
    if fmt is None:
        fmt = sniff_format(body, content_type, base_iri)
    _refuse_unsafe(body, fmt, content_type)
    try:
        return _read(body, fmt, base_iri, lenient=False)
    except SyntaxError as exc:
        strict_error = exc
    except (ValueError, OSError) as exc:
        raise ParseError(f"could not read {fmt.name}: {_one_line(str(exc))}") from exc
    reason = _one_line(str(strict_error))
    if "LoadDocumentCallback" in reason:
        raise ParseError("the JSON-LD @context refers to a remote document; remote contexts are never "
                         "fetched (publish the context inline)") from strict_error
    try:
        # the lenient reader accepts bad terms silently: _read checks each one itself
        index = _read(body, fmt, base_iri, lenient=True)
    except (SyntaxError, ValueError, OSError):
        if fmt == ox.RdfFormat.RDF_XML and strict_error.lineno is None:
            reason += _xml_position(body)
        raise ParseError(f"not valid {fmt.name}: {reason}") from strict_error
    if not index.dropped:
        # the strict reader refused something the term checks let through: still report it
        line = strict_error.lineno if isinstance(strict_error.lineno, int) else None
        index.dropped.append(DroppedStatement(line, reason, "", None))
    else:
        _locate(index, body)
    return index


def _read(body: bytes, fmt: ox.RdfFormat, base_iri: str | None, *, lenient: bool) -> GraphIndex:
    index = GraphIndex()
    spo = index.spo
    types = index.types
    count = 0
    # Remote JSON-LD contexts are never fetched: pyoxigraph has no document loader unless given one.
    for triple in ox.parse(body, format=fmt, base_iri=base_iri, without_named_graphs=False, lenient=lenient):
        s = triple.subject
        skey = "_:" + s.value if isinstance(s, ox.BlankNode) else s.value
        p = triple.predicate.value
        o = triple.object
        if lenient:
            bad = _bad_term(s, triple.predicate, o)
            if bad is not None:
                fixed = _repaired(s, triple.predicate, o)
                if fixed is None:
                    index.dropped.append(DroppedStatement(None, bad, skey, None))
                    continue
                s, o, iri = fixed
                skey = "_:" + s.value if isinstance(s, ox.BlankNode) else s.value
                index.dropped.append(DroppedStatement(None, bad, skey, None, repaired=iri))
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
    index.triples = count
    return index


# What Oxigraph's strict reader accepts: an absolute IRI without spaces or the characters RFC 3987
# excludes, and a BCP 47 tag of subtags of at most eight letters or digits.
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>\"{}|^`\\\x7f]*")
_LANG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")


def _bad_term(s: object, p: ox.NamedNode, o: object) -> str | None:
    """Why a statement cannot be kept, or None."""
    for term in (s, p, o):
        if isinstance(term, ox.NamedNode) and not _IRI.fullmatch(term.value):
            return f"invalid IRI <{term.value}>"
    if isinstance(o, ox.Literal) and o.language is not None and not _LANG.fullmatch(o.language):
        return f"invalid language tag @{o.language}"
    return None


_FORBIDDEN = re.compile(r"[\x00-\x20<>\"{}|^`\\\x7f]")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def repair_iri(value: str) -> str | None:
    """An IRI with spaces or characters IRIs forbid (GeoNetwork writes ``rdf:about="…/id 2024"``),
    trimmed and with those characters percent-encoded, as a browser would; None when it has no
    scheme or stays invalid."""
    text = value.strip()
    if not _SCHEME.match(text):
        return None
    fixed = _FORBIDDEN.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode("utf-8")), text)
    return fixed if _IRI.fullmatch(fixed) else None


def _repaired(s: Term, p: ox.NamedNode, o: Term) -> tuple[Term, Term, str] | None:
    """The statement with its bad subject or object IRI repaired (:func:`repair_iri`), and the
    repaired IRI; None when a term cannot be repaired, the predicate is bad, or a language tag is."""
    if not _IRI.fullmatch(p.value):
        return None
    if isinstance(o, ox.Literal) and o.language is not None and not _LANG.fullmatch(o.language):
        return None
    iri = ""
    terms: list[Term] = []
    for term in (s, o):
        if isinstance(term, ox.NamedNode) and not _IRI.fullmatch(term.value):
            fixed = repair_iri(term.value)
            if fixed is None:
                return None
            iri = fixed
            terms.append(ox.NamedNode(fixed))
        else:
            terms.append(term)
    return terms[0], terms[1], iri


_OWNER_TYPES = (DCAT + "Dataset", DCAT + "DataService", DCAT + "DatasetSeries")


def _locate(index: GraphIndex, body: bytes) -> None:
    """Give each dropped statement its line (where its bad term first occurs after the previous
    one's) and the dataset it belongs to (walking incoming links up to three steps)."""
    owners = {k for t in _OWNER_TYPES for k in index.types.get(t, ())}
    incoming: dict[str, list[str]] = {}
    for subj, po in index.spo.items():
        for objs in po.values():
            for o in objs:
                if not isinstance(o, ox.Literal):
                    incoming.setdefault(key(o), []).append(subj)
    cursor: dict[bytes, int] = {}
    located = []
    for d in index.dropped:
        token = _token(d.reason)
        line = None
        if token:
            at = body.find(token, cursor.get(token, 0))
            if at < 0:
                at = body.find(token)
            if at >= 0:
                cursor[token] = at + len(token)
                line = body.count(b"\n", 0, at) + 1
        located.append(DroppedStatement(line, d.reason, d.subject, _owner(d.subject, owners, incoming), d.repaired))
    index.dropped = located


def _token(reason: str) -> bytes:
    """The text of the bad term as it stands in the document."""
    if reason.startswith("invalid IRI <"):
        iri = reason[len("invalid IRI <"):-1]
        # a relative IRI was resolved against the base: search for its last segment with the bad character
        bad = re.search(r"[\x00-\x20<>\"{}|^`\\]", iri)
        if bad is None:
            return iri.encode()
        return iri[max(iri.rfind("/", 0, bad.start()), iri.rfind("#", 0, bad.start())) + 1:].encode()
    if reason.startswith("invalid language tag @"):
        return reason[len("invalid language tag @"):].encode()
    return b""


def _owner(subject: str, owners: set[str], incoming: dict[str, list[str]]) -> str | None:
    frontier = [subject]
    seen = set(frontier)
    for _ in range(4):
        nxt = []
        for node in frontier:
            if node in owners:
                return node
            for parent in incoming.get(node, ()):
                if parent not in seen:
                    seen.add(parent)
                    nxt.append(parent)
        frontier = nxt
    return None


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
