"""The official DCAT-AP 3.0.1 SHACL shapes on datakatalog's own output, SHACL results stored per
dataset after a harvest, publisher quality figures, and the controlled vocabularies."""

from __future__ import annotations

from pathlib import Path

import rdflib

from catalog import vocab
from catalog.quality import checks, shacl
from catalog.quality.rules import check_mandatory, is_valid
from catalog.rdf.parse import parse
from catalog.records import DatasetRecord, Distribution

ROOT = Path(__file__).resolve().parent.parent.parent
KOMMUNER = (ROOT / "config" / "demo" / "kommuner.ttl").read_bytes()
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")


def _violations(problems: list[dict]) -> list[dict]:
    return [p for p in problems if p["severity"] == "violation"]


def test_reexported_demo_catalogue_passes_official_shapes_with_zero_violations(
        client, http_server, add_source, harvest):
    add_source("kommuner", http_server.set("kommuner.ttl", KOMMUNER))
    job = harvest("kommuner")
    assert job.status == "succeeded" and job.added == 42
    for ext, fmt in (("ttl", "turtle"), ("rdf", "xml")):
        resp = client.get(f"/catalog.{ext}")
        assert resp.status_code == 200
        g = rdflib.Graph().parse(data=resp.content, format=fmt)
        problems = shacl.validate(g, files=shacl.MANDATORY_FILES)
        assert _violations(problems) == [], _violations(problems)[:3]
        # the output types what it references, as DCAT-AP's ranges require
        dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
        dct = rdflib.Namespace("http://purl.org/dc/terms/")
        assert len(list(g.subjects(rdflib.RDF.type, dcat.Dataset))) == 40
        lic = rdflib.URIRef("http://creativecommons.org/publicdomain/zero/1.0/")
        assert (lic, rdflib.RDF.type, dct.LicenseDocument) in g
        # no blank nodes at all: every resource has a stable IRI (DCAT-AP-SE publishing rules)
        assert not any(isinstance(t, rdflib.BNode) for triple in g for t in triple)


def test_shapes_report_missing_title_with_rule_focus_and_both_languages():
    g = rdflib.Graph().parse(data="""
        @prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
        @prefix foaf: <http://xmlns.com/foaf/0.1/> .
        <https://x.example/ds> a dcat:Dataset ; dct:description "d"@sv ; dct:publisher <https://x.example/p> .
        <https://x.example/p> a foaf:Agent ; foaf:name "P" .
    """, format="turtle")
    problems = _violations(shacl.validate(g))
    title = [p for p in problems if p["path"] == "dct:title"]
    assert len(title) == 1
    assert title[0]["rule"] == "dcat-ap:Dataset/dct:title/minCount"
    assert title[0]["focus"] == "https://x.example/ds"
    assert title[0]["source"] == "shacl"
    assert "saknar titel" in title[0]["message_sv"] and "has no title" in title[0]["message_en"]


def test_validate_changed_stores_shacl_results_per_dataset(engine, settings, http_server, add_source, harvest,
                                                           client):
    add_source("fx", http_server.set_fixture("c.ttl", "dcat/catalog.ttl"))
    job = harvest("fx")
    assert job.added == 8
    result = checks.validate_changed(engine, job.id, base_url=settings.base_url)
    assert result == {"job_id": job.id, "checked": 8, "with_violations": 1}
    again = checks.validate_changed(engine, job.id, base_url=settings.base_url)
    assert again["with_violations"] == 1
    items = client.get("/api/datasets", params={"per_page": 50}).json()["items"]
    by_title = {i["title"]: i for i in items}
    bad = client.get(f"/api/datasets/{by_title[None]['id']}").json()
    shacl_found = [v for v in bad["quality"]["violations"] if v.get("source") == "shacl"]
    # stored once, not once per run
    assert [v["rule"] for v in shacl_found].count("dcat-ap:Dataset/dct:title/minCount") == 1
    assert bad["quality"]["valid"] is False
    # the mandatory-check violation is still there next to it
    assert "dataset-title" in {v["rule"] for v in bad["quality"]["violations"]}
    good = client.get(f"/api/datasets/{by_title['Badplatser']['id']}").json()
    assert [v for v in good["quality"]["violations"] if v.get("source") == "shacl"
            and v["severity"] == "violation"] == []
    assert good["quality"]["valid"] is True


