"""Writing DCAT-AP-SE: normalised records rendered as RDF, following DIGG's publishing rules
(absolute IRIs; minted IRIs instead of blank nodes for datasets, distributions, publishers and
contact points; dct:format with EU file-type IRIs; no dcat:CatalogRecord; a CC0 catalogue licence).

Triples go into a :class:`catalog.rdf.graph.Graph`, which :func:`catalog.rdf.graph.serialize`
writes with Oxigraph and :func:`catalog.rdf.graph.to_rdflib` copies to rdflib.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from catalog import normalise, publisher_types, vocab
from catalog.rdf import namespaces
from catalog.rdf.describe import write_described, write_statements
from catalog.rdf.graph import (
    DCAT,
    DCTERMS,
    FOAF,
    HYDRA,
    RDF,
    RDFS,
    SKOS,
    VCARD,
    XSD,
    Graph,
    Literal,
    Namespace,
    URIRef,
    new_graph,
)
from catalog.rdf.iris import as_iri
from catalog.records import DatasetRecord, Distribution, LangMap

CC0 = ox.NamedNode("http://creativecommons.org/publicdomain/zero/1.0/")
THEME_SCHEME = ox.NamedNode("http://publications.europa.eu/resource/authority/data-theme")
IANA_MEDIA = vocab.IANA_MEDIA_NS[0]
DCATAP = Namespace(namespaces.DCATAP)
ADMS = Namespace(namespaces.ADMS)
ELI = Namespace("http://data.europa.eu/eli/ontology#")
# DCAT-AP's range classes of the properties whose text values a record carries as they came
_NS = namespaces
TEXT_RANGES = {
    _NS.DCAT + "landingPage": _NS.FOAF + "Document", _NS.FOAF + "page": _NS.FOAF + "Document",
    _NS.FOAF + "homepage": _NS.FOAF + "Document", _NS.DCT + "conformsTo": _NS.DCT + "Standard",
    _NS.DCT + "language": _NS.DCT + "LinguisticSystem", _NS.DCT + "spatial": _NS.DCT + "Location",
    _NS.DCT + "temporal": _NS.DCT + "PeriodOfTime", _NS.DCT + "accessRights": _NS.DCT + "RightsStatement",
    _NS.DCT + "rights": _NS.DCT + "RightsStatement", _NS.DCT + "license": _NS.DCT + "LicenseDocument",
    _NS.DCT + "accrualPeriodicity": _NS.DCT + "Frequency", _NS.DCT + "provenance": _NS.DCT + "ProvenanceStatement",
    _NS.DCT + "format": _NS.DCT + "MediaTypeOrExtent", _NS.DCAT + "mediaType": _NS.DCT + "MediaType",
    _NS.DCT + "publisher": _NS.FOAF + "Agent", _NS.DCT + "creator": _NS.FOAF + "Agent",
    _NS.DCAT + "theme": _NS.SKOS + "Concept", _NS.DCT + "subject": _NS.SKOS + "Concept",
    _NS.DCT + "type": _NS.SKOS + "Concept", _NS.ADMS + "status": _NS.SKOS + "Concept",
    _NS.DCATAP + "hvdCategory": _NS.SKOS + "Concept", _NS.DCATAP + "availability": _NS.SKOS + "Concept",
    _NS.DCAT + "compressFormat": _NS.DCT + "MediaType", _NS.DCAT + "packageFormat": _NS.DCT + "MediaType",
    _NS.DCAT + "hadRole": _NS.DCAT + "Role",
    _NS.DCATAP + "applicableLegislation": "http://data.europa.eu/eli/ontology#LegalResource",
}
# the class each record kind is written as
CLASSES = {"dataset": DCAT.Dataset, "datasetseries": DCAT.DatasetSeries, "dataservice": DCAT.DataService}


@dataclass(slots=True)
class StoredDataset:
    """A record as stored: its id, its publisher's id and when it was harvested."""

    id: str
    publisher_id: str | None
    record: DatasetRecord


def _lang(g: Graph, s: ox.NamedNode, p: ox.NamedNode, value: LangMap) -> None:
    for lang, text in value.items():
        g.add((s, p, Literal(text, lang=lang or None)))


