"""Reading DCAT: every dcat:Dataset / dcat:DataService of a parsed RDF document mapped to a record.

:mod:`catalog.rdf.parse` parses the document (Oxigraph) into a subject -> predicate -> objects
index; the small mapping functions here read it. Values are normalised by :mod:`catalog.normalise`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pyoxigraph as ox

from catalog import vocab
from catalog.errors import ParseError
from catalog.normalise import looks_like_url, mailto, normalise_date, single_language, tag_untagged, temporal_interval
from catalog.rdf.namespaces import DCAT, DCATAP, DCT, FOAF, HYDRA, RDF, RDFS, SCHEMA, SKOS, TYPE, VCARD
from catalog.rdf.parse import GraphIndex, Term
from catalog.rdf.parse import key as _key
from catalog.records import Agent, ContactPoint, DatasetRecord, Distribution, LangMap, display_text

# ---------------------------------------------------------------------------------------------
# small value readers


def _lang_map(g: GraphIndex, subject: str, predicate: str) -> LangMap:
    out: LangMap = {}
    for obj in g.objects(subject, predicate):
        if isinstance(obj, ox.Literal):
            lang = (obj.language or "").lower()
            text = obj.value.strip()
            if text and lang not in out:
                out[lang] = text
    return out


def _iris(g: GraphIndex, subject: str, predicate: str) -> list[str]:
    out: list[str] = []
    for obj in g.objects(subject, predicate):
        if isinstance(obj, ox.NamedNode):
            value = obj.value
        elif isinstance(obj, ox.Literal) and looks_like_url(obj.value):
            value = obj.value.strip()
        else:
            continue
        if value not in out:
            out.append(value)
    return out


def _iri(g: GraphIndex, subject: str, predicate: str) -> str | None:
    values = _iris(g, subject, predicate)
    return values[0] if values else None


def _text(g: GraphIndex, subject: str, predicate: str) -> str | None:
    obj = g.value(subject, predicate)
    if obj is None:
        return None
    return obj.value.strip() if not isinstance(obj, ox.BlankNode) else None


def _node_or_literal_label(g: GraphIndex, obj: Term) -> str:
    """An IRI, or the label of a described blank node, or a literal's text."""
    if isinstance(obj, ox.NamedNode):
        return obj.value
    if isinstance(obj, ox.Literal):
        return obj.value.strip()
    key = _key(obj)
    for pred in (RDFS + "label", SKOS + "prefLabel", DCT + "title", RDF + "value"):
        text = _text(g, key, pred)
        if text:
            return text
    return ""


def _concepts(g: GraphIndex, subject: str, predicate: str, mapper: Callable[[str], str | None], what: str,
              notes: list[str]) -> list[str]:
    """IRIs of a controlled vocabulary: IRIs as given; text ("en", "daily", "Transport", "öppen") or a
    labelled blank node mapped by ``mapper`` to the EU IRI (issue 14); text it cannot map is kept as
    given, with a note."""
    out: list[str] = []
    for obj in g.objects(subject, predicate):
        if isinstance(obj, ox.NamedNode):
            value = obj.value
        else:
            text = _node_or_literal_label(g, obj)
            if not text:
                continue
            value = mapper(text) or text
            if value == text and not looks_like_url(text):
                notes.append(f"{what} {text!r} is no value of its EU vocabulary; kept as text")
        if value not in out:
            out.append(value)
    return out


def _date(obj: Term | None, notes: list[str] | None = None) -> str | None:
    """The ISO 8601 date of a literal (xsd:date, dateTime, gYear, gYearMonth or a plain string)."""
    if not isinstance(obj, ox.Literal):
        return None
    return normalise_date(obj.value, notes, datatype=obj.datatype.value if obj.datatype else None)


# ---------------------------------------------------------------------------------------------
# resources


