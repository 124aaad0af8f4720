"""Publisher types for DCAT-AP-SE (issue 14): the catalogue's own publisher from the settings, and types
inferred from Swedish public bodies' names, flagged, never overriding a stated type."""

from __future__ import annotations

import pytest
import rdflib
from pydantic import ValidationError

from catalog import publisher_types
from catalog.formats import dcat_write
from catalog.rdf.graph import new_graph, to_rdflib
from catalog.records import Agent, DatasetRecord
from catalog.services.datasets import catalog_publisher
from catalog.settings import Settings

PT = "http://purl.org/adms/publishertype/"
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
FOAF = rdflib.Namespace("http://xmlns.com/foaf/0.1/")


@pytest.mark.parametrize(("name", "kind"), [
    ("Uppsala kommun", "LocalAuthority"), ("Göteborgs Stad", "LocalAuthority"),
    ("Överförmyndarnämnden i Lunds kommun", "LocalAuthority"),
    ("Region Skåne, Skånetrafiken", "RegionalAuthority"), ("Västra Götalandsregionen", "RegionalAuthority"),
    ("Naturvårdsverket", "NationalAuthority"), ("Socialstyrelsen", "NationalAuthority"),
    ("Skolinspektionen", "NationalAuthority"), ("Myndigheten för digital förvaltning", "NationalAuthority"),
    ("Lunds universitet", "Academia-ScientificOrganisation"), ("Västtrafik AB", "Company"),
])
def test_the_name_of_a_swedish_public_body_gives_its_type(name: str, kind: str) -> None:
    assert publisher_types.infer({"sv": name}) == PT + kind


@pytest.mark.parametrize("name", ["Riksteatern", "Lantmäteriet", "Stadsmuseet", ""])
def test_a_name_that_says_nothing_gives_no_type(name: str) -> None:
    assert publisher_types.infer({"sv": name}) is None


def test_a_stated_type_is_kept_and_an_inferred_one_flagged() -> None:
    stated = Agent(name={"sv": "Uppsala kommun"}, type=PT + "Company")
    assert publisher_types.resolve(stated) == (PT + "Company", False)
    assert publisher_types.resolve(Agent(name={"sv": "Uppsala kommun"})) == (PT + "LocalAuthority", True)
    assert publisher_types.resolve(Agent(name={"sv": "Riksteatern"})) == (None, False)


def test_the_writer_gives_an_untyped_municipality_its_inferred_type() -> None:
    rec = DatasetRecord(uri="https://x.example/ds", title={"sv": "T"},
                        publisher=Agent(uri="https://x.example/org", name={"sv": "Umeå kommun"}))
    g = new_graph()
    dcat_write.add_dataset(g, dcat_write.StoredDataset("d", "p", rec), "http://datakatalog.test")
    rg = to_rdflib(g)
    assert rg.value(rdflib.URIRef("https://x.example/org"), DCT.type) == rdflib.URIRef(PT + "LocalAuthority")


def test_the_catalogue_publisher_comes_from_the_settings_with_name_type_and_contact() -> None:
    settings = Settings(catalog_publisher_name_sv="Exempelkommun", catalog_publisher_name_en="Example Municipality",
                        catalog_publisher_type=PT + "LocalAuthority", catalog_publisher_email="data@exempel.example",
                        catalog_publisher_uri="http://dataportal.se/organisation/SE2120000000")
    g = to_rdflib(dcat_write.catalog_graph([], base_url="http://datakatalog.test", page=1, per_page=10, total=0,
                                           page_url="http://datakatalog.test/catalog.ttl",
                                           publisher=catalog_publisher(settings)))
    cat = rdflib.URIRef("http://datakatalog.test/catalog")
    pub = g.value(cat, DCT.publisher)
    assert pub == rdflib.URIRef("http://dataportal.se/organisation/SE2120000000")
    assert g.value(pub, DCT.type) == rdflib.URIRef(PT + "LocalAuthority")
    assert {(str(n), n.language) for n in g.objects(pub, FOAF.name)} == {
        ("Exempelkommun", "sv"), ("Example Municipality", "en")}
    assert g.value(pub, FOAF.mbox) == rdflib.URIRef("mailto:data@exempel.example")


def test_the_default_catalogue_publisher_has_a_type_too() -> None:
    g = to_rdflib(dcat_write.catalog_graph([], base_url="http://datakatalog.test", page=1, per_page=10, total=0,
                                           page_url="http://datakatalog.test/catalog.ttl"))
    pub = g.value(rdflib.URIRef("http://datakatalog.test/catalog"), DCT.publisher)
    assert g.value(pub, DCT.type) == rdflib.URIRef(PT + "NationalAuthority")


def test_a_publisher_type_outside_the_adms_vocabulary_is_refused_naming_the_setting() -> None:
    with pytest.raises(ValidationError, match="catalog_publisher_type"):
        Settings(catalog_publisher_type="Kommun")


def test_the_demo_sets_an_example_publisher_unless_the_environment_configures_one() -> None:
    from api.cli.serve import DEMO_PUBLISHER, demo_publisher

    assert demo_publisher({"base_url"}) == DEMO_PUBLISHER
    Settings(**DEMO_PUBLISHER)  # valid settings
    assert demo_publisher({"catalog_publisher_name_sv"}) == {}


def test_every_harvest_reports_a_missing_type_and_flags_an_inferred_one() -> None:
    from catalog.quality.rules import check_mandatory

    def rules_of(publisher: Agent) -> dict[str, str]:
        rec = DatasetRecord(uri="https://x.example/d", title={"sv": "T"}, description={"sv": "D"},
                            publisher=publisher)
        return {str(v["rule"]): str(v["severity"]) for v in check_mandatory(rec)}

    assert rules_of(Agent(name={"sv": "Riksteatern"}))["publisher-type"] == "violation"
    inferred = rules_of(Agent(name={"sv": "Exempelkommunen"}))
    assert inferred.get("publisher-type-inferred") == "warning" and "publisher-type" not in inferred
    stated = rules_of(Agent(name={"sv": "Riksteatern"}, type=PT + "NonProfitOrganisation"))
    assert "publisher-type" not in stated and "publisher-type-inferred" not in stated
