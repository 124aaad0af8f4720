"""Round trips for the lossless tests (issue 14): a document parsed, read into records, prepared as the
store prepares them, written as DCAT-AP-SE and parsed again; then which statements of the input did
not come back.

"Came back" is checked statement by statement on the datasets, series and services of the input and
everything they refer to, matching blank nodes by what they say (an input blank node is matched by
an output blank node, or by an IRI datakatalog minted for it, that says at least the same). The
documented normalisations are the only statements allowed to change, each in a named rule of
:func:`normalised`; the tests list which rules they rely on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph as ox
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

from catalog import vocab
from catalog.formats.dcat_read import iter_resources
from catalog.formats.dcat_write import StoredDataset, add_dataset
from catalog.normalise import mailto, normalise_date
from catalog.rdf import syntaxes
from catalog.rdf.graph import Graph, to_rdflib, to_rdflib_term
from catalog.rdf.parse import parse
from catalog.records import DatasetRecord
from catalog.store.prepared import Prepared, prepare

BASE = "https://katalog.example"
VCARD = rdflib.Namespace("http://www.w3.org/2006/vcard/ns#")
RECORD_CLASSES = (DCAT.Dataset, DCAT.DataService, URIRef(str(DCAT) + "DatasetSeries"))


def prepared(body: bytes, content_type: str, source: str = "src") -> list[Prepared]:
    out = []
    for ref, rec in iter_resources(parse(body, content_type=content_type, base_iri=BASE + "/doc")):
        assert isinstance(rec, DatasetRecord), (ref, rec)
        out.append(prepare(ref, rec, source))
    return out


def written(items: list[Prepared]) -> rdflib.Graph:
    g = Graph()
    for p in items:
        add_dataset(g, StoredDataset(p.id, p.publisher_id, p.rec), BASE)
    return to_rdflib(g)


@dataclass
class Result:
    """What a round trip lost, and which documented normalisations it used."""

    missing: list[str] = field(default_factory=list)
    used: set[str] = field(default_factory=set)


def source_graph(body: bytes, content_type: str) -> rdflib.Graph:
    """The input as rdflib terms, read by the parser datakatalog reads with (so that the comparison
    sees no difference between two parsers' readings, such as line ends in long literals)."""
    g = rdflib.Graph()
    fmt = syntaxes.by_media_type(content_type)
    assert fmt is not None
    for t in ox.parse(body, format=fmt.oxigraph, base_iri=BASE + "/doc"):
        g.add((to_rdflib_term(t.subject), to_rdflib_term(t.predicate), to_rdflib_term(t.object)))  # type: ignore[arg-type]
    return g


def roundtrip(body: bytes, content_type: str) -> Result:
    return compare(source_graph(body, content_type), written(prepared(body, content_type)))


def _minted(node: object) -> bool:
    return isinstance(node, URIRef) and str(node).startswith(BASE + "/id/")


Alternatives = list[rdflib.term.Node]


def normalised(g: rdflib.Graph, s: rdflib.term.Node, p: URIRef, o: rdflib.term.Node,
               used: set[str]) -> Alternatives | None:
    """The objects that count as ``o`` coming back, by the documented normalisations; None when the
    statement is not expected back (documented as well)."""
    alts: Alternatives = [o]
    if isinstance(o, Literal):
        text = str(o).strip()
        if o.language:
            alts.append(Literal(text, lang=o.language.lower()))
            used.add("language tags in lower case, text trimmed")
        elif o.datatype in (None, XSD.string):
            alts += [Literal(text), Literal(text, datatype=XSD.string)]
        if o.datatype in (XSD.date, XSD.dateTime, XSD.gYear, XSD.gYearMonth) or p in (
                DCTERMS.issued, DCTERMS.modified, DCAT.startDate, DCAT.endDate):
            iso = normalise_date(text, datatype=str(o.datatype) if o.datatype else None)
            if iso:
                used.add("dates in ISO 8601, typed by their precision")
                dt = (XSD.gYear if len(iso) == 4 else XSD.date if len(iso) == 10
                      else XSD.dateTime if "T" in iso else None)
                alts.append(Literal(iso, datatype=dt))
        if p == DCAT.byteSize:
            try:
                alts.append(Literal(str(int(float(text))), datatype=XSD.nonNegativeInteger))
                used.add("byte sizes as xsd:nonNegativeInteger")
            except ValueError:
                pass
    if p == DCTERMS.license and (s, RDF.type, DCAT.Dataset) in g:
        used.add("a dataset's licence is written on each of its distributions (DCAT-AP)")
        return None
    if p in (DCTERMS.format, DCAT.mediaType, DCAT.compressFormat, DCAT.packageFormat) and not isinstance(o, URIRef):
        used.add("formats and media types given as text become EU file-type / IANA IRIs")
        return None
    if p == DCAT.mediaType and str(o).startswith(vocab.IANA_MEDIA_NS[1]):
        alts.append(URIRef(vocab.IANA_MEDIA_NS[0] + str(o)[len(vocab.IANA_MEDIA_NS[1]):]))
        used.add("IANA media-type IRIs in their https form")
    if p == DCTERMS.license:
        iri = vocab.licence_iri(str(o))
        if iri:
            alts.append(URIRef(iri))
            used.add("licence IRIs in their canonical form")
    if p in (DCAT.theme, DCTERMS.language, DCTERMS.accrualPeriodicity, DCTERMS.accessRights) and isinstance(o, URIRef):
        mapped = {DCAT.theme: vocab.theme_iri, DCTERMS.language: vocab.language_iri,
                  DCTERMS.accrualPeriodicity: vocab.frequency_iri, DCTERMS.accessRights: vocab.access_right_iri}[p]
        iri = mapped(str(o))
        if iri and iri != str(o):
            alts.append(URIRef(iri))
            used.add("EU vocabulary IRIs in their canonical form")
    if p in (DCAT.theme, DCTERMS.language, DCTERMS.accrualPeriodicity, DCTERMS.accessRights) and isinstance(o, BNode):
        mapper = {DCAT.theme: vocab.theme_iri_of, DCTERMS.language: vocab.language_iri,
                  DCTERMS.accrualPeriodicity: vocab.frequency_iri, DCTERMS.accessRights: vocab.access_right_iri}[p]
        for pred in (RDFS.label, SKOS.prefLabel, DCTERMS.title, SKOS.notation):
            for text in g.objects(o, pred):
                iri = mapper(str(text).strip())
                if iri:
                    alts.append(URIRef(iri))
                    used.add("a blank node naming a vocabulary value by its label or code becomes the EU IRI")
    if p in (VCARD.hasEmail, VCARD.hasTelephone, VCARD.hasURL) and isinstance(o, (BNode, Literal)):
        value = g.value(o, VCARD.hasValue) if isinstance(o, BNode) else o
        if value is not None:
            text = mailto(str(value).strip()) if p == VCARD.hasEmail else str(value).strip()
            alts += [URIRef(text or ""), Literal(text)]
            used.add("vCard values (a vcard:hasValue node, or text) written directly, e-mail as mailto:")
    if p == FOAF.mbox and isinstance(o, Literal):
        alts.append(URIRef(mailto(str(o).strip()) or ""))
        used.add("a plain-text foaf:mbox written as a mailto: IRI")
    if isinstance(o, Literal) and str(o).strip().startswith(("http://", "https://")):
        alts.append(URIRef(str(o).strip()))
        used.add("URLs given as text written as IRIs")
    return alts


def compare(source: rdflib.Graph, out: rdflib.Graph) -> Result:
    result = Result()
    catalogues = set(source.subjects(RDF.type, DCAT.Catalog))
    roots = [s for c in RECORD_CLASSES for s in source.subjects(RDF.type, c)]
    # everything the records refer to (the catalogue's own statements are datakatalog's own)
    reach: list[rdflib.term.Node] = []
    seen: set[rdflib.term.Node] = set()
    todo = list(roots)
    while todo:
        node = todo.pop()
        if node in seen or node in catalogues:
            continue
        seen.add(node)
        reach.append(node)
        for p, o in source.predicate_objects(node):
            if p != RDF.type and not isinstance(o, Literal):
                todo.append(o)
    memo: dict[tuple[rdflib.term.Node, rdflib.term.Node], list[str]] = {}

    def missing(node: rdflib.term.Node, target: rdflib.term.Node, depth: int = 0) -> list[str]:
        key = (node, target)
        if key in memo:
            return memo[key]
        memo[key] = []  # a cycle counts as covered
        lost: list[str] = []
        for p, o in source.predicate_objects(node):
            alts = normalised(source, node, p, o, result.used)
            if alts is None:
                continue
            if len(alts) > 1 and any((target, p, a) in out for a in alts[1:]):
                continue
            if isinstance(o, BNode):
                candidates = [x for x in out.objects(target, p) if isinstance(x, BNode) or _minted(x)]
                if not any(not missing(o, x, depth + 1) for x in candidates):
                    if _labelled(source, out, o, candidates):
                        result.used.add("a blank node that only names something becomes a minted IRI with that label")
                        continue
                    best = min((missing(o, x, depth + 1) for x in candidates), key=len, default=None)
                    lost.append(f"{_n3(node)} {_n3(p)} [{'; '.join(best) if best else 'no match'}]")
                continue
            if not any((target, p, a) in out for a in alts):
                if isinstance(o, Literal) and _labelled_text(out, target, p, o):
                    result.used.add("text where an IRI belongs becomes a minted IRI labelled with the text")
                    continue
                lost.append(f"{_n3(node)} {_n3(p)} {_n3(o)}")
        memo[key] = lost
        return lost

    for node in reach:
        if isinstance(node, BNode):
            if node in roots:
                cls = next(c for c in RECORD_CLASSES if (node, RDF.type, c) in source)
                candidates = [x for x in out.subjects(RDF.type, cls) if isinstance(x, BNode) or _minted(x)]
                if not any(not missing(node, x) for x in candidates):
                    best = min((missing(node, x) for x in candidates), key=len, default=["no match"])
                    result.missing.extend(best)
            continue  # other blank nodes are checked where they hang
        result.missing.extend(missing(node, node))
    result.missing = sorted(set(result.missing))
    return result


def _labelled_text(out: rdflib.Graph, target: rdflib.term.Node, p: URIRef, o: Literal) -> bool:
    text = str(o).strip()
    return any(_minted(x) and any(str(label) == text for label in out.objects(x, RDFS.label))
               for x in out.objects(target, p))


def _labelled(source: rdflib.Graph, out: rdflib.Graph, node: BNode, candidates: list[rdflib.term.Node]) -> bool:
    labels = {str(label).strip() for pred in (RDFS.label, SKOS.prefLabel, DCTERMS.title, SKOS.notation)
              for label in source.objects(node, pred)}
    preds = set(source.predicates(node)) - {RDF.type, RDFS.label, SKOS.prefLabel, DCTERMS.title, SKOS.notation}
    return bool(labels) and not preds and any(
        str(label) in labels for x in candidates for label in out.objects(x, RDFS.label))


def _n3(node: rdflib.term.Node) -> str:
    text = node.n3() if not isinstance(node, BNode) else "_:b"
    return text if len(text) < 160 else text[:157] + "..."


Check = Callable[[bytes, str], Result]