def read_agent(g: GraphIndex, node: Term) -> Agent:
    """A publisher: an IRI (described or not) or a blank node carrying foaf:name."""
    if isinstance(node, ox.Literal):
        return Agent(name={"": node.value.strip()})
    key = _key(node)
    names = _lang_map(g, key, FOAF + "name")
    if not names:
        names = _lang_map(g, key, SKOS + "prefLabel") or _lang_map(g, key, RDFS + "label")
    # a plain-text foaf:mbox ("info@kommun.se") is an address too
    email = _iri(g, key, FOAF + "mbox") or mailto(_text(g, key, FOAF + "mbox"))
    return Agent(
        uri=node.value if isinstance(node, ox.NamedNode) else None,
        name=names,
        type=_iri(g, key, DCT + "type"),
        email=email,
        homepage=_iri(g, key, FOAF + "homepage"),
    )


def _vcard_value(g: GraphIndex, key: str, predicate: str) -> str | None:
    obj = g.value(key, predicate)
    if obj is None:
        return None
    if isinstance(obj, ox.BlankNode):
        inner = g.value(_key(obj), VCARD + "hasValue")
        return inner.value.strip() if inner is not None else None
    return obj.value.strip()


def read_contact(g: GraphIndex, node: Term) -> ContactPoint:
    key = _key(node)
    kinds = [t.value for t in g.objects(key, TYPE)]
    names = _lang_map(g, key, VCARD + "fn") or _lang_map(g, key, VCARD + "organization-name")
    email = mailto(_vcard_value(g, key, VCARD + "hasEmail"))
    return ContactPoint(
        uri=node.value if isinstance(node, ox.NamedNode) else None,
        name=display_text(names),
        # one untagged name needs no language map; names in several languages are all kept
        names=names if set(names) != {""} else {},
        email=email,
        phone=_vcard_value(g, key, VCARD + "hasTelephone"),
        url=_vcard_value(g, key, VCARD + "hasURL"),
        kind=next((k for k in kinds if k.startswith(VCARD)), None),
    )


def _format_of(g: GraphIndex, key: str) -> tuple[str | None, str | None, str | None]:
    """(EU file-type code, the raw value the source gave, media type) of a distribution."""
    raw: str | None = None
    media: str | None = None
    code: str | None = None
    for obj in g.objects(key, DCT + "format"):
        value = _node_or_literal_label(g, obj)
        if isinstance(obj, ox.BlankNode) and not value:
            value = _text(g, _key(obj), RDF + "value") or ""
        raw = raw or value
        code = code or vocab.format_code(value)
    for pred in (DCAT + "mediaType", DCAT + "compressFormat"):
        for obj in g.objects(key, pred):
            value = _node_or_literal_label(g, obj)
            if pred == DCAT + "mediaType":
                media = media or _strip_iana(value)
                raw = raw or value
            code = code or vocab.format_code(value)
            break
    if code is None:
        for url_pred in (DCAT + "downloadURL", DCAT + "accessURL"):
            for url in _iris(g, key, url_pred):
                ext = url.split("?")[0].rsplit("/", 1)[-1]
                if "." in ext:
                    code = vocab.format_code(ext.rsplit(".", 1)[-1])
                if code:
                    break
            if code:
                break
    return code, raw, media


def _strip_iana(value: str) -> str:
    for ns in vocab.IANA_MEDIA_NS:
        if value.startswith(ns):
            return value[len(ns) :]
    return value


def _licence_of(g: GraphIndex, key: str) -> str | None:
    obj = g.value(key, DCT + "license")
    if obj is None:
        return None
    value = _node_or_literal_label(g, obj)
    if isinstance(obj, ox.BlankNode) and not value:
        return None
    return vocab.licence_iri(value)


