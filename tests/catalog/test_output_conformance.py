"""Our /catalog.* output conforms to DCAT-AP 3.0.1 (mandatory and range shapes) and DCAT-AP-SE 3.0.1
(DIGG's additions and our reading of DIGG's profile), for the demo catalogue and for everything the tests
harvest (issue 14). Every serialisation is parsed and validated: Turtle, JSON-LD and RDF/XML.

The only violations allowed are those the source itself causes and the harvest already flags on the
record (a dataset without a title cannot get one from us). ``datakatalog validate`` used to call our
own output valid while the catalogue's publisher had no ``dct:type``: the DCAT-AP-SE shapes now catch it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import rdflib
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from catalog.quality import shacl
from catalog.settings import Settings
from harvester.demo.server import DemoServer
from harvester.validation import validate_body
from tests.conftest import CONFIG_DIR, FixtureHTTPServer, HarvestFn, serving
from tests.harvester.test_ckan_adapter import CkanPortal, fixture_packages
from tests.harvester.test_jsonapi_adapter import LUND_PROFILE, serve_lund

SYNTAXES = (("ttl", "turtle"), ("jsonld", "json-ld"), ("rdf", "xml"))
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
FOAF = rdflib.Namespace("http://xmlns.com/foaf/0.1/")
PUBLISHER_TYPES = "http://purl.org/adms/publishertype/"


def output_violations(client: TestClient, ext: str, fmt: str) -> tuple[rdflib.Graph, list[dict[str, Any]]]:
    resp = client.get(f"/catalog.{ext}")
    assert resp.status_code == 200, resp.text
    g = rdflib.Graph().parse(data=resp.content, format=fmt)
    found = shacl.validate(g, files=shacl.MANDATORY_FILES)
    return g, [p for p in found if p["severity"] == "violation"]


def assert_se_facts(g: rdflib.Graph) -> None:
    """What DCAT-AP-SE needs beyond the shapes' counting: typed agents, formats, no blank nodes."""
    cat = next(g.subjects(rdflib.RDF.type, DCAT.Catalog))
    pub = g.value(cat, DCT.publisher)
    assert str(g.value(pub, DCT.type)).startswith(PUBLISHER_TYPES)
    for agent in g.subjects(rdflib.RDF.type, FOAF.Agent):
        assert str(g.value(agent, DCT.type)).startswith(PUBLISHER_TYPES), agent
    for service in g.subjects(rdflib.RDF.type, DCAT.DataService):
        if (None, DCAT.service, service) in g:
            assert len(list(g.objects(service, DCT["format"]))) == 1, service
    # DCAT-AP-SE forbids blank nodes for the catalogue, datasets, distributions, publishers, contacts
    for prop in (DCAT.dataset, DCAT.service, DCAT.distribution, DCT.publisher, DCAT.contactPoint):
        assert not any(isinstance(o, rdflib.BNode) for o in g.objects(None, prop)), prop
    for cls in (DCAT.Catalog, DCAT.Dataset, DCAT.DataService, DCAT.Distribution, FOAF.Agent):
        assert not any(isinstance(x, rdflib.BNode) for x in g.subjects(rdflib.RDF.type, cls)), cls
    # nothing that is not a web address or a registered identifier is written as an IRI
    assert not any(str(t).lower().startswith("internaluri:") for triple in g for t in triple
                   if isinstance(t, rdflib.URIRef))


def test_the_demo_catalogue_has_zero_violations_in_every_serialisation(
        client: TestClient, add_source: Callable[..., Any], harvest: HarvestFn) -> None:
    with DemoServer(CONFIG_DIR / "demo") as server:
        add_source("kommuner", f"{server.base_url}/kommuner.ttl")
        add_source("kommunportal", f"{server.base_url}/ckan/", kind="ckan")
        add_source("trafiklab", f"{server.base_url}/trafiklab/apis.json", kind="jsonapi", mapping="trafiklab")
        add_source("riksteatern", f"{server.base_url}/riksteatern/api/", kind="jsonapi", mapping="riksteatern")
        for name in ("kommuner", "kommunportal", "trafiklab", "riksteatern"):
            job = harvest(name)
            assert job.status == "succeeded", job.message
    for ext, fmt in SYNTAXES:
        g, violations = output_violations(client, ext, fmt)
        assert violations == [], (ext, violations[:3])
        assert_se_facts(g)
    # a type inferred from the name is flagged in the API; a stated one is not
    items = client.get("/api/datasets", params={"q": "Uppsala", "per_page": 100}).json()["items"]
    inferred = [client.get(f"/api/datasets/{i['id']}").json()["publisher"] for i in items]
    uppsala = [p for p in inferred if p and p["name"].get("sv") == "Uppsala kommun"]
    assert uppsala and all(p["type"] == PUBLISHER_TYPES + "LocalAuthority" for p in uppsala)
    # the CKAN portal says nothing of the type, the DCAT catalogue states it
    assert {("kommunportal" in p["uri"], p["type_inferred"]) for p in uppsala} == {(True, True), (False, False)}


