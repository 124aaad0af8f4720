"""Reading DCAT: every dcat:Dataset / dcat:DataService of a parsed RDF document mapped to a record.

:mod:`catalog.rdf.parse` parses the document (Oxigraph) into a subject -> predicate -> objects
index; the small mapping functions here read it. Values are normalised by :mod:`catalog.normalise`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from catalog import ids, vocab
from catalog.errors import ParseError
from catalog.normalise import looks_like_url, mailto, normalise_date, single_language, tag_untagged, temporal_interval
from catalog.rdf.describe import Statement, canonical_order, describe, node_digest, sort_statements, term_data
from catalog.rdf.namespaces import ADMS, DCAT, DCATAP, DCT, FOAF, HYDRA, RDF, RDFS, SCHEMA, SKOS, TYPE, VCARD, XSD
from catalog.rdf.parse import GraphIndex, Term
from catalog.rdf.parse import key as _key
from catalog.records import Agent, ContactPoint, DatasetRecord, Distribution, LangMap, display_text

# ---------------------------------------------------------------------------------------------
# which statements a typed field holds
#
# Each class of resource has a table: predicate -> (how many values a typed field takes, which
# objects it can take). The statements taken are read into typed fields; every other statement of the
# resource is carried in its ``extra`` (catalog.rdf.describe) and written back as it came, so that
# nothing a source says is lost (issue 14). Objects are in canonical order (describe.canonical_order),
# so "the first" is the same one whatever the serialisation.

ALL, FIRST, LANG, WORDS = 0, 1, 2, 3
Accept = Callable[[GraphIndex, Term], bool]
Table = dict[str, tuple[int, Accept]]


def _any(g: GraphIndex, o: Term) -> bool:
    return True


def _named(g: GraphIndex, o: Term) -> bool:
    return not isinstance(o, ox.BlankNode)


def _node(g: GraphIndex, o: Term) -> bool:
    return not isinstance(o, ox.Literal)


def _link(g: GraphIndex, o: Term) -> bool:
    """An IRI, or a literal that is plainly one (written back as an IRI)."""
    return isinstance(o, ox.NamedNode) or (isinstance(o, ox.Literal) and looks_like_url(o.value))


def _literal(g: GraphIndex, o: Term) -> bool:
    return isinstance(o, ox.Literal)


def _plain(g: GraphIndex, o: Term) -> bool:
    """A literal without a language tag or a datatype other than xsd:string."""
    return isinstance(o, ox.Literal) and not o.language and (
        o.datatype is None or o.datatype.value == XSD + "string")


def _number(g: GraphIndex, o: Term) -> bool:
    if not isinstance(o, ox.Literal) or o.language:
        return False
    try:
        float(o.value)
    except ValueError:
        return False
    return True


def _decimal(g: GraphIndex, o: Term) -> bool:
    return (isinstance(o, ox.Literal) and o.datatype is not None
            and o.datatype.value in (XSD + "decimal", XSD + "string")
            and _DECIMAL.fullmatch(o.value.strip()) is not None)


def _duration(g: GraphIndex, o: Term) -> bool:
    return isinstance(o, ox.Literal) and o.datatype is not None and o.datatype.value == XSD + "duration"


def _labelled(g: GraphIndex, o: Term) -> bool:
    """An IRI, a literal with text, or a blank node that only names something (a label and a type)."""
    if isinstance(o, ox.BlankNode):
        po = g.spo.get(_key(o), {})
        return bool(_node_or_literal_label(g, o)) and set(po) <= _LABEL_ONLY
    return not isinstance(o, ox.Literal) or bool(o.value.strip())


def _licence(g: GraphIndex, o: Term) -> bool:
    return bool(_node_or_literal_label(g, o))


_concept = _licence  # an IRI, or text or a labelled blank node that _concepts maps to one


def _simple_period(g: GraphIndex, o: Term) -> bool:
    """A period of time the typed field holds whole: start and end dates, nothing else; or an
    ISO 8601 interval given as text."""
    if isinstance(o, ox.Literal):
        return temporal_interval(o.value) is not None
    po = g.spo.get(_key(o))
    if not po or not set(po) <= _PERIOD_PREDICATES:
        return False
    for pred, objs in po.items():
        if pred == TYPE:
            if any(t.value != DCT + "PeriodOfTime" for t in objs):
                return False
        elif len(objs) != 1 or _date(objs[0]) is None:
            return False
    return any(pred != TYPE for pred in po)


def _is(cls: str) -> Accept:
    return lambda g, o: o.value == cls


def _vcard_type(g: GraphIndex, o: Term) -> bool:
    return isinstance(o, ox.NamedNode) and o.value.startswith(VCARD)


_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_LABEL_ONLY = {TYPE, RDFS + "label", SKOS + "prefLabel", DCT + "title", RDF + "value", SKOS + "notation"}
_PERIOD_PREDICATES = {TYPE, DCAT + "startDate", DCAT + "endDate", SCHEMA + "startDate", SCHEMA + "endDate"}

DATASET: Table = {
    DCT + "identifier": (FIRST, _plain), DCT + "title": (LANG, _literal), DCT + "description": (LANG, _literal),
    DCT + "publisher": (FIRST, _any), DCAT + "keyword": (WORDS, _literal), DCAT + "theme": (ALL, _concept),
    DCT + "license": (FIRST, _licence), DCT + "accessRights": (FIRST, _concept), DCT + "issued": (FIRST, _literal),
    DCT + "modified": (FIRST, _literal), DCAT + "contactPoint": (ALL, _node), DCAT + "distribution": (ALL, _node),
    DCAT + "landingPage": (ALL, _link), DCT + "language": (ALL, _concept), DCT + "spatial": (ALL, _labelled),
    DCT + "accrualPeriodicity": (FIRST, _concept), DCT + "conformsTo": (ALL, _link), FOAF + "page": (ALL, _link),
    DCT + "temporal": (ALL, _simple_period), DCATAP + "hvdCategory": (ALL, _link),
    DCATAP + "applicableLegislation": (ALL, _link), DCAT + "inSeries": (ALL, _link),
    DCAT + "version": (FIRST, _plain), DCAT + "spatialResolutionInMeters": (FIRST, _decimal),
    DCAT + "temporalResolution": (FIRST, _duration),
}
SERVICE: Table = {
    **DATASET, DCAT + "endpointURL": (ALL, _link), DCAT + "endpointDescription": (ALL, _link),
    DCAT + "servesDataset": (ALL, _link),
}
KIND_CLASS = {"dataset": DCAT + "Dataset", "datasetseries": DCAT + "DatasetSeries", "dataservice": DCAT + "DataService"}
TABLES: dict[str, Table] = {
    kind: {**(SERVICE if kind == "dataservice" else DATASET), TYPE: (ALL, _is(cls))} for kind, cls in KIND_CLASS.items()
}
DISTRIBUTION: Table = {
    TYPE: (ALL, _is(DCAT + "Distribution")), DCT + "title": (LANG, _literal), DCT + "description": (LANG, _literal),
    DCAT + "accessURL": (ALL, _link), DCAT + "downloadURL": (ALL, _link), DCT + "format": (FIRST, _licence),
    DCAT + "mediaType": (FIRST, _licence), DCT + "license": (FIRST, _licence), DCT + "rights": (FIRST, _named),
    DCAT + "byteSize": (FIRST, _number), DCT + "issued": (FIRST, _literal), DCT + "modified": (FIRST, _literal),
    DCAT + "accessService": (ALL, _link), DCATAP + "hvdCategory": (ALL, _link),
    DCATAP + "applicableLegislation": (ALL, _link), DCT + "conformsTo": (ALL, _link), DCT + "language": (ALL, _link),
    FOAF + "page": (ALL, _link), ADMS + "status": (FIRST, _link), DCATAP + "availability": (FIRST, _link),
}
AGENT: Table = {
    TYPE: (ALL, _is(FOAF + "Agent")), FOAF + "name": (LANG, _literal), DCT + "type": (FIRST, _link),
    FOAF + "mbox": (FIRST, _named), FOAF + "homepage": (FIRST, _link),
}
CONTACT: Table = {
    TYPE: (ALL, _vcard_type), VCARD + "fn": (LANG, _literal), VCARD + "hasEmail": (FIRST, _any),
    VCARD + "hasTelephone": (FIRST, _any), VCARD + "hasURL": (FIRST, _any),
}


_IRI_RULES: set[Accept] = {_link, _concept, _node, _named, _any, _labelled, _licence}


@dataclass(slots=True)
class Taken:
    """A resource's statements split: objects taken by typed fields, by predicate, and the rest."""

    objects: dict[str, list[Term]]
    extra: list[Statement]

    def get(self, predicate: str) -> list[Term]:
        return self.objects.get(predicate, _NONE)

    def one(self, predicate: str) -> Term | None:
        objs = self.objects.get(predicate)
        return objs[0] if objs else None