def read_distribution(g: GraphIndex, node: Term, notes: list[str]) -> Distribution:
    key = _key(node)
    code, raw, media = _format_of(g, key)
    size_obj = g.value(key, DCAT + "byteSize")
    size: int | None = None
    if isinstance(size_obj, ox.Literal):
        try:
            size = int(float(size_obj.value))
        except ValueError:
            notes.append(f"unreadable byte size {size_obj.value!r}")
    return Distribution(
        uri=node.value if isinstance(node, ox.NamedNode) else None,
        title=_lang_map(g, key, DCT + "title"),
        description=_lang_map(g, key, DCT + "description"),
        access_urls=_iris(g, key, DCAT + "accessURL"),
        download_urls=_iris(g, key, DCAT + "downloadURL"),
        format=code,
        format_raw=raw,
        media_type=media,
        license=_licence_of(g, key),
        rights=_text(g, key, DCT + "rights") or _iri(g, key, DCT + "rights"),
        byte_size=size,
        issued=_date(g.value(key, DCT + "issued"), notes),
        modified=_date(g.value(key, DCT + "modified"), notes),
        access_service=_iris(g, key, DCAT + "accessService"),
        hvd_categories=_iris(g, key, DCATAP + "hvdCategory"),
        applicable_legislation=_iris(g, key, DCATAP + "applicableLegislation"),
    )