def test_everything_the_fixtures_give_has_no_violation_but_what_the_source_lacks(
        client: TestClient, http_server: FixtureHTTPServer, add_source: Callable[..., Any],
        harvest: HarvestFn) -> None:
    add_source("fx", http_server.set_fixture("c.ttl", "dcat/catalog.ttl"))
    add_source("paged", http_server.set_fixture("paged/page1.ttl", "dcat/paged/page1.ttl"))
    for n in (2, 3):
        http_server.set_fixture(f"paged/page{n}.ttl", f"dcat/paged/page{n}.ttl")
    add_source("lund", serve_lund(http_server), kind="jsonapi", mapping=LUND_PROFILE)
    with serving(CkanPortal(fixture_packages())) as portal:
        add_source("ckan", portal.url(), kind="ckan")
        for name in ("fx", "paged", "lund", "ckan"):
            job = harvest(name)
            assert job.status == "succeeded", job.message
    untitled = "https://fixtures.example.se/dataset/utan-titel"
    detail = client.get("/api/datasets", params={"per_page": 100}).json()["items"]
    flagged = {i["uri"] for i in detail if i.get("uri") and not i.get("title")}
    assert untitled in flagged  # the harvest flags it already (rule dataset-title)
    for ext, fmt in SYNTAXES:
        g, violations = output_violations(client, ext, fmt)
        assert [(v["rule"], v["focus"]) for v in violations] == [
            ("dcat-ap:Dataset/dct:title/minCount", untitled)], (ext, violations[:3])
        assert_se_facts(g)


def test_digg_examples_and_the_full_dcat_ap_se_catalogue_break_no_dcat_ap_se_rule_in_our_output(
        client: TestClient, http_server: FixtureHTTPServer, add_source: Callable[..., Any],
        harvest: HarvestFn) -> None:
    # written for DCAT-AP-SE 2.0, DIGG's examples lack what 3.0.1 made mandatory (a distribution's and a
    # data service's format, the publisher's type): our output supplies or derives it
    for n, fixture in enumerate(("dcat/digg/rekommenderat.ttl", "dcat/digg/obligatoriskt.ttl",
                                 "dcat/dcat-ap-se-full.ttl", "dcat/hvd.ttl")):
        add_source(f"s{n}", http_server.set_fixture(fixture.replace("/", "_"), fixture))
        job = harvest(f"s{n}")
        assert job.status == "succeeded", job.message
    items = client.get("/api/datasets", params={"per_page": 100}).json()["items"]
    invalid = {i["uri"] for i in items if not i["quality"]["valid"]}
    for ext, fmt in SYNTAXES:
        g, violations = output_violations(client, ext, fmt)
        assert [v for v in violations if v["shapes"] == "DCAT-AP-SE 3.0.1"] == [], ext
        missing = {v["focus"] for v in violations if v["rule"].endswith("/minCount")}
        assert missing <= invalid, (ext, missing - invalid)  # a fact only the source could give
        assert_se_facts(g)


def test_the_configured_publisher_is_on_the_catalogue_and_on_dcat_exports(
        settings: Settings, engine: Engine, http_server: FixtureHTTPServer, add_source: Callable[..., Any],
        harvest: HarvestFn) -> None:
    add_source("kommuner", http_server.set("kommuner.ttl", (CONFIG_DIR / "demo" / "kommuner.ttl").read_bytes()))
    assert harvest("kommuner").status == "succeeded"
    configured = settings.model_copy(update={
        "catalog_publisher_name_sv": "Exempelkommun", "catalog_publisher_name_en": "Example Municipality",
        "catalog_publisher_type": PUBLISHER_TYPES + "LocalAuthority",
        "catalog_publisher_uri": "http://dataportal.se/organisation/SE2120000000",
        "catalog_publisher_email": "data@exempelkommun.example"})
    pub = rdflib.URIRef("http://dataportal.se/organisation/SE2120000000")
    with TestClient(create_app(configured, engine)) as client:
        for path in ("/catalog.ttl", "/api/datasets/export?format=ttl"):
            resp = client.get(path)
            assert resp.status_code == 200, resp.text
            g = rdflib.Graph().parse(data=resp.content, format="turtle")
            cat = next(g.subjects(rdflib.RDF.type, DCAT.Catalog))
            assert g.value(cat, DCT.publisher) == pub, path
            assert g.value(pub, DCT.type) == rdflib.URIRef(PUBLISHER_TYPES + "LocalAuthority")
            assert {str(n) for n in g.objects(pub, FOAF.name)} == {"Exempelkommun", "Example Municipality"}
            assert g.value(pub, FOAF.mbox) == rdflib.URIRef("mailto:data@exempelkommun.example")
            violations = [p for p in shacl.validate(g, files=shacl.MANDATORY_FILES) if p["severity"] == "violation"]
            assert violations == [], (path, violations[:3])