def split(g: GraphIndex, key: str, table: Table) -> Taken:
    """Which of ``key``'s statements typed fields take (by ``table``), and the others as data."""
    taken: dict[str, list[Term]] = {}
    extra: list[Statement] = []
    po = g.spo.get(key)
    if not po:
        return Taken(taken, extra)
    for pred, objs in po.items():
        rule = table.get(pred)
        if rule is None:
            extra.extend([pred, term_data(g, o)] for o in objs)
            continue
        mode, accept = rule
        if mode == ALL:
            # the usual case first: IRIs, which every ALL rule but a class check and a period takes
            if accept in _IRI_RULES and all(type(o) is ox.NamedNode for o in objs):
                taken[pred] = objs
                continue
            keep = [o for o in objs if accept(g, o)]
            if len(keep) != len(objs):
                extra.extend([pred, term_data(g, o)] for o in objs if o not in keep)
        elif mode == FIRST:
            first = objs[0]
            if len(objs) == 1 and accept(g, first):
                taken[pred] = objs
                continue
            keep = []
            for o in objs:
                if not keep and accept(g, o):
                    keep.append(o)
                else:
                    extra.append([pred, term_data(g, o)])
        else:  # LANG: the first text of each language; WORDS: every distinct text
            if len(objs) == 1:
                only = objs[0]
                if type(only) is ox.Literal and only.value.strip():
                    taken[pred] = objs
                    continue
            keep = []
            seen: set[tuple[str, str]] = set()
            langs: set[str] = set()
            for o in objs:
                if isinstance(o, ox.Literal) and (text := o.value.strip()):
                    lang = (o.language or "").lower()
                    if (lang, text) not in seen and (mode == WORDS or lang not in langs):
                        seen.add((lang, text))
                        langs.add(lang)
                        keep.append(o)
                        continue
                extra.append([pred, term_data(g, o)])
        taken[pred] = keep
    return Taken(taken, sort_statements(extra))


