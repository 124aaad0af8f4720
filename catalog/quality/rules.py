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

from catalog import vocab
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


def is_valid(violations: list[dict[str, str | None]]) -> bool:
    return not any(v["severity"] == "violation" for v in violations)


def score(rec: DatasetRecord, shacl: list[dict[str, str | None]] | None = None,
          mandatory: list[dict[str, str | None]] | None = None) -> float:
    """A 0–100 quality score after data.europa.eu's MQA dimensions (see docs/quality.md).

    ``shacl`` holds the results of full SHACL validation once it has run (catalog.shacl); the
    DCAT-AP compliance points then also need no SHACL violation.
    """
    dists = rec.distributions
    points = 0.0
    # findability (MQA: keywords 30, themes 30, spatial 20, temporal 20)
    points += 30 if rec.all_keywords() else 0
    points += 30 if rec.themes else 0
    points += 20 if rec.spatial else 0
    points += 20 if rec.temporal else 0
    # accessibility (access URL 50, download URL 20 — reachability is checked elsewhere)
    if dists:
        points += 50 * sum(1 for d in dists if d.access_urls) / len(dists)
        points += 20 if any(d.download_urls for d in dists) else 0
    elif rec.endpoint_urls:
        points += 70
    # interoperability (format 20, media type 10, format from the EU vocabulary 10, DCAT-AP valid 30)
    if dists:
        points += 20 * sum(1 for d in dists if d.format or d.format_raw) / len(dists)
        points += 10 * sum(1 for d in dists if d.media_type) / len(dists)
        points += 10 * sum(1 for d in dists if d.format) / len(dists)
    # ``mandatory``: check_mandatory's result when the caller has it already (the harvest does)
    if is_valid(check_mandatory(rec) if mandatory is None else mandatory) and (shacl is None or is_valid(shacl)):
        points += 30
    # reusability (licence 20, known licence 10, access rights 10, contact point 20, publisher 10)
    lic = rec.licenses()
    points += 20 if lic else 0
    points += 10 if lic and all(vocab.licence(x) for x in lic) else 0
    points += 10 if rec.access_rights else 0
    points += 20 if rec.contact_points else 0
    points += 10 if rec.publisher else 0
    # contextuality (rights 5, byte size 5, issued 5, modified 5)
    points += 5 if any(d.rights for d in dists) else 0
    points += 5 if any(d.byte_size for d in dists) else 0
    points += 5 if rec.issued else 0
    points += 5 if rec.modified else 0
    return round(points * 100 / MAX_POINTS, 1)


MAX_POINTS = 100 + 70 + 70 + 70 + 20