def test_validate_reports_a_catalogue_publisher_without_type_as_a_dcat_ap_se_violation() -> None:
    # what datakatalog wrote before issue 14: the official EU shapes alone found nothing wrong here
    body = b"""
        @prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
        @prefix foaf: <http://xmlns.com/foaf/0.1/> .
        <https://x.example/catalog> a dcat:Catalog ; dct:title "datakatalog"@sv ;
            dct:description "Samlad katalog."@sv ; dct:publisher <https://x.example/pub> ;
            dct:license <http://creativecommons.org/publicdomain/zero/1.0/> ; dcat:dataset <https://x.example/ds> .
        <http://creativecommons.org/publicdomain/zero/1.0/> a dct:LicenseDocument .
        <https://x.example/pub> a foaf:Agent ; foaf:name "datakatalog"@sv .
        <https://x.example/ds> a dcat:Dataset ; dct:title "T"@sv ; dct:description "D"@sv ;
            dct:publisher <https://x.example/pub> .
    """
    eu_only = shacl.validate(rdflib.Graph().parse(data=body, format="turtle"), files=shacl.EU_FILES)
    assert [p for p in eu_only if p["severity"] == "violation"] == []
    report = validate_body(body, content_type="text/turtle")
    assert report["valid"] is False
    groups = {g["rule"]: g for g in report["problems"]}
    agent_type = groups["dcat-ap-se:Agent/dct:type/minCount"]
    assert agent_type["severity"] == "violation"
    assert agent_type["items"][0]["focus"] == "https://x.example/pub"
    assert "DCAT-AP-SE" in agent_type["message_en"] and "DCAT-AP-SE" in agent_type["message_sv"]
    assert agent_type["shapes"] == "DCAT-AP-SE 3.0.1"


def test_our_own_catalogue_output_is_valid_for_datakatalog_validate(
        client: TestClient, http_server: FixtureHTTPServer, add_source: Callable[..., Any],
        harvest: HarvestFn) -> None:
    add_source("kommuner", http_server.set("kommuner.ttl", (CONFIG_DIR / "demo" / "kommuner.ttl").read_bytes()))
    assert harvest("kommuner").status == "succeeded"
    ours = client.get("/catalog.ttl").content
    resp = client.post("/api/validate", content=ours, headers={"Content-Type": "text/turtle"})
    assert resp.status_code == 200, resp.text
    report = resp.json()
    assert report["valid"] is True and report["violations"] == 0, [
        g for g in report["problems"] if g["severity"] == "violation"][:3]
    # the SE shapes ran: their warnings (a contact point without an e-mail address) say so
    assert {g["shapes"] for g in report["problems"] if g["source"] == "shacl"} <= {
        "DCAT-AP 3.0.1", "DCAT-AP-SE 3.0.1"}


def test_findings_say_which_shape_set_they_come_from() -> None:
    g = rdflib.Graph().parse(data="""
        @prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
        @prefix foaf: <http://xmlns.com/foaf/0.1/> .
        <https://x.example/ds> a dcat:Dataset ; dct:description "d"@sv ; dct:publisher <https://x.example/p> .
        <https://x.example/p> a foaf:Agent ; foaf:name "P"@sv ; dct:type <https://x.example/kommun> .
        <https://x.example/svc> a dcat:DataService ; dct:title "S"@sv ; dcat:endpointURL <https://x.example/api> .
    """, format="turtle")
    found = {p["rule"]: p["shapes"] for p in shacl.validate(g) if p["severity"] == "violation"}
    assert found["dcat-ap:Dataset/dct:title/minCount"] == "DCAT-AP 3.0.1"
    assert found["dcat-ap-se:DataService/dct:format/minCount"] == "DCAT-AP-SE 3.0.1"
    assert found["dcat-ap-se:Agent/dct:type/in"] == "DCAT-AP-SE 3.0.1"


@pytest.mark.parametrize("strict", [True, False])
def test_a_format_as_text_is_a_warning_in_others_catalogues_as_dcat_ap_se_allows(strict: bool) -> None:
    g = rdflib.Graph().parse(data="""
        @prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
        <https://x.example/d> a dcat:Distribution ; dcat:accessURL <https://x.example/f.csv> ; dct:format "text/csv" .
    """, format="turtle")
    fmt = [p for p in shacl.validate(g, strict_ranges=strict) if p["path"] == "dct:format"]
    assert fmt and {p["severity"] for p in fmt} == ({"violation"} if strict else {"warning"})