# ---------------------------------------------------------------------------------------------
# small value readers


def _lang_map(objs: list[Term]) -> LangMap:
    out: LangMap = {}
    for obj in objs:
        if isinstance(obj, ox.Literal):
            lang = (obj.language or "").lower()
            text = obj.value.strip()
            if text and lang not in out:
                out[lang] = text
    return out


_NONE: list[Term] = []  # never changed


def _iris(objs: list[Term]) -> list[str]:
    if not objs:
        return []
    out: list[str] = []
    for obj in objs:
        if isinstance(obj, ox.NamedNode):
            value = obj.value
        elif isinstance(obj, ox.Literal) and looks_like_url(obj.value):
            value = obj.value.strip()
        else:
            continue
        if value not in out:
            out.append(value)
    return out


def _iri(objs: list[Term]) -> str | None:
    values = _iris(objs)
    return values[0] if values else None


def _text(g: GraphIndex, subject: str, predicate: str) -> str | None:
    obj = g.value(subject, predicate)
    if obj is None:
        return None
    return obj.value.strip() if not isinstance(obj, ox.BlankNode) else None


def _text_of(obj: Term | None) -> str | None:
    return obj.value.strip() if obj is not None and not isinstance(obj, ox.BlankNode) else None


def _node_or_literal_label(g: GraphIndex, obj: Term) -> str:
    """An IRI, or the label of a described blank node, or a literal's text."""
    if isinstance(obj, ox.NamedNode):
        return obj.value
    if isinstance(obj, ox.Literal):
        return obj.value.strip()
    key = _key(obj)
    for pred in (RDFS + "label", SKOS + "prefLabel", DCT + "title", RDF + "value", SKOS + "notation"):
        text = _text(g, key, pred)
        if text:
            return text
    return ""