def _date(value: str) -> ox.Literal:
    if len(value) == 4 and value.isdigit():
        return Literal(value, datatype=XSD.gYear)
    if len(value) == 10:
        return Literal(value, datatype=XSD.date)
    if "T" in value:
        return Literal(value, datatype=XSD.dateTime)
    return Literal(value)


def _ref(value: str) -> ox.NamedNode | ox.Literal:
    """The value as an IRI when :func:`catalog.rdf.iris.as_iri` allows it, else as a literal."""
    iri = as_iri(value)
    return ox.NamedNode(iri) if iri else ox.Literal(value)


def _iri(value: str) -> ox.NamedNode | None:
    """An absolute IRI, or None for text that is not one (``internalURI:contactPoint0``, spaces)."""
    iri = as_iri(value)
    return ox.NamedNode(iri) if iri else None


# What an API's description, standard or address says about the format it answers in, checked in
# order (OGC services first: a WMS "GetCapabilities" URL also says "xml"). EU file-type codes.
_SERVICE_FORMATS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bwmts\b|service=wmts"), "WMTS_SRVC"),
    (re.compile(r"\bwms\b|service=wms|/wms\b"), "WMS_SRVC"),
    (re.compile(r"\bwfs\b|service=wfs|/wfs\b"), "WFS_SRVC"),
    (re.compile(r"\bwcs\b|service=wcs|/wcs\b"), "WCS_SRVC"),
    (re.compile(r"sparql"), "SPARQLQ"),
    (re.compile(r"geojson"), "GEOJSON"),
    (re.compile(r"openapi|swagger|\.json\b|\bjson\b|graphql|odata"), "JSON"),
    (re.compile(r"wsdl|soap|\.xml\b|\bxml\b"), "XML"),
)


def service_format(rec: DatasetRecord) -> str:
    """The EU file-type code a data service answers in, for its ``dct:format`` (DCAT-AP-SE 3.0.1:
    mandatory, exactly one, on every data service; records hold none for services).

    Derived from the endpoint descriptions, the standards it conforms to and the endpoint URLs (an
    OpenAPI or Swagger description, ``.json``: JSON; WMS/WFS/WCS/WMTS: the OGC service types of the EU
    list; SPARQL; WSDL/SOAP/XML: XML). When nothing says, JSON: the answer of by far most public-sector
    web APIs harvested here (every Trafiklab API, the JSON-API sources), and DIGG's examples describe
    APIs with OpenAPI documents. The assumption is visible: the service's title and documentation
    stay, and a source that states a format has it written instead (the statement is kept).
    """
    for value in (*rec.endpoint_descriptions, *rec.conforms_to, *rec.endpoint_urls):
        low = value.lower()
        for pattern, code in _SERVICE_FORMATS:
            if pattern.search(low):
                return code
    return "JSON"


def _stated(rec: DatasetRecord, predicate: str) -> list[dict[str, Any]]:
    """The objects of the record's statements with this predicate among those no typed field holds."""
    # ``extra`` ([predicate, object] pairs, catalog.rdf.describe) is where the reader keeps them
    return [item[1] for item in getattr(rec, "extra", None) or () if item and item[0] == predicate]


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


