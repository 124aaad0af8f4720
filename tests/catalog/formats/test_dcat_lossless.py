"""Lossless DCAT-AP 3.0.1 / DCAT-AP-SE 3.0.1 (issue 14): parse -> records -> stored JSON -> our
DCAT-AP-SE output -> parse gives back every statement of the input about its datasets, series and
services and what they refer to, property by property. Blank-node names may change (blank-node
datasets, distributions, agents and contacts get minted IRIs, as DCAT-AP-SE wants), and so may what
the documented normalisations in ALLOWED change; nothing else.

Inputs: DIGG's DCAT-AP-SE examples (tests/fixtures/dcat/digg, vendored with their notice) and a
catalogue written for this test that uses every DCAT-AP-SE 3.0.1 property in Swedish and English
(tests/fixtures/dcat/dcat-ap-se-full.ttl), also as JSON-LD and RDF/XML written by rdflib."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib

from catalog.records import DatasetRecord
from tests.catalog.formats.roundtrip import prepared, roundtrip, source_graph, written

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "dcat"
FULL = (FIXTURES / "dcat-ap-se-full.ttl").read_bytes()
DIGG = sorted((FIXTURES / "digg").glob("*.*[tf]"))  # .ttl and .rdf
SYNTAX = {".ttl": "text/turtle", ".rdf": "application/rdf+xml"}
# The normalisations our DCAT-AP-SE output makes on purpose (rules in roundtrip.py):
ALLOWED = {
    "language tags in lower case, text trimmed",
    "dates in ISO 8601, typed by their precision",
    "byte sizes as xsd:nonNegativeInteger",
    "licence IRIs in their canonical form",
    "IANA media-type IRIs in their https form",
    # DIGG's examples give dct:format as a media type in text; DCAT-AP-SE wants EU file-type IRIs
    "formats and media types given as text become EU file-type / IANA IRIs",
    # DIGG's example gives a telephone number as a vcard:hasValue node
    "vCard values (a vcard:hasValue node, or text) written directly, e-mail as mailto:",
    # DCAT-AP-SE wants resources there: the text becomes the label of a minted IRI
    "text where an IRI belongs becomes a minted IRI labelled with the text",
}

# Every property DCAT-AP-SE 3.0.1 names for these classes (dcat-ap-se_3.0.1_property_levels.tsv,
# DIGG), plus DCAT-AP 3.0.1's for distributions, checksums, locations, relationships, attributions
# and identifiers: the full catalogue uses them all.
D, T, AP, A, F, V = ("http://www.w3.org/ns/dcat#", "http://purl.org/dc/terms/", "http://data.europa.eu/r5r/",
                     "http://www.w3.org/ns/adms#", "http://xmlns.com/foaf/0.1/", "http://www.w3.org/2006/vcard/ns#")
PROPERTIES = {
    "dataset": [T + p for p in ("title", "description", "publisher", "creator", "subject", "identifier", "issued",
                                "modified", "language", "conformsTo", "spatial", "temporal", "accrualPeriodicity",
                                "source", "accessRights", "isReferencedBy", "relation", "provenance")]
    + [D + p for p in ("contactPoint", "keyword", "theme", "landingPage", "temporalResolution",
                       "spatialResolutionInMeters", "version", "hasVersion", "qualifiedRelation", "distribution",
                       "inSeries")]
    + [AP + "applicableLegislation", AP + "hvdCategory", A + "identifier", A + "versionNotes", F + "page",
       "http://www.w3.org/ns/prov#qualifiedAttribution", "http://www.w3.org/2002/07/owl#versionInfo",
       "http://schema.org/offers"],
    "distribution": [T + p for p in ("title", "description", "format", "language", "issued", "modified", "license",
                                     "rights", "conformsTo")]
    + [D + p for p in ("accessURL", "downloadURL", "accessService", "temporalResolution", "spatialResolutionInMeters",
                       "byteSize", "mediaType", "compressFormat", "packageFormat")]
    + [A + "status", AP + "availability", AP + "applicableLegislation", "http://spdx.org/rdf/terms#checksum",
       F + "page"],
    "dataservice": [T + p for p in ("title", "description", "publisher", "type", "subject", "format", "conformsTo",
                                    "license", "accessRights")]
    + [D + p for p in ("endpointURL", "endpointDescription", "contactPoint", "keyword", "theme", "servesDataset",
                       "landingPage")]
    + [AP + "applicableLegislation", AP + "hvdCategory", F + "page"],
    "agent": [F + "name", T + "description", T + "type", F + "homepage", F + "mbox", T + "identifier",
              "https://www.w3.org/ns/org#classification", "http://www.w3.org/2002/07/owl#sameAs"],
    "contact": [V + p for p in ("fn", "hasEmail", "hasTelephone", "hasAddress", "hasURL")],
}
SUBJECTS = {"dataset": ("luftkvalitet",), "distribution": ("luftkvalitet-csv", "luftkvalitet-api"),
            "dataservice": ("luft-api",), "agent": ("organisation",), "contact": ("kontakt",)}
CASES = [(cls, p) for cls, preds in PROPERTIES.items() for p in preds]


@pytest.fixture(scope="module")
def full_result():
    return roundtrip(FULL, "text/turtle")


def test_the_full_catalogue_uses_every_property() -> None:
    g = source_graph(FULL, "text/turtle")
    for cls, pred in CASES:
        assert any((rdflib.URIRef("https://data.exempelstad.se/" + name), rdflib.URIRef(pred), None) in g
                   for name in SUBJECTS[cls]), (cls, pred)


@pytest.mark.parametrize(("cls", "predicate"), CASES, ids=[f"{c}-{p.rsplit('/', 1)[-1]}" for c, p in CASES])
def test_every_statement_of_each_property_comes_back(full_result, cls: str, predicate: str) -> None:
    lost = [m for m in full_result.missing if f"<{predicate}>" in m]
    assert lost == []


def test_nothing_else_is_lost_and_only_documented_normalisations_are_used(full_result) -> None:
    assert full_result.missing == []
    assert full_result.used <= ALLOWED


@pytest.mark.parametrize("path", DIGG, ids=[p.name for p in DIGG])
def test_digg_examples_come_back_whole(path: Path) -> None:
    result = roundtrip(path.read_bytes(), SYNTAX[path.suffix])
    assert result.missing == []
    assert result.used <= ALLOWED


@pytest.mark.parametrize(("fmt", "mime"), [("json-ld", "application/ld+json"), ("xml", "application/rdf+xml")])
def test_the_full_catalogue_reads_the_same_from_json_ld_and_rdf_xml(fmt: str, mime: str) -> None:
    expected = {p.id: (p.hash, p.json) for p in prepared(FULL, "text/turtle")}
    other = rdflib.Graph().parse(data=FULL, format="turtle").serialize(format=fmt, encoding="utf-8")
    assert {p.id: (p.hash, p.json) for p in prepared(other, mime)} == expected


def test_typed_fields_hold_what_search_exports_and_quality_need() -> None:
    recs: dict[str, DatasetRecord] = {p.rec.uri or "": p.rec for p in prepared(FULL, "text/turtle")}
    ds = recs["https://data.exempelstad.se/luftkvalitet"]
    assert ds.version == "2.1" and ds.spatial_resolution == "100.0" and ds.temporal_resolution == "PT1H"
    assert ds.hvd_categories == ["http://data.europa.eu/bna/c_dd313021"]
    assert ds.in_series == ["https://data.exempelstad.se/luftkvalitet-serie"]
    csv = next(d for d in ds.distributions if d.uri and d.uri.endswith("csv"))
    assert csv.status == "http://publications.europa.eu/resource/authority/distribution-status/COMPLETED"
    assert csv.availability == "http://data.europa.eu/r5r/availability/stable"
    assert csv.conforms_to == ["https://www.rfc-editor.org/rfc/rfc4180"]
    assert recs["https://data.exempelstad.se/luftkvalitet-serie"].kind == "datasetseries"
    # what no typed field holds rides along: the creator's description, the checksum, the bbox
    assert any(iri == "https://data.exempelstad.se/miljoforvaltningen" for iri, _ in ds.described)
    assert "http://spdx.org/rdf/terms#checksum" in str(csv.extra)
    assert "http://www.w3.org/ns/dcat#bbox" in str(ds.extra)


def test_text_where_a_resource_belongs_is_written_as_a_labelled_resource_not_a_literal() -> None:
    """Kept as it came, but within DCAT-AP's ranges: a page given as words, a creator given as a name."""
    doc = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
    <https://x.example/ds> a dcat:Dataset ; dct:title "A"@sv ; dcat:landingPage "se webbplatsen" ;
        dct:creator "Miljöförvaltningen" ; dct:relation <internalURI:relation0> .""".encode()
    out = written(prepared(doc, "text/turtle"))
    ds = rdflib.URIRef("https://x.example/ds")
    [page] = out.objects(ds, rdflib.URIRef("http://www.w3.org/ns/dcat#landingPage"))
    assert isinstance(page, rdflib.URIRef)
    assert [str(label) for label in out.objects(page, rdflib.RDFS.label)] == ["se webbplatsen"]
    assert (page, rdflib.RDF.type, rdflib.FOAF.Document) in out
    [creator] = out.objects(ds, rdflib.URIRef("http://purl.org/dc/terms/creator"))
    assert (creator, rdflib.RDF.type, rdflib.FOAF.Agent) in out
    # a value that may not be written as an IRI is never written as one
    [relation] = out.objects(ds, rdflib.URIRef("http://purl.org/dc/terms/relation"))
    assert not (isinstance(relation, rdflib.URIRef) and str(relation).startswith("internalURI:"))