def _concepts(g: GraphIndex, objs: list[Term], mapper: Callable[[str], str | None], what: str,
              notes: list[str]) -> list[str]:
    """IRIs of a controlled vocabulary: IRIs as given; text ("en", "daily", "Transport", "öppen") or a
    labelled blank node mapped by ``mapper`` to the EU IRI (issue 14); text it cannot map is kept as
    given, with a note."""
    out: list[str] = []
    for obj in objs:
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
    t = split(g, key, AGENT)
    T = t.objects
    names = _lang_map(T.get(FOAF + "name", _NONE))
    if not names:
        names = _lang_map(g.objects(key, SKOS + "prefLabel")) or _lang_map(g.objects(key, RDFS + "label"))
    return Agent(
        uri=node.value if isinstance(node, ox.NamedNode) else None,
        name=names,
        type=_iri(T.get(DCT + "type", _NONE)),
        # a plain-text foaf:mbox ("info@kommun.se") is an address too
        email=_iri(T.get(FOAF + "mbox", _NONE)) or mailto(_text_of(t.one(FOAF + "mbox"))),
        homepage=_iri(T.get(FOAF + "homepage", _NONE)),
        extra=t.extra,
    )


def _vcard_value(g: GraphIndex, obj: Term | None) -> str | None:
    if obj is None:
        return None
    if isinstance(obj, ox.BlankNode):
        inner = g.value(_key(obj), VCARD + "hasValue")
        return inner.value.strip() if inner is not None else None
    return obj.value.strip()


def read_contact(g: GraphIndex, node: Term) -> ContactPoint:
    key = _key(node)
    t = split(g, key, CONTACT)
    T = t.objects
    kinds = [o.value for o in T.get(TYPE, _NONE)]
    kind = next((k for k in kinds if k != VCARD + "Kind"), None) or next(iter(kinds), None)
    # the vcard types written back: vcard:Kind and the contact's kind; any other goes along as it came
    t.extra.extend([TYPE, {"iri": k}] for k in kinds if k not in (kind, VCARD + "Kind"))
    sort_statements(t.extra)
    names = _lang_map(T.get(VCARD + "fn", _NONE)) or _lang_map(g.objects(key, VCARD + "organization-name"))
    return ContactPoint(
        uri=node.value if isinstance(node, ox.NamedNode) else None,
        name=display_text(names),
        # one untagged name needs no language map; names in several languages are all kept
        names=names if set(names) != {""} else {},
        email=mailto(_vcard_value(g, t.one(VCARD + "hasEmail"))),
        phone=_vcard_value(g, t.one(VCARD + "hasTelephone")),
        url=_vcard_value(g, t.one(VCARD + "hasURL")),
        kind=kind,
        extra=t.extra,
    )


def _format_of(g: GraphIndex, t: Taken, key: str) -> tuple[str | None, str | None, str | None]:
    """(EU file-type code, the raw value the source gave, media type) of a distribution."""
    T = t.objects
    raw: str | None = None
    media: str | None = None
    code: str | None = None
    for obj in T.get(DCT + "format", _NONE):
        value = _node_or_literal_label(g, obj)
        raw = raw or value
        code = code or vocab.format_code(value)
    for obj in T.get(DCAT + "mediaType", _NONE)[:1] + g.objects(key, DCAT + "compressFormat")[:1]:
        value = _node_or_literal_label(g, obj)
        if obj in T.get(DCAT + "mediaType", _NONE):
            media = media or _strip_iana(value)
            raw = raw or value
        code = code or vocab.format_code(value)
    if code is None:
        for url_pred in (DCAT + "downloadURL", DCAT + "accessURL"):
            for url in _iris(T.get(url_pred, _NONE)):
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


def _licence_of(g: GraphIndex, obj: Term | None) -> str | None:
    if obj is None:
        return None
    value = _node_or_literal_label(g, obj)
    if isinstance(obj, ox.BlankNode) and not value:
        return None
    return vocab.licence_iri(value)