class _Writer:
    """Adds resources to a graph, typing every node it references as DCAT-AP's ranges require
    (dct:LicenseDocument, dct:Location, skos:Concept …) and minting stable IRIs under the catalogue's
    base URL for values that arrived as text (DCAT-AP-SE: absolute IRIs, no blank nodes)."""

    def __init__(self, g: Graph, base: str) -> None:
        self.g = g
        self.base = base

    def node(self, value: str, kind: str, cls: ox.NamedNode | None = None) -> ox.NamedNode:
        """The value's IRI, or for text a minted ``{base}/id/{kind}/{hash}`` IRI labelled with it."""
        iri = _iri(value)
        minted = iri is None
        if iri is None:
            iri = URIRef(f"{self.base}/id/{kind}/{_digest(value.strip())}")
        key = (iri.value, cls.value if cls is not None else "")
        if key in self.g.described:
            return iri
        self.g.described.add(key)
        if minted:
            self.g.add((iri, RDFS.label, Literal(value.strip())))
        if cls is not None:
            self.g.add((iri, RDF.type, cls))
        return iri

    def concept(self, value: str, kind: str, *extra: ox.NamedNode) -> ox.NamedNode:
        """A skos:Concept with the sv/en labels its vocabulary knows (the code, failing that)."""
        iri = self.node(value, kind)
        key = (iri.value, "concept")
        if key in self.g.described:
            return iri
        self.g.described.add(key)
        for cls in (SKOS.Concept, *extra):
            self.g.add((iri, RDF.type, cls))
        labels = vocab.concept_labels(iri.value)
        if not labels:
            last = re.split(r"[/#]", iri.value.rstrip("/#"))[-1] if _iri(value) else value.strip()
            labels = {"": last or iri.value}
        for lang, text in labels.items():
            self.g.add((iri, SKOS.prefLabel, Literal(text, lang=lang or None)))
        return iri

    def text_node(self, value: str | ox.NamedNode, predicate: str) -> ox.NamedNode:
        """A resource a statement no typed field holds refers to, of the class DCAT-AP's range names:
        text becomes a minted IRI labelled with it, an IRI is typed (issue 14)."""
        cls = TEXT_RANGES.get(predicate)
        if cls == SKOS.Concept.value:  # a concept needs a preferred label too
            return self.concept(value.value if isinstance(value, ox.NamedNode) else value, "value")
        if isinstance(value, ox.NamedNode):
            if cls and (value.value, cls) not in self.g.described:
                self.g.described.add((value.value, cls))
                self.g.add((value, RDF.type, URIRef(cls)))
            return value
        return self.node(value, "value", URIRef(cls) if cls else None)

    def document(self, value: str) -> ox.NamedNode:
        return self.node(value, "document", FOAF.Document)

    def licence(self, value: str) -> ox.NamedNode:
        iri = self.node(vocab.licence_iri(value) or value, "licence", DCTERMS.LicenseDocument)
        if (iri.value, "labels") in self.g.described:
            return iri
        self.g.described.add((iri.value, "labels"))
        known = vocab.licence(value)
        if known:
            for lang, text in known.label.items():
                self.g.add((iri, RDFS.label, Literal(text, lang=lang)))
        return iri


def _hvd(g: Graph, w: _Writer, s: ox.NamedNode, categories: list[str], legislation: list[str]) -> None:
    """High-value dataset facts: the HVD categories (skos:Concept) and the legislation (ELI)."""
    for cat in categories:
        g.add((s, DCATAP.hvdCategory, w.concept(cat, "hvd-category")))
    for act in legislation:
        g.add((s, DCATAP.applicableLegislation, w.node(act, "legislation", ELI.LegalResource)))


def _language(w: _Writer, value: str) -> ox.NamedNode:
    code = vocab.language_code(value)
    return w.node(vocab.languages().iri(code) if code else value, "language", DCTERMS.LinguisticSystem)


def _more(g: Graph, w: _Writer, s: ox.NamedNode, rec: DatasetRecord) -> None:
    """Version and resolutions, then what the source said that no typed field holds, and the
    descriptions of the resources the record refers to, as they came (issue 14)."""
    if rec.version:
        g.add((s, DCAT.version, Literal(rec.version)))
    if rec.spatial_resolution:
        g.add((s, DCAT.spatialResolutionInMeters, Literal(rec.spatial_resolution, datatype=XSD.decimal)))
    if rec.temporal_resolution:
        g.add((s, DCAT.temporalResolution, Literal(rec.temporal_resolution, datatype=XSD.duration)))
    text = w.text_node
    write_statements(g, s, rec.extra, text_node=text)
    write_described(g, rec.described, text)


def _distribution_more(g: Graph, w: _Writer, d: ox.NamedNode, dist: Distribution, rec: DatasetRecord) -> None:
    """A distribution's standards, languages, pages, status and availability, and its other statements."""
    for std in dist.conforms_to:
        g.add((d, DCTERMS.conformsTo, w.node(std, "standard", DCTERMS.Standard)))
    for lang in dist.languages:
        g.add((d, DCTERMS.language, _language(w, lang)))
    for page in dist.documentation:
        g.add((d, FOAF.page, w.document(page)))
    if dist.status:
        g.add((d, ADMS.status, w.concept(dist.status, "status")))
    if dist.availability:
        g.add((d, DCATAP.availability, w.concept(dist.availability, "availability")))
    write_statements(g, d, dist.extra, text_node=w.text_node)