def _keywords(g: GraphIndex, key: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for obj in g.objects(key, DCAT + "keyword"):
        if isinstance(obj, ox.Literal):
            text = obj.value.strip()
            if not text:
                continue
            words = out.setdefault((obj.language or "").lower(), [])
            if text not in words:
                words.append(text)
    return out


def _temporal(g: GraphIndex, key: str, notes: list[str]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for obj in g.objects(key, DCT + "temporal"):
        if isinstance(obj, ox.Literal):  # an ISO 8601 interval as text: "2019-01-01/2020-12-31"
            interval = temporal_interval(obj.value, notes)
            if interval:
                out.append(interval)
            continue
        tkey = _key(obj)
        period: dict[str, str] = {}
        for name, preds in (
            ("start", (DCAT + "startDate", SCHEMA + "startDate")),
            ("end", (DCAT + "endDate", SCHEMA + "endDate")),
        ):
            for pred in preds:
                value = _date(g.value(tkey, pred))
                if value:
                    period[name] = value
                    break
        if period:
            out.append(period)
    return out


def read_resource(g: GraphIndex, subject: Term, kind: str) -> DatasetRecord:
    """Map one dcat:Dataset or dcat:DataService to a record. Never raises for missing values."""
    key = _key(subject)
    notes: list[str] = []
    rec = DatasetRecord(kind=kind, uri=subject.value if isinstance(subject, ox.NamedNode) else None)
    ident = g.value(key, DCT + "identifier")
    if ident is not None and not isinstance(ident, ox.BlankNode):
        rec.identifier = ident.value.strip()
    rec.title = _lang_map(g, key, DCT + "title")
    rec.description = _lang_map(g, key, DCT + "description")
    pub = g.value(key, DCT + "publisher")
    if pub is not None:
        rec.publisher = read_agent(g, pub)
    rec.keywords = _keywords(g, key)
    rec.themes = _concepts(g, key, DCAT + "theme", vocab.theme_iri_of, "theme", notes)
    rec.license = _licence_of(g, key)
    rec.access_rights = next(iter(_concepts(g, key, DCT + "accessRights", vocab.access_right_iri, "access rights",
                                            notes)), None)
    rec.issued = _date(g.value(key, DCT + "issued"), notes)
    rec.modified = _date(g.value(key, DCT + "modified"), notes)
    rec.contact_points = [read_contact(g, node) for node in g.objects(key, DCAT + "contactPoint")]
    rec.distributions = [read_distribution(g, node, notes) for node in g.objects(key, DCAT + "distribution")]
    rec.landing_pages = _iris(g, key, DCAT + "landingPage")
    rec.languages = _concepts(g, key, DCT + "language", vocab.language_iri, "language", notes)
    rec.spatial = [
        label for label in (_node_or_literal_label(g, o) for o in g.objects(key, DCT + "spatial")) if label
    ]
    rec.frequency = next(iter(_concepts(g, key, DCT + "accrualPeriodicity", vocab.frequency_iri, "frequency",
                                        notes)), None)
    rec.conforms_to = _iris(g, key, DCT + "conformsTo")
    rec.documentation = _iris(g, key, FOAF + "page")
    rec.temporal = _temporal(g, key, notes)
    rec.hvd_categories = _iris(g, key, DCATAP + "hvdCategory")
    rec.applicable_legislation = _iris(g, key, DCATAP + "applicableLegislation")
    rec.in_series = _iris(g, key, DCAT + "inSeries")
    if kind == "dataservice":
        rec.endpoint_urls = _iris(g, key, DCAT + "endpointURL")
        rec.endpoint_descriptions = _iris(g, key, DCAT + "endpointDescription")
        rec.serves_datasets = _iris(g, key, DCAT + "servesDataset")
    rec.notes = notes
    return rec


def _catalogue_language(g: GraphIndex) -> str | None:
    """The one language the document's catalogues declare (dct:language), as a tag, or None."""
    values = [o.value for cat in g.types.get(DCAT + "Catalog", ()) for o in g.objects(cat, DCT + "language")
              if isinstance(o, ox.NamedNode | ox.Literal)]
    return single_language(values)


def iter_resources(g: GraphIndex) -> Iterator[tuple[str, DatasetRecord | Exception]]:
    """Every dataset and data service of a parsed document, as (reference, record or error)."""
    lang = _catalogue_language(g)
    seen: set[str] = set()
    series = set(g.types.get(DCAT + "DatasetSeries", ()))
    services: dict[str, list[str]] = {}
    # statements the parser dropped: noted on the dataset they describe, or reported on their own
    dropped: dict[str, list[str]] = {}
    for d in g.dropped:
        if d.owner is not None and d.owner in g.spo:
            dropped.setdefault(d.owner, []).append(d.message())
        else:
            yield f"line {d.line}" if d.line else d.subject or "document", ParseError(d.message())
    for kind, subjects in (("dataservice", _subjects_of(g, DCAT + "DataService", DCAT + "service")),
                           ("dataset", _subjects_of(g, DCAT + "Dataset", DCAT + "dataset",
                                                    DCAT + "DatasetSeries"))):
        for skey in subjects:
            if skey in seen:
                continue
            seen.add(skey)
            subject: Term = ox.BlankNode(skey[2:]) if skey.startswith("_:") else ox.NamedNode(skey)
            kind_of = "datasetseries" if kind == "dataset" and skey in series else kind
            try:
                rec = read_resource(g, subject, kind_of)
                if lang:  # untagged text in a catalogue of one declared language is in that language
                    tag_untagged(rec, lang)
                if skey in dropped:
                    rec.notes.extend(dropped[skey])
            except Exception as exc:  # one bad record never sinks a run
                yield skey, exc
                continue
            if kind == "dataservice":
                for served in rec.serves_datasets:
                    services.setdefault(served, []).append(rec.uri or skey)
            elif rec.uri and rec.uri in services:
                rec.served_by = services[rec.uri]
            yield skey, rec


def _subjects_of(g: GraphIndex, cls: str, link: str, *more_classes: str) -> list[str]:
    """Subjects typed ``cls`` (or a subclass given), plus described resources a catalogue links
    with ``link`` but forgot to type (common in hand-made catalogues)."""
    out: dict[str, None] = {}
    for c in (cls, *more_classes):
        for skey in g.types.get(c, ()):
            out[skey] = None
    for catalog in g.types.get(DCAT + "Catalog", ()):
        for obj in g.objects(catalog, link):
            key = _key(obj) if not isinstance(obj, ox.Literal) else None
            # only resources with no type at all: one typed as something else is not a dataset
            if key and key not in out and g.described(key) and TYPE not in g.spo[key]:
                out[key] = None
    return list(out)


def next_page(g: GraphIndex) -> str | None:
    """The next page of a Hydra-paged document (hydra:next or the older hydra:nextPage)."""
    for pred in (HYDRA + "next", HYDRA + "nextPage"):
        for po in g.spo.values():
            objs = po.get(pred)
            if objs:
                value = objs[0].value.strip()
                if value:
                    return value
    return None