def read_distribution(g: GraphIndex, node: Term, notes: list[str]) -> Distribution:
    key = _key(node)
    t = split(g, key, DISTRIBUTION)
    T = t.objects
    code, raw, media = _format_of(g, t, key)
    size: int | None = None
    size_obj = t.one(DCAT + "byteSize")
    if isinstance(size_obj, ox.Literal):
        size = int(float(size_obj.value))
    for obj in g.objects(key, DCAT + "byteSize"):
        if obj is not size_obj and isinstance(obj, ox.Literal) and not _number(g, obj):
            notes.append(f"unreadable byte size {obj.value!r}")
    return Distribution(
        uri=node.value if isinstance(node, ox.NamedNode) else None,
        title=_lang_map(T.get(DCT + "title", _NONE)),
        description=_lang_map(T.get(DCT + "description", _NONE)),
        access_urls=_iris(T.get(DCAT + "accessURL", _NONE)),
        download_urls=_iris(T.get(DCAT + "downloadURL", _NONE)),
        format=code,
        format_raw=raw,
        media_type=media,
        license=_licence_of(g, t.one(DCT + "license")),
        rights=_text_of(t.one(DCT + "rights")),
        byte_size=size,
        issued=_date(t.one(DCT + "issued"), notes),
        modified=_date(t.one(DCT + "modified"), notes),
        access_service=_iris(T.get(DCAT + "accessService", _NONE)),
        hvd_categories=_iris(T.get(DCATAP + "hvdCategory", _NONE)),
        applicable_legislation=_iris(T.get(DCATAP + "applicableLegislation", _NONE)),
        conforms_to=_iris(T.get(DCT + "conformsTo", _NONE)),
        languages=_iris(T.get(DCT + "language", _NONE)),
        documentation=_iris(T.get(FOAF + "page", _NONE)),
        status=_iri(T.get(ADMS + "status", _NONE)),
        availability=_iri(T.get(DCATAP + "availability", _NONE)),
        extra=t.extra,
    )


