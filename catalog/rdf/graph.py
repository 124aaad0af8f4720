"""Building RDF with Oxigraph terms: a graph of triples, namespace term factories, serialising, rdflib copies.

Triples are pyoxigraph terms serialised by Oxigraph: a 1,000-dataset catalogue page takes a tenth
of a second instead of the 3.5 s of rdflib's Graph and Turtle serialiser
(docs/decisions/0001-parser-and-normalised-form.md). :func:`to_rdflib` gives an rdflib Graph where
one is wanted (SHACL validation, tests).
"""

from __future__ import annotations

import pyoxigraph as ox
import rdflib

from catalog.rdf import namespaces, syntaxes
from catalog.rdf.namespaces import WRITTEN_PREFIXES


class Namespace:
    """Named nodes of one namespace by attribute or item (``DCAT.Dataset``, ``DCAT["keyword"]``), cached."""

    def __init__(self, base: str) -> None:
        self.base = base
        self._cache: dict[str, ox.NamedNode] = {}

    def __getattr__(self, name: str) -> ox.NamedNode:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]

    def __getitem__(self, name: str) -> ox.NamedNode:
        node = self._cache.get(name)
        if node is None:
            node = self._cache[name] = ox.NamedNode(self.base + name)
        return node


DCAT = Namespace(namespaces.DCAT)
DCTERMS = Namespace(namespaces.DCT)
FOAF = Namespace(namespaces.FOAF)
VCARD = Namespace(namespaces.VCARD)
HYDRA = Namespace(namespaces.HYDRA)
XSD = Namespace(namespaces.XSD)
RDF = Namespace(namespaces.RDF)
SKOS = Namespace(namespaces.SKOS)
RDFS = Namespace(namespaces.RDFS)

URIRef = ox.NamedNode
Subject = ox.NamedNode | ox.BlankNode


def Literal(value: object, lang: str | None = None, datatype: ox.NamedNode | None = None) -> ox.Literal:  # noqa: N802
    """rdflib's Literal spelling, building an Oxigraph literal."""
    if lang:
        return ox.Literal(str(value), language=lang)
    if datatype is not None:
        return ox.Literal(str(value), datatype=datatype)
    return ox.Literal(str(value))


class Graph:
    """A list of triples with rdflib's ``add`` spelling; serialised by Oxigraph."""

    def __init__(self) -> None:
        self._triples: dict[ox.Triple, None] = {}
        # IRIs of referenced resources already typed and labelled: shared ones are described once
        self.described: set[tuple[str, str]] = set()

    def add(self, triple: tuple[Subject, ox.NamedNode, Subject | ox.Literal]) -> None:
        self._triples[ox.Triple(*triple)] = None

    @property
    def triples(self) -> list[ox.Triple]:
        return list(self._triples)

    def __len__(self) -> int:
        return len(self._triples)


def new_graph() -> Graph:
    return Graph()


def serialize(g: Graph, mime: str) -> bytes:
    """The graph in one of the served syntaxes (by media type), with the written prefixes declared."""
    syntax = syntaxes.by_media_type(mime)
    if syntax is None or not syntax.written or syntax.media_type != mime:
        raise KeyError(mime)
    fmt = syntax.oxigraph
    prefixes = WRITTEN_PREFIXES if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML, ox.RdfFormat.JSON_LD) else None
    out = ox.serialize(g.triples, format=fmt, prefixes=prefixes)
    assert out is not None
    return out


def to_rdflib_term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> rdflib.term.Node:
    """An Oxigraph term as the equal rdflib term."""
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def to_rdflib(g: Graph) -> rdflib.Graph:
    """The triples as an rdflib Graph (for SHACL validation and graph comparisons)."""
    out = rdflib.Graph()
    for prefix, ns in WRITTEN_PREFIXES.items():
        out.bind(prefix, ns)
    for t in g.triples:
        out.add((to_rdflib_term(t.subject), to_rdflib_term(t.predicate), to_rdflib_term(t.object)))  # type: ignore[arg-type]
    return out
