"""DCAT-AP-SE mandatory-property checks run in every harvest, and the quality score.

The checks follow DCAT-AP-SE 3.0.1's cardinalities (dcat-ap-se_3.0.1_property_levels.tsv):
a dataset needs a title, a description and a publisher; a distribution an access URL and a format;
a data service a title and an endpoint URL. A record that breaks one is stored, flagged with the
violation, and counted in the job report; it is never dropped.

The score follows the five dimensions of data.europa.eu's Metadata Quality Assessment
(findability, accessibility, interoperability, reusability, contextuality), scaled to 0–100.
docs/quality.md lists every point.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog import publisher_types, vocab
from catalog.normalise import is_valid_date
from catalog.rdf.iris import is_iri
from catalog.rdf.parse import DROPPED_NOTE
from catalog.records import DatasetRecord


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    path: str
    severity: str
    sv: str
    en: str


RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule("dataset-title", "dcat:Dataset/dct:title", "violation",
             "Datamängden saknar titel (dct:title är obligatorisk).",
             "The dataset has no title (dct:title is mandatory)."),
        Rule("dataset-description", "dcat:Dataset/dct:description", "violation",
             "Datamängden saknar beskrivning (dct:description är obligatorisk).",
             "The dataset has no description (dct:description is mandatory)."),
        Rule("dataset-publisher", "dcat:Dataset/dct:publisher", "violation",
             "Datamängden saknar utgivare (dct:publisher är obligatorisk).",
             "The dataset has no publisher (dct:publisher is mandatory)."),
        Rule("publisher-name", "foaf:Agent/foaf:name", "violation",
             "Utgivaren saknar namn (foaf:name är obligatoriskt).",
             "The publisher has no name (foaf:name is mandatory)."),
        Rule("publisher-type", "foaf:Agent/dct:type", "violation",
             "Utgivaren saknar typ (dct:type, en ADMS-utgivartyp, är obligatorisk i DCAT-AP-SE) och namnet "
             "säger inte vilken.",
             "The publisher has no type (dct:type, an ADMS publisher type, is mandatory in DCAT-AP-SE) and "
             "its name does not say which."),
        Rule("publisher-type-inferred", "foaf:Agent/dct:type", "warning",
             "Utgivaren saknar typ (dct:type, obligatorisk i DCAT-AP-SE); datakatalog härledde den ur namnet. "
             "Ange typen i källan.",
             "The publisher has no type (dct:type, mandatory in DCAT-AP-SE); datakatalog inferred it from the "
             "name. State the type in the source."),
        Rule("distribution-accessurl", "dcat:Distribution/dcat:accessURL", "violation",
             "En distribution saknar åtkomstadress (dcat:accessURL är obligatorisk).",
             "A distribution has no access URL (dcat:accessURL is mandatory)."),
        Rule("distribution-format", "dcat:Distribution/dct:format", "violation",
             "En distribution saknar format (dct:format är obligatoriskt).",
             "A distribution has no format (dct:format is mandatory)."),
        Rule("dataservice-title", "dcat:DataService/dct:title", "violation",
             "Datatjänsten saknar titel (dct:title är obligatorisk).",
             "The data service has no title (dct:title is mandatory)."),
        Rule("dataservice-endpointurl", "dcat:DataService/dcat:endpointURL", "violation",
             "Datatjänsten saknar ändpunktsadress (dcat:endpointURL är obligatorisk).",
             "The data service has no endpoint URL (dcat:endpointURL is mandatory)."),
        Rule("distribution-format-unknown", "dcat:Distribution/dct:format", "warning",
             "Formatet finns inte i EU:s filtypslista och kunde inte normaliseras.",
             "The format is not in the EU file-type list and could not be normalised."),
        Rule("license-unknown", "dct:license", "warning",
             "Licensen är inte en känd öppen licens (till exempel CC0 eller CC BY 4.0) och kunde inte "
             "normaliseras; ange licensens vedertagna adress.",
             "The licence is not a known open licence (such as CC0 or CC BY 4.0) and could not be "
             "normalised; give the licence's well-known IRI."),
        Rule("theme-unknown", "dcat:Dataset/dcat:theme", "warning",
             "Temat finns inte i EU:s lista över datateman (data-theme) och kunde inte normaliseras.",
             "The theme is not in the EU data-theme vocabulary and could not be normalised."),
        Rule("date-invalid", "dct:issued|dct:modified", "violation",
             "Ett datum är inte ett giltigt datum (till exempel månad 13 eller 30 februari); det sparas "
             "som källan angav det men används inte för sortering.",
             "A date is not a valid date (such as month 13 or 30 February); it is kept as the source "
             "gave it but not used for sorting."),
        Rule("text-untagged", "dct:title|dct:description", "warning",
             "En titel eller beskrivning saknar språkkod (till exempel @sv eller @en), så varken sökning "
             "eller skördare vet vilket språk den är på; ange språket, eller ett enda språk (dct:language) "
             "för katalogen.",
             "A title or description has no language tag (such as @sv or @en), so neither search nor "
             "harvesters know its language; tag it, or declare one language (dct:language) for the catalogue."),
        Rule("value-not-iri", "rdf:about|dcat:accessURL|dcat:landingPage", "warning",
             "Ett värde där en IRI (webbadress) hör hemma är ingen användbar IRI (till exempel "
             "internalURI:contactPoint0 eller en adress med mellanslag); resursen får en IRI av datakatalog "
             "och adressen skrivs som text.",
             "A value where an IRI (web address) belongs is not a usable IRI (such as "
             "internalURI:contactPoint0 or an address with spaces); datakatalog mints an IRI for the resource "
             "and writes the address as text."),
        Rule("rdf-statement-dropped", "rdf:Statement", "warning",
             "Ett påstående i RDF-dokumentet hade ett ogiltigt värde (språkkod, IRI eller literal) och "
             "lästes inte in.",
             "A statement in the RDF document had an invalid value (language tag, IRI or literal) and "
             "was left out."),
    )
}


def violation(rule_id: str, focus: str | None) -> dict[str, str | None]:
    rule = RULES[rule_id]
    return {"rule": rule.id, "path": rule.path, "severity": rule.severity, "focus": focus,
            "message_sv": rule.sv, "message_en": rule.en}


def check_mandatory(rec: DatasetRecord) -> list[dict[str, str | None]]:
    """The mandatory DCAT-AP-SE properties this record lacks (and unknown formats, as warnings)."""
    focus = rec.uri or rec.identifier
    out: list[dict[str, str | None]] = []
    out.extend(_date_violations(rec, focus))
    out.extend(_detailed("rdf-statement-dropped", focus, note) for note in rec.notes if note.startswith(DROPPED_NOTE))
    not_iris = _not_iris(rec)
    if not_iris:
        out.append(_detailed("value-not-iri", focus, ", ".join(not_iris)))
    untagged = _untagged(rec)
    if untagged:
        out.append(_detailed("text-untagged", focus, ", ".join(untagged)))
    if rec.kind == "dataservice":
        if not rec.title:
            out.append(violation("dataservice-title", focus))
        if not rec.endpoint_urls:
            out.append(violation("dataservice-endpointurl", focus))
        return out
    if not rec.title:
        out.append(violation("dataset-title", focus))
    if not rec.description:
        out.append(violation("dataset-description", focus))
    if rec.publisher is None:
        out.append(violation("dataset-publisher", focus))
    elif not rec.publisher.name:
        out.append(violation("publisher-name", rec.publisher.uri or focus))
    if rec.publisher is not None and rec.publisher.name:
        kind, inferred = publisher_types.resolve(rec.publisher)
        if kind is None:
            out.append(violation("publisher-type", rec.publisher.uri or focus))
        elif inferred:
            out.append(_detailed("publisher-type-inferred", rec.publisher.uri or focus, kind))
    for dist in rec.distributions:
        dfocus = dist.uri or (dist.access_urls[0] if dist.access_urls else focus)
        if not dist.access_urls:
            out.append(violation("distribution-accessurl", dfocus))
        if not dist.format and not dist.format_raw and not dist.media_type:
            out.append(violation("distribution-format", dfocus))
        elif not dist.format:
            out.append(violation("distribution-format-unknown", dfocus))
        if dist.license and vocab.licence(dist.license) is None:
            out.append(violation("license-unknown", dfocus))
    if rec.license and vocab.licence(rec.license) is None:
        out.append(violation("license-unknown", focus))
    for theme in rec.themes:
        if vocab.theme_code(theme) is None:
            out.append(violation("theme-unknown", focus))
            break
    return out


def _detailed(rule_id: str, focus: str | None, detail: str) -> dict[str, str | None]:
    """A violation whose messages also name the value (or the line) at fault."""
    rule = RULES[rule_id]
    return violation(rule_id, focus) | {"message_sv": f"{rule.sv} ({detail})", "message_en": f"{rule.en} ({detail})"}


def _not_iris(rec: DatasetRecord) -> list[str]:
    """The resource IRIs and addresses of a record that :func:`catalog.rdf.iris.as_iri` refuses (issue 14):
    the writer keeps them as text or mints an IRI instead, never writes them as IRIs."""
    values = [rec.uri, *rec.landing_pages, *rec.endpoint_urls]
    if rec.publisher is not None:
        values.append(rec.publisher.uri)
    values.extend(cp.uri for cp in rec.contact_points)
    for dist in rec.distributions:
        values.extend([dist.uri, *dist.access_urls, *dist.download_urls])
    return [repr(v) for v in dict.fromkeys(v for v in values if v and not is_iri(v))]


def _untagged(rec: DatasetRecord) -> list[str]:
    """The texts of a record (and its distributions) given without a language tag (issue 14)."""
    found = [name for name in ("title", "description") if getattr(rec, name).get("")]
    for n, dist in enumerate(rec.distributions):
        found.extend(f"distribution {n + 1} {name}" for name in ("title", "description") if getattr(dist, name).get(""))
    return found


def _date_violations(rec: DatasetRecord, focus: str | None) -> list[dict[str, str | None]]:
    out: list[dict[str, str | None]] = []
    for what, value in (("issued", rec.issued), ("modified", rec.modified)):
        if not is_valid_date(value):
            out.append(_detailed("date-invalid", focus, f"dct:{what} {value!r}"))
    for dist in rec.distributions:
        for what, value in (("issued", dist.issued), ("modified", dist.modified)):
            if not is_valid_date(value):
                out.append(_detailed("date-invalid", dist.uri or focus, f"dct:{what} {value!r}"))
    return out


def is_valid(violations: list[dict[str, str | None]]) -> bool:
    return not any(v["severity"] == "violation" for v in violations)


@dataclass(frozen=True, slots=True)
class ScorePart:
    """One criterion of the score: the points a record earns of the most it could."""

    criterion: str
    dimension: str
    earned: float
    possible: int


def _criteria(rec: DatasetRecord, shacl: list[dict[str, str | None]] | None,
              mandatory: list[dict[str, str | None]] | None) -> list[tuple[str, str, float, int]]:
    """Every criterion as (criterion, dimension, earned, possible), in the order they are added up.
    Plain tuples: :func:`score` runs for every harvested record and needs only the sum."""
    dists = rec.distributions
    n = len(dists)
    # findability (MQA: keywords 30, themes 30, spatial 20, temporal 20)
    parts: list[tuple[str, str, float, int]] = [
        ("keywords", "findability", 30 if any(rec.keywords.values()) else 0, 30),
        ("themes", "findability", 30 if rec.themes else 0, 30),
        ("spatial", "findability", 20 if rec.spatial else 0, 20),
        ("temporal", "findability", 20 if rec.temporal else 0, 20),
    ]
    # accessibility (access URL 50, download URL 20 — reachability is checked elsewhere)
    if dists:
        parts.append(("access_url", "accessibility", 50 * sum(1 for d in dists if d.access_urls) / n, 50))
        parts.append(("download_url", "accessibility", 20 if any(d.download_urls for d in dists) else 0, 20))
    else:
        parts.append(("endpoint_url", "accessibility", 70 if rec.endpoint_urls else 0, 70))
    # interoperability (format 20, media type 10, format from the EU vocabulary 10, DCAT-AP valid 30)
    if dists:
        parts.append(("format", "interoperability", 20 * sum(1 for d in dists if d.format or d.format_raw) / n, 20))
        parts.append(("media_type", "interoperability", 10 * sum(1 for d in dists if d.media_type) / n, 10))
        parts.append(("format_vocabulary", "interoperability", 10 * sum(1 for d in dists if d.format) / n, 10))
    # ``mandatory``: check_mandatory's result when the caller has it already (the harvest does)
    valid = is_valid(check_mandatory(rec) if mandatory is None else mandatory) and (shacl is None or is_valid(shacl))
    # reusability (licence 20, known licence 10, access rights 10, contact point 20, publisher 10)
    lic = rec.licenses()
    parts += [
        ("dcat_ap_valid", "interoperability", 30 if valid else 0, 30),
        ("licence", "reusability", 20 if lic else 0, 20),
        ("licence_vocabulary", "reusability", 10 if lic and all(vocab.licence(x) for x in lic) else 0, 10),
        ("access_rights", "reusability", 10 if rec.access_rights else 0, 10),
        ("contact_point", "reusability", 20 if rec.contact_points else 0, 20),
        ("publisher", "reusability", 10 if rec.publisher else 0, 10),
        # contextuality (rights 5, byte size 5, issued 5, modified 5)
        ("rights", "contextuality", 5 if any(d.rights for d in dists) else 0, 5),
        ("byte_size", "contextuality", 5 if any(d.byte_size for d in dists) else 0, 5),
        ("issued", "contextuality", 5 if rec.issued and is_valid_date(rec.issued) else 0, 5),
        ("modified", "contextuality", 5 if rec.modified and is_valid_date(rec.modified) else 0, 5),
    ]
    return parts


def score_parts(rec: DatasetRecord, shacl: list[dict[str, str | None]] | None = None,
                mandatory: list[dict[str, str | None]] | None = None) -> list[ScorePart]:
    """Every criterion of :func:`score`, in the order they are added up (a page shows what lowers
    a score from these)."""
    return [ScorePart(*part) for part in _criteria(rec, shacl, mandatory)]


def score(rec: DatasetRecord, shacl: list[dict[str, str | None]] | None = None,
          mandatory: list[dict[str, str | None]] | None = None) -> float:
    """A 0–100 quality score after data.europa.eu's MQA dimensions (see docs/quality.md).

    ``shacl`` holds the results of full SHACL validation once it has run (catalog.shacl); the
    DCAT-AP compliance points then also need no SHACL violation.
    """
    points = 0.0
    for part in _criteria(rec, shacl, mandatory):
        points += part[2]
    return round(points * 100 / MAX_POINTS, 1)


MAX_POINTS = 100 + 70 + 70 + 70 + 20