def _keywords(objs: list[Term]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for obj in objs:
        if isinstance(obj, ox.Literal):
            text = obj.value.strip()
            if not text:
                continue
            words = out.setdefault((obj.language or "").lower(), [])
            if text not in words:
                words.append(text)
    return out


def _temporal(g: GraphIndex, objs: list[Term], notes: list[str]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for obj in objs:
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


def read_resource(g: GraphIndex, subject: Term, kind: str, skip: frozenset[str] = frozenset()) -> DatasetRecord:
    """Map one dcat:Dataset, dcat:DatasetSeries or dcat:DataService to a record. Never raises for
    missing values. ``skip``: resources the document describes as records of their own (their
    descriptions are not carried along)."""
    key = _key(subject)
    notes: list[str] = []
    rec = DatasetRecord(kind=kind, uri=subject.value if isinstance(subject, ox.NamedNode) else None)
    t = split(g, key, TABLES[kind])
    T = t.objects
    rec.identifier = _text_of(t.one(DCT + "identifier"))
    if rec.identifier is None:
        # an identifier typed (xsd:anyURI) or given as an IRI goes along as it came; the record
        # still knows it (ids, search), and the writer does not write it twice
        rec.identifier = next((_text_of(o) for o in g.objects(key, DCT + "identifier")
                               if not isinstance(o, ox.BlankNode)), None)
    rec.title = _lang_map(T.get(DCT + "title", _NONE))
    rec.description = _lang_map(T.get(DCT + "description", _NONE))
    pub = t.one(DCT + "publisher")
    if pub is not None:
        rec.publisher = read_agent(g, pub)
    rec.keywords = _keywords(T.get(DCAT + "keyword", _NONE))
    rec.themes = _concepts(g, T.get(DCAT + "theme", _NONE), vocab.theme_iri_of, "theme", notes)
    rec.license = _licence_of(g, t.one(DCT + "license"))
    rec.access_rights = next(iter(_concepts(g, T.get(DCT + "accessRights", _NONE), vocab.access_right_iri,
                                            "access rights", notes)), None)
    rec.issued = _date(t.one(DCT + "issued"), notes)
    rec.modified = _date(t.one(DCT + "modified"), notes)
    rec.contact_points = [read_contact(g, node) for node in T.get(DCAT + "contactPoint", _NONE)]
    rec.distributions = [read_distribution(g, node, notes) for node in T.get(DCAT + "distribution", _NONE)]
    rec.landing_pages = _iris(T.get(DCAT + "landingPage", _NONE))
    rec.languages = _concepts(g, T.get(DCT + "language", _NONE), vocab.language_iri, "language", notes)
    rec.spatial = [label for label in (_node_or_literal_label(g, o) for o in T.get(DCT + "spatial", _NONE)) if label]
    rec.frequency = next(iter(_concepts(g, T.get(DCT + "accrualPeriodicity", _NONE), vocab.frequency_iri, "frequency",
                                        notes)), None)
    rec.conforms_to = _iris(T.get(DCT + "conformsTo", _NONE))
    rec.documentation = _iris(T.get(FOAF + "page", _NONE))
    rec.temporal = _temporal(g, T.get(DCT + "temporal", _NONE), notes)
    for obj in g.objects(key, DCT + "temporal"):
        if isinstance(obj, ox.Literal) and obj not in T.get(DCT + "temporal", _NONE):
            temporal_interval(obj.value, notes)  # text that is no interval: kept as it came, with a note
    rec.hvd_categories = _iris(T.get(DCATAP + "hvdCategory", _NONE))
    rec.applicable_legislation = _iris(T.get(DCATAP + "applicableLegislation", _NONE))
    rec.in_series = _iris(T.get(DCAT + "inSeries", _NONE))
    rec.version = _text_of(t.one(DCAT + "version"))
    rec.spatial_resolution = _text_of(t.one(DCAT + "spatialResolutionInMeters"))
    rec.temporal_resolution = _text_of(t.one(DCAT + "temporalResolution"))
    if kind == "dataservice":
        rec.endpoint_urls = _iris(T.get(DCAT + "endpointURL", _NONE))
        rec.endpoint_descriptions = _iris(T.get(DCAT + "endpointDescription", _NONE))
        rec.serves_datasets = _iris(T.get(DCAT + "servesDataset", _NONE))
    rec.extra = t.extra
    typed = {key, *(_key(o) for o in T.get(DCAT + "distribution", _NONE)),
             *(_key(o) for o in T.get(DCAT + "contactPoint", _NONE))}
    if pub is not None and not isinstance(pub, ox.Literal):
        typed.add(_key(pub))
    rec.described = _described(g, typed, skip)
    rec.notes = notes
    return rec.canonicalise()


# resources a record refers to whose descriptions it carries: at most this many
MAX_DESCRIBED = 200


def _described(g: GraphIndex, typed: set[str], skip: frozenset[str]) -> list[list[Any]]:
    """The descriptions of the named resources a record refers to (from its own statements, its
    distributions', publisher's and contact points', and onwards from those descriptions) that the
    document describes and that are not records of their own: a licence's label, a creator's name, a
    location's geometry. [IRI, statements], sorted by IRI."""
    spo = g.spo
    todo: list[str] = []
    stack = list(typed)
    seen_nodes: set[str] = set()
    while stack:  # the typed resources and the blank nodes they hold
        node = stack.pop()
        for pred, objs in (spo.get(node) or {}).items():
            if pred == TYPE:
                continue
            for o in objs:
                t = type(o)
                if t is ox.NamedNode:
                    if o.value in spo and o.value not in typed and o.value not in skip:
                        todo.append(o.value)
                elif t is ox.BlankNode:
                    bkey = "_:" + o.value
                    if bkey not in seen_nodes and bkey not in typed:
                        seen_nodes.add(bkey)
                        stack.append(bkey)
    if not todo:
        return []
    out: dict[str, list[Statement]] = {}
    while todo and len(out) < MAX_DESCRIBED:
        iri = todo.pop()
        if iri in out or iri in typed or iri in skip:
            continue
        stmts = out[iri] = describe(g, iri)
        _refs_in(stmts, g, todo)
    return [[iri, out[iri]] for iri in sorted(out)]


def _refs_in(stmts: list[Statement], g: GraphIndex, todo: list[str]) -> None:
    for pred, obj in stmts:
        if pred == TYPE:
            continue
        if "iri" in obj:
            if obj["iri"] in g.spo:
                todo.append(obj["iri"])
        elif "node" in obj:
            _refs_in(obj["node"], g, todo)


def _catalogue_language(g: GraphIndex) -> str | None:
    """The one language the document's catalogues declare (dct:language), as a tag, or None."""
    values = [o.value for cat in g.types.get(DCAT + "Catalog", ()) for o in g.objects(cat, DCT + "language")
              if isinstance(o, ox.NamedNode | ox.Literal)]
    return single_language(values)


def iter_resources(g: GraphIndex, part: tuple[int, int] = (0, 1)) -> Iterator[tuple[str, DatasetRecord | Exception]]:
    """Every dataset, dataset series and data service of a parsed document, as (reference, record or
    error). Resources without an IRI get ids that cannot collide within the document
    (:func:`catalog.ids.assign_local_ids`), from their descriptions, not from their blank-node labels.

    ``part`` (k, n): only the k-th of n consecutive shares of the resources (the parse pool's workers
    each read one share of a page, harvester/parse_pool.py); the shares in order give the whole
    document's. A document with resources that have no IRI is read whole (:func:`shareable`)."""
    canonical_order(g)
    lang = _catalogue_language(g)
    series = set(g.types.get(DCAT + "DatasetSeries", ()))
    services: dict[str, list[str]] = {}
    todo = _resources(g)
    k, n = part
    lo, hi = (len(todo) * k) // n, (len(todo) * (k + 1)) // n
    if n > 1 and not shareable(todo):
        raise ValueError("a document with resources without an IRI is read whole")
    # statements the parser dropped: noted on the dataset they describe, or reported on their own
    dropped: dict[str, list[str]] = {}
    for d in g.dropped:
        if d.owner is not None and d.owner in g.spo:
            notes = dropped.setdefault(d.owner, [])
            if d.message() not in notes:
                notes.append(d.message())
        elif d.repaired is None and k == 0:  # a repaired statement was kept: only a dataset's notes tell of it
            yield f"line {d.line}" if d.line else d.subject or "document", ParseError(d.message())
    # records and catalogues are described by themselves: no record carries another's description
    skip = frozenset(skey for _, skey in todo) | frozenset(g.types.get(DCAT + "Catalog", ()))
    read: list[tuple[str, DatasetRecord | Exception]] = []
    lazy = n > 1 or shareable(todo)  # no ids to make unique among the document's records: yield as read
    for i, (kind, skey) in enumerate(todo):
        if i >= hi:
            break
        if i < lo and kind != "dataservice":  # an earlier share's (its data services are read for served_by)
            continue
        subject: Term = ox.BlankNode(skey[2:]) if skey.startswith("_:") else ox.NamedNode(skey)
        kind_of = "datasetseries" if kind == "dataset" and skey in series else kind
        try:
            rec = read_resource(g, subject, kind_of, skip)
            if lang:  # untagged text in a catalogue of one declared language is in that language
                tag_untagged(rec, lang)
            if skey in dropped:
                rec.notes.extend(dropped[skey])
        except Exception as exc:  # one bad record never sinks a run
            if i >= lo:
                read.append((skey, exc))
            continue
        if kind == "dataservice":
            for served in rec.serves_datasets:
                services.setdefault(served, []).append(rec.uri or skey)
        elif rec.uri and rec.uri in services:
            rec.served_by = services[rec.uri]
        if i >= lo:
            read.append((skey, rec))
        if lazy:
            yield from read
            read.clear()
    ids.assign_local_ids([(rec, node_digest(g, skey)) for skey, rec in read
                          if isinstance(rec, DatasetRecord) and rec.uri is None])
    yield from read


def _resources(g: GraphIndex) -> list[tuple[str, str]]:
    """(kind, subject key) of every resource the document describes as a record, each once, in reading
    order: data services first (a dataset names the services that serve it), then datasets."""
    out: dict[str, str] = {}
    for kind, subjects in (("dataservice", _subjects_of(g, DCAT + "DataService", DCAT + "service")),
                           ("dataset", _subjects_of(g, DCAT + "Dataset", DCAT + "dataset", DCAT + "DatasetSeries"))):
        for skey in subjects:
            out.setdefault(skey, kind)
    return [(kind, skey) for skey, kind in out.items()]


def resource_count(g: GraphIndex) -> tuple[int, bool]:
    """How many records the document describes, and whether it can be read in shares (every one has an
    IRI: no ids to make unique across the document)."""
    todo = _resources(g)
    return len(todo), shareable(todo)


def shareable(todo: list[tuple[str, str]]) -> bool:
    return not any(skey.startswith("_:") for _, skey in todo)


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