def test_validate_changed_checks_only_what_a_job_changed(engine, settings, http_server, add_source, harvest):
    add_source("fx", http_server.set_fixture("c.ttl", "dcat/catalog.ttl"))
    harvest("fx")
    second = harvest("fx")
    assert second.unchanged == 8
    assert checks.validate_changed(engine, second.id, base_url=settings.base_url)["checked"] == 0


def test_publisher_quality_gives_averages_and_most_failed_rules(client, http_server, add_source, harvest):
    add_source("fx", http_server.set_fixture("c.ttl", "dcat/catalog.ttl"))
    harvest("fx")
    rows = client.get("/api/quality/publishers").json()
    assert len(rows) == 7
    uppsala = next(r for r in rows if r["publisher"]["name"] == "Uppsala kommun")
    assert uppsala["datasets"] == 1 and uppsala["invalid"] == 1
    assert uppsala["most_failed_rules"][0]["rule"] == "dataset-title"
    assert rows == sorted(rows, key=lambda r: -r["average_score"]) or rows[0]["average_score"] >= rows[-1][
        "average_score"]
    one = client.get(f"/api/publishers/{uppsala['publisher']['id']}/quality").json()
    assert one == uppsala
    missing = client.get("/api/publishers/nobody/quality")
    assert missing.status_code == 404 and "nobody" in missing.json()["detail"]


def test_loose_vocabulary_values_normalise_to_one_code():
    for value in ("CSV", "csv", "text/csv", "text/csv; charset=utf-8", ".csv"[1:],
                  "http://publications.europa.eu/resource/authority/file-type/CSV",
                  "https://publications.europa.eu/resource/authority/file-type/CSV/",
                  "https://www.iana.org/assignments/media-types/text/csv"):
        assert vocab.format_code(value) == "CSV", value
    assert vocab.format_code("application/vnd.google-earth.kml+xml") == "KML"
    assert vocab.format_code("gpkg") == "GPKG"
    assert vocab.media_type("GEOJSON") == "application/geo+json"
    assert vocab.file_types().label("XLSX", "sv") == "Excel-arbetsbok (XLSX)"
    assert vocab.theme_code("Transport") == "TRAN"
    assert vocab.theme_code("miljö") == "ENVI"
    assert vocab.theme_code("https://publications.europa.eu/resource/authority/data-theme/TRAN") == "TRAN"
    assert vocab.licence_code("https://creativecommons.org/licenses/by/4.0/deed.sv") == "CC-BY-4.0"


def test_every_frequency_and_common_language_has_swedish_and_english_labels():
    freq = vocab.frequencies()
    assert all(set(freq.labels(code)) == {"sv", "en"} for code in freq.entries)
    assert freq.label("ANNUAL", "sv") == "årligen"
    assert vocab.languages().label("SWE", "sv") == "svenska"
    assert vocab.languages().label("FIN", "en") == "Finnish"
    assert vocab.language_code("sv") == "SWE"
    assert vocab.concept_labels("http://purl.org/adms/publishertype/LocalAuthority")["en"] == "Local Authority"


def test_unknown_licences_and_themes_are_kept_and_flagged():
    rec = DatasetRecord(title={"sv": "T"}, description={"sv": "D"}, license="https://example.se/min-licens",
                        themes=["https://example.se/tema/x"],
                        distributions=[Distribution(access_urls=["https://example.se/a"], format="CSV")])
    rules = {v["rule"]: v for v in check_mandatory(rec)}
    assert rules["license-unknown"]["severity"] == "warning"
    assert rules["theme-unknown"]["severity"] == "warning"
    assert rec.license == "https://example.se/min-licens" and rec.themes == ["https://example.se/tema/x"]
    # warnings do not make a record invalid
    assert is_valid(list(rules.values())) is False  # dataset-publisher is missing
    assert "dataset-publisher" in rules


def test_validate_document_maps_and_checks_without_storing():
    report = checks.validate_document(KOMMUNER, content_type="text/turtle")
    assert report["valid"] is True and report["violations"] == 0
    assert report["datasets"] == 40 and report["dataservices"] == 2
    assert len(report["items"]) == 42
    index = parse(KOMMUNER, content_type="text/turtle")
    assert index.triples == report["triples"]