def add_dataset(g: Graph, item: StoredDataset, base_url: str) -> ox.NamedNode:
    """Add one dataset (or data service) and everything it points to; returns its IRI."""
    rec = item.record
    base = base_url.rstrip("/")
    w = _Writer(g, base)
    s = URIRef(as_iri(rec.uri) or f"{base}/id/dataset/{item.id}")
    g.add((s, RDF.type, CLASSES.get(rec.kind, DCAT.Dataset)))
    if rec.kind == "datasetseries":  # a series is a dataset (DCAT 3), as catalogue shapes check
        g.add((s, RDF.type, DCAT.Dataset))
    _lang(g, s, DCTERMS.title, rec.title)
    _lang(g, s, DCTERMS.description, rec.description)
    # an identifier the source typed or gave as an IRI is among the record's other statements
    if rec.identifier and rec.identifier not in {
            o.get("literal") or o.get("iri") for o in _stated(rec, DCTERMS.identifier.value)}:
        g.add((s, DCTERMS.identifier, Literal(rec.identifier)))
    if rec.publisher:
        pub = URIRef(as_iri(rec.publisher.uri) or f"{base}/id/publisher/{item.publisher_id}")
        g.add((s, DCTERMS.publisher, pub))
        g.add((pub, RDF.type, FOAF.Agent))
        _lang(g, pub, FOAF.name, rec.publisher.name)
        # DCAT-AP-SE: every agent has an ADMS type; a source that states none may have one inferred
        # from the name (… kommun, Region …, …verket), never overriding a stated one
        kind, _inferred = publisher_types.resolve(rec.publisher)
        if kind:
            g.add((pub, DCTERMS.type, w.concept(kind, "publisher-type")))
        if rec.publisher.homepage:
            g.add((pub, FOAF.homepage, w.document(rec.publisher.homepage)))
        if rec.publisher.email:
            g.add((pub, FOAF.mbox, _ref(rec.publisher.email)))
        write_statements(g, pub, rec.publisher.extra, text_node=w.text_node)
    for lang, words in rec.keywords.items():
        for word in words:
            g.add((s, DCAT.keyword, Literal(word, lang=lang or None)))
    for theme in rec.themes:
        g.add((s, DCAT.theme, w.concept(vocab.theme_iri(theme), "theme")))
    if rec.access_rights:
        g.add((s, DCTERMS.accessRights, w.concept(rec.access_rights, "access-rights", DCTERMS.RightsStatement)))
    if rec.issued:
        g.add((s, DCTERMS.issued, _date(rec.issued)))
    if rec.modified:
        g.add((s, DCTERMS.modified, _date(rec.modified)))
    if rec.license and rec.kind == "dataservice":
        g.add((s, DCTERMS.license, w.licence(rec.license)))
    for n, cp in enumerate(rec.contact_points):
        c = URIRef(as_iri(cp.uri) or f"{base}/id/contact/{item.id}-{n}")
        g.add((s, DCAT.contactPoint, c))
        g.add((c, RDF.type, VCARD.Kind))
        g.add((c, RDF.type, URIRef(as_iri(cp.kind) or VCARD.Organization.value)))
        if cp.names:  # a name given in several languages keeps them all (issue 14)
            _lang(g, c, VCARD.fn, cp.names)
        elif cp.name:
            g.add((c, VCARD.fn, Literal(cp.name)))
        if cp.email:
            g.add((c, VCARD.hasEmail, _ref(cp.email)))
        if cp.phone:
            g.add((c, VCARD.hasTelephone, _ref(cp.phone)))
        if cp.url:
            g.add((c, VCARD.hasURL, _ref(cp.url)))
        write_statements(g, c, cp.extra, text_node=w.text_node)
    for url in rec.landing_pages:
        g.add((s, DCAT.landingPage, w.document(url)))
    for lang_iri in rec.languages:
        code = vocab.language_code(lang_iri)
        value = vocab.languages().iri(code) if code else lang_iri
        g.add((s, DCTERMS.language, w.node(value, "language", DCTERMS.LinguisticSystem)))
    for place in rec.spatial:
        g.add((s, DCTERMS.spatial, w.node(place, "location", DCTERMS.Location)))
    if rec.frequency:
        g.add((s, DCTERMS.accrualPeriodicity, w.concept(rec.frequency, "frequency", DCTERMS.Frequency)))
    for std in rec.conforms_to:
        g.add((s, DCTERMS.conformsTo, w.node(std, "standard", DCTERMS.Standard)))
    for page in rec.documentation:
        g.add((s, FOAF.page, w.document(page)))
    for n, period in enumerate(rec.temporal):
        # a stable IRI rather than a blank node, so that harvesters can follow changes to it
        t = URIRef(f"{base}/id/period/{item.id}-{n}")
        g.add((s, DCTERMS.temporal, t))
        g.add((t, RDF.type, DCTERMS.PeriodOfTime))
        if period.get("start"):
            g.add((t, DCAT.startDate, _date(period["start"])))
        if period.get("end"):
            g.add((t, DCAT.endDate, _date(period["end"])))
    for url in rec.endpoint_urls:
        g.add((s, DCAT.endpointURL, _ref(url)))
    for url in rec.endpoint_descriptions:
        g.add((s, DCAT.endpointDescription, _ref(url)))
    if rec.kind == "dataservice":
        stated = _stated(rec, DCTERMS.format.value)
        # a format the source states is written back with its other statements; an IRI is typed here as
        # DCAT-AP's range wants (the same triple twice is one triple); none stated: one derived
        for value in [v["iri"] for v in stated if "iri" in v] or ([] if stated else [
                vocab.file_types().iri(service_format(rec))]):
            g.add((s, DCTERMS.format, w.concept(value, "format", DCTERMS.MediaTypeOrExtent)))
    _hvd(g, w, s, rec.hvd_categories, rec.applicable_legislation)
    for series in rec.in_series:
        g.add((s, DCAT.inSeries, w.node(series, "series", DCAT.DatasetSeries)))
    for served in rec.serves_datasets:
        g.add((s, DCAT.servesDataset, w.node(served, "dataset", DCAT.Dataset)))
    _more(g, w, s, rec)
    for pos, dist in enumerate(rec.distributions):
        d = URIRef(as_iri(dist.uri) or f"{base}/id/distribution/{dist.id or f'{item.id}-{pos}'}")
        g.add((s, DCAT.distribution, d))
        g.add((d, RDF.type, DCAT.Distribution))
        _lang(g, d, DCTERMS.title, dist.title)
        _lang(g, d, DCTERMS.description, dist.description)
        for url in dist.access_urls:
            g.add((d, DCAT.accessURL, _ref(url)))
        for url in dist.download_urls:
            g.add((d, DCAT.downloadURL, _ref(url)))
        fmt_value = vocab.file_types().iri(dist.format) if dist.format else dist.format_raw
        if fmt_value:
            g.add((d, DCTERMS.format, w.concept(fmt_value, "format", DCTERMS.MediaTypeOrExtent)))
        media = dist.media_type or vocab.media_type(dist.format)
        if media:
            mt = (URIRef(IANA_MEDIA + media) if "/" in media and ":" not in media and " " not in media
                  else w.node(media, "media-type"))
            g.add((d, DCAT.mediaType, mt))
            g.add((mt, RDF.type, DCTERMS.MediaType))
        lic = dist.license or rec.license
        if lic:
            g.add((d, DCTERMS.license, w.licence(lic)))
        if dist.rights:
            g.add((d, DCTERMS.rights, w.node(dist.rights, "rights", DCTERMS.RightsStatement)))
        if dist.byte_size is not None:
            g.add((d, DCAT.byteSize, Literal(dist.byte_size, datatype=XSD.nonNegativeInteger)))
        if dist.issued:
            g.add((d, DCTERMS.issued, _date(dist.issued)))
        if dist.modified:
            g.add((d, DCTERMS.modified, _date(dist.modified)))
        for svc in dist.access_service:
            g.add((d, DCAT.accessService, w.node(svc, "dataservice", DCAT.DataService)))
        _hvd(g, w, d, dist.hvd_categories, dist.applicable_legislation)
        _distribution_more(g, w, d, dist, rec)
    return s


