"""Quality reports per publisher and per organisation: one rule tally behind both."""

from __future__ import annotations

from typing import Any

from catalog.quality import checks, reports
from catalog.services import organisations
from catalog.services.organisations import Principal

SETUP = Principal(actor="test-setup", admin=True)

# one publisher; "två" has two distributions without an access URL, "en" has one
TWO_BROKEN_DISTRIBUTIONS = """
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix ft: <http://publications.europa.eu/resource/authority/file-type/> .
<https://kommun.example/katalog> a dcat:Catalog ; dct:title "Katalog"@sv ;
    dcat:dataset <https://kommun.example/ds/tva>, <https://kommun.example/ds/en> .
<https://kommun.example/ds/tva> a dcat:Dataset ; dct:title "Två"@sv ; dct:description "Två filer"@sv ;
    dct:publisher <https://kommun.example/org> ;
    dcat:distribution <https://kommun.example/dist/a>, <https://kommun.example/dist/b> .
<https://kommun.example/dist/a> a dcat:Distribution ; dct:format ft:CSV .
<https://kommun.example/dist/b> a dcat:Distribution ; dct:format ft:JSON .
<https://kommun.example/ds/en> a dcat:Dataset ; dct:title "En"@sv ; dct:description "En fil"@sv ;
    dct:publisher <https://kommun.example/org> ; dcat:distribution <https://kommun.example/dist/c> .
<https://kommun.example/dist/c> a dcat:Distribution ; dct:format ft:CSV .
<https://kommun.example/org> a foaf:Agent ; foaf:name "Testkommun"@sv .
"""


def _rule(rules: list[dict[str, Any]], rule: str) -> dict[str, Any]:
    return next(r for r in rules if r["rule"] == rule)


def test_publisher_report_counts_datasets_not_violations(engine, http_server, add_source, harvest) -> None:
    add_source("kommun", http_server.set("k.ttl", TWO_BROKEN_DISTRIBUTIONS))
    assert harvest("kommun").added == 2
    [publisher] = reports.publishers_quality(engine)
    assert publisher["datasets"] == 2
    access = _rule(publisher["most_failed_rules"], "distribution-accessurl")
    # three distributions break the rule, in two datasets: the report said "datasets: 3" before
    assert (access["datasets"], access["count"]) == (2, 3)
    assert len(access["dataset_ids"]) == 2
    assert access["path"] == "dcat:Distribution/dcat:accessURL" and access["severity"] == "violation"
    assert reports.publisher_quality(engine, publisher["publisher"]["id"]) == publisher


def test_organisation_and_publisher_reports_describe_shacl_rules_alike(
    engine, settings, http_server, add_source, harvest,
) -> None:
    org, _token = organisations.create_organisation(engine, name="Fixturkommunerna", actor=SETUP)
    add_source("fx", http_server.set_fixture("c.ttl", "dcat/catalog.ttl"), organisation_id=org.id)
    job = harvest("fx")
    checks.validate_changed(engine, job.id, base_url=settings.base_url)
    report = reports.organisation_quality(engine, org.id or 0, top=100)
    assert report["datasets"] == 8
    for rule in report["rules"]:  # SHACL rules included: they were null before
        assert rule["severity"] and rule["message_sv"] and rule["message_en"], rule
    title = _rule(report["rules"], "dcat-ap:Dataset/dct:title/minCount")
    assert (title["path"], title["severity"], title["datasets"]) == ("dct:title", "violation", 1)
    assert "has no title" in title["message_en"]
    # the publisher of the untitled dataset sees the same rule, described and counted the same way
    [uppsala] = [p for p in reports.publishers_quality(engine) if p["publisher"]["name"] == "Uppsala kommun"]
    assert _rule(uppsala["most_failed_rules"], title["rule"]) == title
    assert title["dataset_ids"] == _rule(report["rules"], "dataset-title")["dataset_ids"]
