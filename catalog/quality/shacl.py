"""Full SHACL validation with the official DCAT-AP 3.0.1 shapes and the DCAT-AP-SE 3.0.1 additions,
reported the way publishers read it.

The shapes are vendored in ``config/shapes/`` (see its NOTICE.md). DCAT-AP 3.0.1 (CC BY 4.0, © European
Union): ``shapes.ttl`` (cardinalities and kinds), ``range.ttl`` (the classes of values), and, as
warnings, ``shapes_recommended.ttl`` and ``deprecateduris.ttl``. DCAT-AP-SE 3.0.1 on top (issue 14):
``dcat-ap-se-additions.ttl`` (DIGG's processor team: a publisher on every dataset, a catalogue licence,
a type on every agent) and ``dcat-ap-se-datakatalog.ttl`` (our reading of DIGG's profile: a data
service's one format, a distribution's format, the ADMS publisher type, a contact's name and e-mail).
Every finding says which shape set it comes from (``shapes``; rule ids ``dcat-ap:…`` or ``dcat-ap-se:…``).
pyshacl takes about 1.7 s for 200 datasets,
so harvests run only the mandatory checks of :mod:`catalog.quality`; this module runs afterwards
on what changed (:func:`catalog.quality_service.validate_changed`) and on documents being checked
without storing them (``datakatalog validate``).

Every result becomes a problem like the mandatory checks': a rule id (``dcat-ap:Dataset/dct:title/
minCount``), a severity, the focus node, the property path and a Swedish and an English message
built from the shape (the shape's own ``sh:message`` when there is no better one).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import orjson
import pyshacl
import rdflib
from rdflib import RDF, RDFS, BNode, URIRef
from rdflib.namespace import SH

from catalog.rdf import namespaces
from catalog.resources import read_config_text

SE_FILES = ("dcat-ap-se-additions.ttl", "dcat-ap-se-datakatalog.ttl")
SHAPE_FILES = ("shapes.ttl", "range.ttl", "shapes_recommended.ttl", "deprecateduris.ttl", *SE_FILES)
MANDATORY_FILES = ("shapes.ttl", "range.ttl", *SE_FILES)
EU_FILES = ("shapes.ttl", "range.ttl", "shapes_recommended.ttl", "deprecateduris.ttl")
# the shape set of each file: its rule-id prefix and the name findings give
SHAPE_SETS: dict[str, tuple[str, str]] = {
    **{name: ("dcat-ap", "DCAT-AP 3.0.1") for name in EU_FILES},
    **{name: ("dcat-ap-se", "DCAT-AP-SE 3.0.1") for name in SE_FILES},
}

Problem = dict[str, Any]

# The subject of a message, by the class the shape targets: (sv, en)
CLASS_NAMES: dict[str, tuple[str, str]] = {
    "dcat:Dataset": ("Datamängden", "The dataset"),
    "dcat:Distribution": ("Distributionen", "The distribution"),
    "dcat:DataService": ("Datatjänsten", "The data service"),
    "dcat:Catalog": ("Katalogen", "The catalogue"),
    "dcat:CatalogRecord": ("Katalogposten", "The catalogue record"),
    "dcat:DatasetSeries": ("Dataserien", "The dataset series"),
    "foaf:Agent": ("Aktören (utgivaren)", "The agent (publisher)"),
    "vcard:Kind": ("Kontaktpunkten", "The contact point"),
    "skos:Concept": ("Begreppet", "The concept"),
    "skos:ConceptScheme": ("Begreppsschemat", "The concept scheme"),
    "dct:PeriodOfTime": ("Tidsperioden", "The period of time"),
    "dct:LicenseDocument": ("Licensen", "The licence"),
    "dct:Location": ("Platsen", "The location"),
    "spdx:Checksum": ("Kontrollsumman", "The checksum"),
}

# Readable names of the properties publishers most often get wrong: (sv, en)
PROPERTY_NAMES: dict[str, tuple[str, str]] = {
    "dct:title": ("titel", "title"), "dct:description": ("beskrivning", "description"),
    "dct:publisher": ("utgivare", "publisher"), "foaf:name": ("namn", "name"),
    "dcat:accessURL": ("åtkomstadress", "access URL"), "dcat:downloadURL": ("nedladdningsadress", "download URL"),
    "dct:format": ("format", "format"), "dcat:mediaType": ("medietyp", "media type"),
    "dct:license": ("licens", "licence"), "dct:accessRights": ("åtkomsträttigheter", "access rights"),
    "dcat:contactPoint": ("kontaktpunkt", "contact point"), "dcat:theme": ("tema", "theme"),
    "dcat:keyword": ("nyckelord", "keyword"), "dct:spatial": ("geografiskt område", "spatial coverage"),
    "dct:temporal": ("tidsperiod", "temporal coverage"), "dct:issued": ("utgivningsdatum", "release date"),
    "dct:modified": ("senast ändrad", "modification date"), "dct:language": ("språk", "language"),
    "dct:accrualPeriodicity": ("uppdateringsfrekvens", "update frequency"),
    "dcat:landingPage": ("landningssida", "landing page"), "foaf:page": ("dokumentation", "documentation"),
    "foaf:homepage": ("webbplats", "homepage"), "dct:type": ("typ", "type"),
    "dct:conformsTo": ("följer standard", "conforms to"), "dct:rights": ("rättigheter", "rights"),
    "dcat:endpointURL": ("ändpunktsadress", "endpoint URL"), "dcat:distribution": ("distribution", "distribution"),
    "dcat:dataset": ("datamängd", "dataset"), "dcat:servesDataset": ("tillhandahållen datamängd", "served dataset"),
    "dcat:accessService": ("åtkomsttjänst", "access service"), "dcat:byteSize": ("storlek", "byte size"),
    "skos:prefLabel": ("föredragen benämning", "preferred label"),
    "dcat:startDate": ("startdatum", "start date"), "dcat:endDate": ("slutdatum", "end date"),
}

# Subclasses sources commonly use where DCAT-AP names the superclass (SHACL runs without inference)
SUBCLASSES: dict[str, set[str]] = {
    "vcard:Kind": {"vcard:Organization", "vcard:Individual", "vcard:Group", "vcard:Location"},
    "foaf:Agent": {"foaf:Organization", "foaf:Person", "foaf:Group"},
    "foaf:Document": {"foaf:PersonalProfileDocument"},
}

SEVERITIES: dict[rdflib.term.Node | None, str] = {SH.Violation: "violation", SH.Warning: "warning",
                                                  SH.Info: "info"}


def curie(term: object) -> str:
    """A prefixed name for an IRI (``dct:title``), or the IRI itself."""
    return namespaces.curie(str(term))


@lru_cache(maxsize=4)
def _parsed(files: tuple[str, ...]) -> tuple[rdflib.Graph, dict[rdflib.term.Node, tuple[str, str]]]:
    """The vendored shapes parsed once, and the shape set (rule prefix, name) of every shape in them."""
    g = rdflib.Graph()
    sets: dict[rdflib.term.Node, tuple[str, str]] = {}
    for name in files:
        part = rdflib.Graph().parse(data=read_config_text("shapes", name), format="turtle")
        which = SHAPE_SETS.get(name, ("dcat-ap", "DCAT-AP 3.0.1"))
        for node_shape in part.subjects(RDF.type, SH.NodeShape):
            sets[node_shape] = which
            for prop in part.objects(node_shape, SH.property):
                sets[prop] = which
        g += part  # blank nodes keep their identity, so ``sets`` holds for the merged graph
    return g, sets


def shapes_graph(files: tuple[str, ...] = SHAPE_FILES) -> rdflib.Graph:
    """The vendored shapes, parsed once."""
    return _parsed(files)[0]


@lru_cache(maxsize=4)
def _shape_classes(files: tuple[str, ...]) -> dict[rdflib.term.Node, str]:
    """property shape -> the class its node shape targets (for messages and rule ids)."""
    g = shapes_graph(files)
    out: dict[rdflib.term.Node, str] = {}
    for node_shape in g.subjects(RDF.type, SH.NodeShape):
        target = g.value(node_shape, SH.targetClass)
        label = curie(target) if target is not None else str(g.value(node_shape, RDFS.label) or "")
        out[node_shape] = label
        for prop in g.objects(node_shape, SH.property):
            out[prop] = label
    return out


@lru_cache(maxsize=1)
def se_overrides() -> frozenset[tuple[str, str]]:
    """(property IRI, constraint component) pairs DCAT-AP-SE relaxes (dcat-ap-se-overrides.json)."""
    data = orjson.loads(read_config_text("shapes", "dcat-ap-se-overrides.json"))
    return frozenset((o["path"], c) for o in data["overrides"] for c in o["ignoreConstraints"])


def _path_text(g: rdflib.Graph, path: rdflib.term.Node | None) -> str:
    if path is None:
        return ""
    if isinstance(path, BNode):
        inverse = g.value(path, SH.inversePath)
        if inverse is not None:
            return "^" + curie(inverse)
        return "(path)"
    return curie(path)


def _component(term: rdflib.term.Node | None) -> str:
    name = str(term or "").rsplit("#", 1)[-1]
    return name[: -len("ConstraintComponent")] if name.endswith("ConstraintComponent") else name
    # e.g. MinCount, MaxCount, Class, NodeKind, Node, Datatype


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def messages(cls: str, path: str, component: str, severity: str, shape: dict[str, Any],
             fallback: str, profile: str = "DCAT-AP") -> tuple[str, str]:
    """Swedish and English messages a publisher understands, from the shape that failed (``profile``:
    the application profile whose shape it is, DCAT-AP or DCAT-AP-SE)."""
    subj_sv, subj_en = CLASS_NAMES.get(cls, (f"Resursen ({cls})" if cls else "Resursen",
                                               f"The resource ({cls})" if cls else "The resource"))
    name_sv, name_en = PROPERTY_NAMES.get(path, (path, path))
    prop_sv = f"{name_sv} ({path})" if name_sv != path else path
    prop_en = f"{name_en} ({path})" if name_en != path else path
    if component == "MinCount":
        if severity == "violation":
            return (f"{subj_sv} saknar {prop_sv}, som är obligatorisk i {profile}.",
                    f"{subj_en} has no {prop_en}, which {profile} makes mandatory.")
        return (f"{subj_sv} saknar {prop_sv}, som {profile} rekommenderar.",
                f"{subj_en} has no {prop_en}, which {profile} recommends.")
    if component == "In":
        hint = " (ADMS: http://purl.org/adms/publishertype/…)" if path == "dct:type" else ""
        return (f"Värdet av {prop_sv} hos {_lower_first(subj_sv)} är inte ett av de värden som {profile} "
                f"tillåter{hint}.",
                f"The value of {prop_en} of {_lower_first(subj_en)} is not one {profile} allows{hint}.")
    if component == "MaxCount":
        n = shape.get("max", 1)
        return (f"{subj_sv} har för många värden för {prop_sv} (högst {n} tillåts).",
                f"{subj_en} has too many values for {prop_en} (at most {n} allowed).")
    if component == "Class":
        want = shape.get("class", "")
        return (f"Värdet av {prop_sv} hos {_lower_first(subj_sv)} ska vara en resurs av typen {want} "
                f"(en IRI som anges med rdf:type {want}), inte text eller en otypad resurs.",
                f"The value of {prop_en} of {_lower_first(subj_en)} must be a resource of class {want} "
                f"(an IRI typed rdf:type {want}), not text or an untyped resource.")
    if component == "NodeKind":
        kind = shape.get("nodeKind", "")
        sv_kind = {"sh:Literal": "en text (literal)", "sh:IRI": "en IRI (webbadress)",
                   "sh:BlankNodeOrIRI": "en resurs (IRI), inte text"}.get(kind, kind)
        en_kind = {"sh:Literal": "a text (literal)", "sh:IRI": "an IRI (web address)",
                   "sh:BlankNodeOrIRI": "a resource (IRI), not text"}.get(kind, kind)
        return (f"Värdet av {prop_sv} hos {_lower_first(subj_sv)} ska vara {sv_kind}.",
                f"The value of {prop_en} of {_lower_first(subj_en)} must be {en_kind}.")
    if component in ("Node", "Or", "Datatype") and path in ("dct:issued", "dct:modified", "dcat:startDate",
                                                            "dcat:endDate"):
        return (f"Datumet i {prop_sv} har fel form: använd xsd:date (2024-03-15) eller xsd:dateTime.",
                f"The date in {prop_en} is malformed: use xsd:date (2024-03-15) or xsd:dateTime.")
    if component == "Datatype":
        return (f"Värdet av {prop_sv} har fel datatyp ({shape.get('datatype', '')} krävs).",
                f"The value of {prop_en} has the wrong datatype ({shape.get('datatype', '')} required).")
    if component == "Not" or not path:
        return (f"{subj_sv}: {fallback}", fallback)
    return (f"{subj_sv}: {prop_sv} uppfyller inte {profile} ({fallback})",
            f"{subj_en}: {prop_en} does not meet {profile} ({fallback})")


def _shape_facts(g: rdflib.Graph, shape: rdflib.term.Node | None) -> dict[str, Any]:
    if shape is None:
        return {}
    facts: dict[str, Any] = {}
    for key, pred in (("max", SH.maxCount), ("class", SH["class"]), ("nodeKind", SH.nodeKind),
                      ("datatype", SH.datatype), ("message", SH.message)):
        value = g.value(shape, pred)
        if value is not None:
            if key == "max":
                facts[key] = int(str(value))
            else:
                facts[key] = str(value) if key == "message" else curie(value)
    return facts


def validate(data: rdflib.Graph, *, files: tuple[str, ...] = SHAPE_FILES, strict_ranges: bool = True) -> list[Problem]:
    """Validate a graph; every SHACL result as a problem (rule, severity, focus, path, sv/en messages).

    With ``strict_ranges`` off (checking someone else's catalogue), an IRI value that the document
    does not type at all (a theme, a licence, a file type from a well-known vocabulary) breaks a range
    shape only as a warning: DCAT-AP leaves range checks to exchange agreements, and dataportal.se
    does not require them. Text where a resource belongs, or a resource of the wrong class, stays a
    violation. The EU constraints DCAT-AP-SE relaxes (dcat-ap-se-overrides.json: a format given as a
    media-type text, an untyped access URL …) are warnings too. datakatalog's own output is checked
    strictly.
    """
    shapes, sets = _parsed(files)
    _conforms, report, _text = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=False, allow_warnings=True)
    assert isinstance(report, rdflib.Graph)
    classes = _shape_classes(files)
    out: list[Problem] = []
    seen: set[tuple[str, ...]] = set()
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        path = _path_text(report, report.value(result, SH.resultPath))
        component = _component(report.value(result, SH.sourceConstraintComponent))
        severity = SEVERITIES.get(report.value(result, SH.resultSeverity), "violation")
        source_shape = report.value(result, SH.sourceShape)
        facts = _shape_facts(shapes, source_shape)
        cls = classes.get(source_shape, "") if source_shape is not None else ""
        prefix, shape_set = sets.get(source_shape, ("dcat-ap", "DCAT-AP 3.0.1")) if source_shape is not None \
            else ("dcat-ap", "DCAT-AP 3.0.1")
        value = report.value(result, SH.value)
        result_path = report.value(result, SH.resultPath)
        if not strict_ranges and prefix == "dcat-ap" and severity == "violation" and \
                (str(result_path), f"{component}ConstraintComponent") in se_overrides():
            severity = "warning"
        if not strict_ranges and component == "Class" and not isinstance(value, rdflib.Literal):
            types = {curie(t) for t in data.objects(value, RDF.type)}  # type: ignore[arg-type]
            if not types or types & SUBCLASSES.get(facts.get("class", ""), set()):
                severity = "warning"
        fallback = facts.get("message") or str(report.value(result, SH.resultMessage) or component)
        sv, en = messages(cls, path, component, severity, facts, fallback, shape_set.rsplit(" ", 1)[0])
        rule = f"{prefix}:{cls.split(':')[-1] or 'Resource'}/{path or '-'}/{_lower_first(component)}"
        focus_text = str(focus) if isinstance(focus, URIRef) else f"_:{focus}"
        key = (rule, focus_text, str(value))
        if key in seen:
            continue
        seen.add(key)
        out.append({"rule": rule, "path": path or None, "severity": severity, "focus": focus_text,
                    "value": str(value) if value is not None else None, "message_sv": sv, "message_en": en,
                    "source": "shacl", "shapes": shape_set})
    out.sort(key=lambda p: (p["severity"] != "violation", p["rule"], p["focus"]))
    return out
