"""Reading CKAN: package dicts as package_search returns them, mapped to records field by field."""

from __future__ import annotations

from typing import Any

import pytest

from catalog.errors import ParseError
from catalog.formats.ckan_read import extras_of, group_theme, is_harvestable, map_package, package_ref, portal_base

BASE = "https://portal.example"
EU = "http://publications.europa.eu/resource/authority/"


def package(**fields: Any) -> dict[str, Any]:
    return {"id": "0b6c2f3e", "name": "badplatser", "title": "Badplatser", **fields}


def test_the_dataset_uri_is_the_uri_extra_else_the_portal_page_of_its_stable_id() -> None:
    assert map_package(package(), BASE).uri == f"{BASE}/dataset/0b6c2f3e"
    rec = map_package(package(extras=[{"key": "uri", "value": "https://x.example/ds/bad"}]), BASE + "/")
    assert rec.uri == "https://x.example/ds/bad" and rec.identifier == "0b6c2f3e"
    assert rec.landing_pages == [f"{BASE}/dataset/badplatser"]


def test_texts_are_in_the_package_language_and_translated_fields_win() -> None:
    rec = map_package(package(notes=" Var man kan bada. ", language="en"), BASE)
    assert rec.title == {"en": "Badplatser"} and rec.description == {"en": "Var man kan bada."}
    assert rec.languages == [EU + "language/ENG"]
    fluent = map_package(package(title_translated={"sv": "Badplatser", "en": "Bathing sites", "de": " "}), BASE)
    assert fluent.title == {"en": "Bathing sites", "sv": "Badplatser"} and fluent.languages == [EU + "language/SWE"]


def test_the_organisation_is_the_publisher() -> None:
    org = {"name": "malmo-stad", "title": "Malmö stad",
           "extras": [{"key": "url", "value": "https://malmo.se"}, {"key": "email", "value": "info@malmo.se"}]}
    publisher = map_package(package(organization=org), BASE).publisher
    assert publisher is not None
    assert (publisher.uri, publisher.name, publisher.homepage, publisher.email) == (
        "https://malmo.se", {"sv": "Malmö stad"}, "https://malmo.se", "mailto:info@malmo.se")
    bare = map_package(package(organization={"name": "lund"}), BASE).publisher
    assert bare is not None and bare.uri == f"{BASE}/organization/lund" and bare.name == {"sv": "lund"}


def test_without_an_organisation_the_publisher_extras_name_the_publisher() -> None:
    rec = map_package(package(extras={"publisher_name": "Lunds kommun", "publisher_uri": "inte en länk",
                                      "publisher_email": "saknas"}), BASE)
    assert rec.publisher is not None
    assert (rec.publisher.uri, rec.publisher.name, rec.publisher.email) == (None, {"sv": "Lunds kommun"}, None)
    assert map_package(package(), BASE).publisher is None


def test_the_contact_is_the_maintainer_else_the_author_else_the_contact_extras() -> None:
    maintainer = map_package(package(maintainer="Anna", maintainer_email="anna@x.se", author_email="b@x.se"), BASE)
    assert [(c.name, c.email) for c in maintainer.contact_points] == [("Anna", "mailto:anna@x.se")]
    author = map_package(package(maintainer_email="ingen adress", author=" ", author_email="b@x.se"), BASE)
    assert [(c.name, c.email) for c in author.contact_points] == [(None, "mailto:b@x.se")]
    extras = map_package(package(extras={"contact_name": "Kundtjänst", "contact_uri": "https://x.se/k"}), BASE)
    assert [(c.uri, c.name, c.email) for c in extras.contact_points] == [("https://x.se/k", "Kundtjänst", None)]


def test_licence_ids_are_licence_iris_and_a_licence_that_names_none_leaves_a_note() -> None:
    assert map_package(package(license_id="cc-by"), BASE).license == "http://creativecommons.org/licenses/by/4.0/"
    none = map_package(package(license_id="notspecified", license_title="License not specified"), BASE)
    assert none.license is None
    assert none.notes == [
        "licence 'License not specified' (notspecified) names no licence that can be linked; none set"]
    unknown = map_package(package(license_id="kommunens-egen"), BASE)
    assert unknown.license is None and unknown.notes == ["unknown licence id 'kommunens-egen'; none set"]


