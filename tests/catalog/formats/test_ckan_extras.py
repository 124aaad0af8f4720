"""CKAN extras fill the same typed fields as DCAT (issue 14): HVD category and legislation, standards,
version, languages, frequency words, temporal coverage, a GeoJSON extent and the contact point, in
the shapes ckanext-dcat and Swedish CKAN portals store them."""

from __future__ import annotations

import json
from typing import Any

from catalog.formats.ckan_read import map_package
from catalog.formats.dcat_write import StoredDataset, add_dataset
from catalog.rdf.graph import Graph, serialize
from catalog.rdf.namespaces import DCATAP, DCT, LOCN
from catalog.rdf.parse import key, parse

EU = "http://publications.europa.eu/resource/authority/"
HVD = "http://data.europa.eu/bna/"
ELI = "http://data.europa.eu/eli/reg_impl/2023/138/oj"
GEOJSON = '{"type": "Polygon", "coordinates": [[[17.8, 59.2], [18.2, 59.2], [18.2, 59.4], [17.8, 59.4], [17.8, 59.2]]]}'


def _package(**extras: str) -> dict[str, Any]:
    """A package as ckanext-dcat's harvester leaves it on a CKAN 2.10 portal."""
    return {
        "id": "5f0c3a1e-2b7d-4c55-9f6e-0d1c2b3a4f5e", "name": "vattenstand", "title": "Vattenstånd",
        "notes": "Vattenstånd i Mälaren, timvärden.", "state": "active", "private": False,
        "license_id": "cc-by", "version": "2.1",
        "organization": {"name": "sjoverket", "title": "Sjöverket"},
        "extras": [{"key": k, "value": v} for k, v in extras.items()],
        "resources": [{"id": "r1", "url": "https://data.sjoverket.example/vattenstand.csv", "format": "CSV"}],
    }


def test_hvd_extras_fill_the_hvd_fields() -> None:
    rec = map_package(_package(
        hvd_category=json.dumps([HVD + "c_dd313021", "c_164e0bf5"]),
        applicable_legislation=json.dumps(["https://data.europa.eu/eli/reg_impl/2023/138/oj/"])), "https://ckan.example")
    assert rec.hvd_categories == [HVD + "c_dd313021", HVD + "c_164e0bf5"]
    assert rec.applicable_legislation == [ELI]
    assert rec.notes == []


def test_an_hvd_category_by_label_or_unknown_is_mapped_or_kept_with_a_note() -> None:
    rec = map_package(_package(hvd_category="Meteorological, Sjökort"), "https://ckan.example")
    assert rec.hvd_categories == [HVD + "c_164e0bf5", "Sjökort"]
    assert any("Sjökort" in note for note in rec.notes)


def test_standards_version_languages_frequency_and_period() -> None:
    rec = map_package(_package(
        conforms_to='["https://www.ogc.org/standard/wfs/", "https://inspire.ec.europa.eu/id/document/tg/hy"]',
        language='["sv", "eng"]', frequency="månadsvis", temporal_start="2019-01-01", temporal_end="2020-12-31"),
        "https://ckan.example")
    assert rec.conforms_to == ["https://www.ogc.org/standard/wfs/", "https://inspire.ec.europa.eu/id/document/tg/hy"]
    assert rec.version == "2.1"
    assert rec.languages == [EU + "language/SWE", EU + "language/ENG"]
    assert rec.title == {"sv": "Vattenstånd"}
    assert rec.frequency == EU + "frequency/MONTHLY"
    assert rec.temporal == [{"start": "2019-01-01", "end": "2020-12-31"}]


def test_an_english_package_tags_its_text_english() -> None:
    rec = map_package({**_package(), "language": "en"}, "https://ckan.example")
    assert rec.title == {"en": "Vattenstånd"} and rec.languages == [EU + "language/ENG"]


def test_words_that_match_no_vocabulary_are_kept_with_a_note() -> None:
    rec = map_package(_package(frequency="när det behövs", access_rights="öppen"), "https://ckan.example")
    assert rec.frequency == "när det behövs"
    assert rec.access_rights == EU + "access-right/PUBLIC"
    assert any("när det behövs" in note for note in rec.notes)


def test_a_temporal_interval_in_one_extra() -> None:
    rec = map_package(_package(temporal="2019/2020"), "https://ckan.example")
    assert rec.temporal == [{"start": "2019", "end": "2020"}]


def test_contact_extras_fill_the_contact_point() -> None:
    rec = map_package(_package(contact_name="Sjöverkets kundtjänst", contact_email="kund@sjoverket.example",
                               contact_uri="https://sjoverket.example/kontakt"), "https://ckan.example")
    [contact] = rec.contact_points
    assert (contact.name, contact.email, contact.uri) == (
        "Sjöverkets kundtjänst", "mailto:kund@sjoverket.example", "https://sjoverket.example/kontakt")


def test_a_geojson_extent_is_kept_and_written_as_a_location_geometry() -> None:
    rec = map_package(_package(spatial=GEOJSON, hvd_category=HVD + "c_ac64a52d", applicable_legislation=ELI),
                      "https://ckan.example")
    assert rec.spatial == [] and not any("GeoJSON" in note for note in rec.notes)
    g = Graph()
    add_dataset(g, StoredDataset("ds-1", None, rec), "https://katalog.example")
    back = parse(serialize(g, "text/turtle"), content_type="text/turtle")
    [location] = back.objects(rec.uri or "", DCT + "spatial")
    [geometry] = back.objects(key(location), LOCN + "geometry")
    assert geometry.value == GEOJSON
    assert [o.value for o in back.objects(rec.uri or "", DCATAP + "hvdCategory")] == [HVD + "c_ac64a52d"]