@dataclass(frozen=True, slots=True)
class CatalogPublisher:
    """Who publishes the catalogue itself (settings ``CATALOG_PUBLISHER_*``): DCAT-AP-SE wants a
    dct:publisher on the catalogue, an agent with a name and an ADMS publisher type."""

    name: LangMap
    type: str
    uri: str | None = None
    email: str | None = None
    homepage: str | None = None


DEFAULT_PUBLISHER = CatalogPublisher(name={"sv": "datakatalog"}, type=publisher_types.NATIONAL)


def _catalog_publisher(g: Graph, w: _Writer, cat: ox.NamedNode, publisher: CatalogPublisher) -> None:
    pub = URIRef(as_iri(publisher.uri) or f"{w.base}/id/publisher/datakatalog")
    g.add((cat, DCTERMS.publisher, pub))
    g.add((pub, RDF.type, FOAF.Agent))
    _lang(g, pub, FOAF.name, publisher.name)
    g.add((pub, DCTERMS.type, w.concept(publisher.type, "publisher-type")))
    if publisher.email:
        g.add((pub, FOAF.mbox, _ref(normalise.email_iri(publisher.email) or publisher.email)))
    if publisher.homepage:
        g.add((pub, FOAF.homepage, w.document(publisher.homepage)))


def catalog_graph(
    items: Iterable[StoredDataset], *, base_url: str, page: int, per_page: int, total: int,
    page_url: str, publisher: CatalogPublisher = DEFAULT_PUBLISHER,
) -> Graph:
    """One page of the whole catalogue, with Hydra paging links when there is more than one page."""
    base = base_url.rstrip("/")
    g = new_graph()
    cat = ox.NamedNode(f"{base}/catalog")
    g.add((cat, RDF.type, DCAT.Catalog))
    g.add((cat, DCTERMS.title, Literal("datakatalog", lang="sv")))
    g.add((cat, DCTERMS.title, Literal("datakatalog", lang="en")))
    g.add((cat, DCTERMS.description, Literal("Samlad katalog över öppna data från offentlig sektor.", lang="sv")))
    g.add((cat, DCTERMS.description, Literal("Combined catalogue of open data from the public sector.", lang="en")))
    g.add((cat, DCTERMS.license, CC0))
    g.add((CC0, RDF.type, DCTERMS.LicenseDocument))
    g.add((cat, FOAF.homepage, URIRef(base + "/")))
    g.add((URIRef(base + "/"), RDF.type, FOAF.Document))
    g.add((cat, DCAT.themeTaxonomy, THEME_SCHEME))
    g.add((THEME_SCHEME, RDF.type, SKOS.ConceptScheme))
    g.add((THEME_SCHEME, DCTERMS.title, Literal("Data theme", lang="en")))
    g.add((THEME_SCHEME, DCTERMS.title, Literal("Datatema", lang="sv")))
    _catalog_publisher(g, _Writer(g, base), cat, publisher)
    for item in items:
        s = add_dataset(g, item, base_url)
        g.add((cat, DCAT.service if item.record.kind == "dataservice" else DCAT.dataset, s))
    last = max(1, -(-total // per_page))
    if last > 1 or page > 1:
        view = URIRef(f"{page_url}?page={page}")
        g.add((view, RDF.type, HYDRA.PagedCollection))
        g.add((view, RDF.type, HYDRA.PartialCollectionView))
        g.add((view, HYDRA.totalItems, Literal(total, datatype=XSD.integer)))
        g.add((view, HYDRA.itemsPerPage, Literal(per_page, datatype=XSD.integer)))
        g.add((view, HYDRA.first, URIRef(f"{page_url}?page=1")))
        g.add((view, HYDRA.last, URIRef(f"{page_url}?page={last}")))
        if page < last:
            g.add((view, HYDRA.next, URIRef(f"{page_url}?page={page + 1}")))
            g.add((view, HYDRA.nextPage, URIRef(f"{page_url}?page={page + 1}")))
        if page > 1:
            g.add((view, HYDRA.previous, URIRef(f"{page_url}?page={page - 1}")))
            g.add((view, HYDRA.previousPage, URIRef(f"{page_url}?page={page - 1}")))
    return g
