"""Statements as plain data: what a resource says that no typed field of a record holds, kept so
that nothing a source states is lost (issue 14), and canonical descriptions of blank nodes.

A statement is ``[predicate IRI, object]``; an object is one of

- ``{"iri": "…"}`` — a named node,
- ``{"literal": "…"}``, with ``"lang"`` or ``"datatype"`` when the literal has one,
- ``{"node": [statements]}`` — a blank node, described by its own statements, recursively.

Statement lists are sorted canonically (by their JSON), so the same resource gives the same data
whatever the serialisation, blank-node labels or statement order of the document it came from.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

import orjson
import pyoxigraph as ox

from catalog.rdf.graph import Graph
from catalog.rdf.iris import as_iri
from catalog.rdf.parse import GraphIndex, Term, key

Statement = list[Any]  # [predicate, object]
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

# a blank node nested deeper than this is cut off (cycles of blank nodes end here too)
MAX_DEPTH = 12

# what an IRI and a language tag must look like to be written as one (the parser's own checks)
IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>\"{}|^`\\\x7f]*")
LANG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")


def _canonical_key(item: Any) -> bytes:
    return orjson.dumps(item, option=orjson.OPT_SORT_KEYS)


def sort_statements(stmts: list[Statement]) -> list[Statement]:
    """Statements in canonical order (their sorted-key JSON)."""
    if len(stmts) > 1:
        stmts.sort(key=_canonical_key)
    return stmts


def term_data(g: GraphIndex, term: Term, depth: int = 0, path: frozenset[str] = frozenset()) -> dict[str, Any]:
    """One object as plain data; a blank node carries its description."""
    if isinstance(term, ox.NamedNode):
        return {"iri": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"literal": term.value}
        if term.language:
            out["lang"] = term.language.lower()
        elif term.datatype is not None and term.datatype.value not in (XSD_STRING, RDF_LANG_STRING):
            out["datatype"] = term.datatype.value
        return out
    node = key(term)
    if depth >= MAX_DEPTH or node in path:
        return {"node": []}
    return {"node": describe(g, node, depth=depth + 1, path=path | {node})}


def describe(
    g: GraphIndex, subject: str, skip: frozenset[str] = frozenset(), depth: int = 0,
    path: frozenset[str] = frozenset(),
) -> list[Statement]:
    """Every statement of ``subject`` (blank-node objects described recursively) except those whose
    predicate is in ``skip``, in canonical order."""
    po = g.spo.get(subject)
    if not po:
        return []
    out: list[Statement] = []
    for pred, objs in po.items():
        if pred in skip:
            continue
        for obj in objs:
            out.append([pred, term_data(g, obj, depth, path)])
    return sort_statements(out)


def digest(stmts: list[Any], size: int = 8) -> str:
    """A hash of a canonical description."""
    return hashlib.blake2b(_canonical_key(stmts), digest_size=size).hexdigest()


def node_digest(g: GraphIndex, subject: str) -> str:
    """A hash of a resource's canonical description (its own statements, blank nodes recursively):
    the same for the same description in any serialisation."""
    return digest(describe(g, subject, path=frozenset({subject})))


def canonical_order(g: GraphIndex) -> None:
    """Sort the objects of every subject and predicate canonically, in place: IRIs and literals by
    their N-Triples form, blank nodes by their description (never by their labels, which depend on
    the serialisation). A reader that takes the first of several values then takes the same one from
    every serialisation of a document."""
    for po in g.spo.values():
        for objs in po.values():
            if len(objs) > 1:
                if any(type(t) is ox.BlankNode for t in objs):
                    objs.sort(key=lambda t: _canonical_key(term_data(g, t)).decode()
                              if type(t) is ox.BlankNode else "~" + str(t))
                else:
                    objs.sort(key=str)


def checked_iri(value: str) -> str | None:
    """The value when it can be written as an IRI, else None."""
    value = value.strip()
    return value if IRI.fullmatch(value) else None


# -- writing statements back -------------------------------------------------------------------


# DCAT-AP properties whose values are resources (their range is a class): text given for one of them
# is written as a minted resource labelled with the text, as the typed fields' values are, so that our
# output keeps to DCAT-AP's ranges
_D, _T, _F = "http://www.w3.org/ns/dcat#", "http://purl.org/dc/terms/", "http://xmlns.com/foaf/0.1/"
RESOURCE_PREDICATES = frozenset(
    [_D + p for p in ("landingPage", "theme", "contactPoint", "distribution", "accessService", "inSeries",
                      "hasVersion", "qualifiedRelation", "servesDataset", "endpointDescription", "mediaType",
                      "compressFormat", "packageFormat", "hadRole")]
    + [_T + p for p in ("language", "spatial", "temporal", "accessRights", "license", "rights", "conformsTo",
                        "accrualPeriodicity", "publisher", "creator", "relation", "source", "isReferencedBy",
                        "hasVersion", "subject", "provenance", "format", "type")]
    + [_F + "page", _F + "homepage", "http://data.europa.eu/r5r/hvdCategory",
       "http://data.europa.eu/r5r/applicableLegislation", "http://data.europa.eu/r5r/availability",
       "http://www.w3.org/ns/adms#status", "http://www.w3.org/ns/adms#identifier",
       "http://www.w3.org/ns/prov#qualifiedAttribution", "http://spdx.org/rdf/terms#checksum"])

# (text, predicate IRI) -> a resource labelled with the text; (IRI, predicate IRI) -> the IRI, typed
TextNode = Callable[[str | ox.NamedNode, str], ox.NamedNode]


def _object(g: Graph, subject: ox.NamedNode | ox.BlankNode, pred: str, obj: dict[str, Any], n: int,
            depth: int, text_node: TextNode | None) -> ox.NamedNode | ox.BlankNode | ox.Literal | None:
    if "iri" in obj:
        iri = as_iri(obj["iri"])
        if iri:
            node = ox.NamedNode(iri)
            if text_node is not None and pred in RESOURCE_PREDICATES:
                text_node(node, pred)  # typed as DCAT-AP's range wants
            return node
        # a value that may not be written as an IRI is never written as one (issue 14)
        obj = {"literal": str(obj["iri"])}
    if "literal" in obj and text_node is not None and pred in RESOURCE_PREDICATES and str(obj["literal"]).strip():
        return text_node(str(obj["literal"]), pred)
    if "literal" in obj:
        lang, datatype = obj.get("lang"), obj.get("datatype")
        if lang and LANG.fullmatch(lang):
            return ox.Literal(str(obj["literal"]), language=lang)
        if datatype and IRI.fullmatch(datatype):
            return ox.Literal(str(obj["literal"]), datatype=ox.NamedNode(datatype))
        return ox.Literal(str(obj["literal"]))
    if "node" in obj and depth < MAX_DEPTH:
        # a blank node named by what it hangs from and says: the same output for the same record
        blank = ox.BlankNode("x" + digest([subject.value, pred, obj, n], size=10))
        write_statements(g, blank, obj["node"], depth + 1, text_node)
        return blank
    return None


def write_statements(g: Graph, subject: ox.NamedNode | ox.BlankNode, stmts: list[Statement], depth: int = 0,
                     text_node: TextNode | None = None) -> None:
    """Add statements kept as data (:func:`describe`) about ``subject`` to a graph. ``text_node``
    turns text given where DCAT-AP wants a resource into one (a minted IRI labelled with it)."""
    for n, (pred, obj) in enumerate(stmts):
        p = as_iri(pred)
        if p is None or not isinstance(obj, dict):
            continue
        o = _object(g, subject, p, obj, n, depth, text_node)
        if o is not None:
            g.add((subject, ox.NamedNode(p), o))


def write_described(g: Graph, described: list[list[Any]], text_node: TextNode | None = None) -> None:
    """Add the descriptions a record carries of the resources it refers to ([IRI, statements])."""
    for iri, stmts in described:
        subject = as_iri(iri)
        if subject is not None:
            write_statements(g, ox.NamedNode(subject), stmts, text_node=text_node)