def test_tags_groups_and_extras_become_keywords_themes_and_vocabulary_iris() -> None:
    rec = map_package(package(
        tags=[{"name": "strand"}, {"display_name": "Bad"}, "hav"], keywords={"en": ["beach"]},
        groups=[{"name": "miljo-och-klimat"}, {"title": "Kultur och fritid"}, {"name": "okand"}],
        extras={"frequency": "årlig", "access_rights": "offentlig", "theme": '["' + EU + 'data-theme/TRAN"]'},
    ), BASE)
    assert rec.keywords == {"en": ["beach"], "sv": ["Bad", "hav", "strand"]}
    assert rec.themes == [EU + "data-theme/EDUC", EU + "data-theme/ENVI", EU + "data-theme/TRAN"]
    assert rec.frequency == EU + "frequency/ANNUAL" and rec.access_rights == EU + "access-right/PUBLIC"


def test_resources_become_distributions_and_a_service_format_has_no_download_url() -> None:
    rec = map_package(package(resources=[
        {"id": "r1", "url": "https://x.se/bad.csv", "format": "", "size": "1200", "name": "Fil",
         "created": "2021-03-04T09:12:33.123456", "license_id": "cc-zero"},
        {"id": "r2", "url": "https://x.se/wms", "format": "WMS", "mimetype": "application/xml"},
        {"id": "r3", "url": "https://x.se/gammal", "state": "deleted"},
    ]), BASE)
    csv, wms = rec.distributions
    assert csv.uri == f"{BASE}/dataset/0b6c2f3e/resource/r1"
    assert (csv.format, csv.byte_size, csv.title, csv.issued) == ("CSV", 1200, {"sv": "Fil"}, "2021-03-04T09:12:33")
    assert csv.download_urls == csv.access_urls == ["https://x.se/bad.csv"]
    assert csv.license == "http://creativecommons.org/publicdomain/zero/1.0/"
    assert (wms.format, wms.media_type, wms.download_urls, wms.access_urls) == (
        "WMS_SRVC", "application/xml", [], ["https://x.se/wms"])


def test_timestamps_are_cut_to_the_second_and_an_unreadable_one_is_noted() -> None:
    rec = map_package(package(metadata_created="2020-01-02T03:04:05.678", metadata_modified="igår"), BASE)
    assert (rec.issued, rec.modified) == ("2020-01-02T03:04:05", "igår")
    assert rec.notes == ["unreadable metadata_modified 'igår' kept as text"]


def test_spatial_and_temporal_extras() -> None:
    rec = map_package(package(extras={"spatial_uri": "https://sws.geonames.org/2661886/", "temporal_start": "2020"}),
                      BASE)
    assert rec.spatial == ["https://sws.geonames.org/2661886/"] and rec.temporal == [{"start": "2020"}]
    geo = map_package(package(extras={"spatial": '{"type": "Point", "coordinates": [13, 55]}'}), BASE)
    # a GeoJSON extent is kept as a dct:Location's geometry (issue 14; tests/catalog/formats/test_ckan_extras.py)
    assert geo.spatial == [] and geo.notes == [] and geo.extra


@pytest.mark.parametrize("bad", [{"name": "utan-id"}, {"id": "  "}, ["inte", "ett", "objekt"]])
def test_a_package_without_an_id_is_refused(bad: Any) -> None:
    with pytest.raises(ParseError):
        map_package(bad, BASE)


def test_what_is_harvested_and_how_a_package_is_named() -> None:
    assert is_harvestable(package()) and not is_harvestable(package(private=True))
    assert not is_harvestable(package(state="deleted")) and not is_harvestable(package(state="draft"))
    assert package_ref(package(), BASE) == f"{BASE}/dataset/badplatser"
    assert portal_base("https://portal.example/api/3/action/package_search?q=x") == BASE
    assert group_theme({"display_name": "Trafik"}) == "TRAN" and group_theme({"name": "diverse"}) is None
    assert extras_of({"extras": [{"key": "a", "value": 1}, {"key": "b", "value": ""}, {"key": "c", "value": {}}]}) \
        == {"a": "1"}
