"""Writing CKAN: records in CKAN's package, resource, group and organization shapes, and read back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from catalog.formats.ckan_read import map_package
from catalog.formats.ckan_write import group, organization, package, resource
from catalog.records import Agent, ContactPoint, DatasetRecord, Distribution

BASE = "https://katalog.example"
EU = "http://publications.europa.eu/resource/authority/"
CC_BY = "http://creativecommons.org/licenses/by/4.0/"


@dataclass
class Row:
    id: str = "ds-1"
    title: str | None = "Badplatser"
    status: str = "active"
    publisher_id: str | None = "malmo-stad"
    first_seen_at: datetime | None = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    updated_at: datetime | None = datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC)


def record() -> DatasetRecord:
    return DatasetRecord(
        uri="https://x.example/ds/bad", identifier="bad", title={"sv": "Badplatser"},
        description={"en": "Where to swim.", "sv": "Var man kan bada."}, keywords={"sv": ["bad"], "en": ["beach"]},
        themes=[EU + "data-theme/ENVI"], license=CC_BY, issued="2019", modified="2021-03-04",
        access_rights=EU + "access-right/PUBLIC", publisher=Agent(name={"sv": "Malmö stad"}),
        contact_points=[ContactPoint(name="Kundtjänst", email="mailto:k@malmo.se")],
        landing_pages=["https://x.example/sida", "https://x.example/annan"],
        distributions=[
            Distribution(id="dist-1", download_urls=["https://x.example/bad.csv"], format="CSV",
                         media_type="text/csv", issued="2020-05-06"),
            Distribution(id="dist-2", access_urls=["https://x.example/api"], format_raw="REST",
                         license="http://creativecommons.org/publicdomain/zero/1.0/"),
        ],
    )


def test_a_dataset_in_the_package_shape() -> None:
    pkg = package(record(), Row(), BASE + "/", publisher_name="Malmö stad", source_name="malmo")
    assert (pkg["id"], pkg["name"], pkg["title"], pkg["notes"]) == ("ds-1", "ds-1", "Badplatser", "Var man kan bada.")
    assert (pkg["state"], pkg["private"], pkg["type"]) == ("active", False, "dataset")
    assert pkg["url"] == "https://x.example/sida"
    assert (pkg["metadata_created"], pkg["metadata_modified"]) == ("2024-01-02T03:04:05", "2024-02-03T04:05:06")
    assert (pkg["license_id"], pkg["license_url"]) == ("CC-BY-4.0", CC_BY) and pkg["license_title"]
    assert [t["name"] for t in pkg["tags"]] == ["bad", "beach"] and pkg["num_tags"] == 2
    assert pkg["owner_org"] == "malmo-stad" and pkg["organization"]["title"] == "Malmö stad"
    assert (pkg["author"], pkg["maintainer"], pkg["maintainer_email"]) == ("Malmö stad", "Kundtjänst", "k@malmo.se")
    assert {e["key"]: e["value"] for e in pkg["extras"]} == {
        "uri": "https://x.example/ds/bad", "identifier": "bad", "issued": "2019", "modified": "2021-03-04",
        "access_rights": EU + "access-right/PUBLIC", "source": "malmo", "type": "dataset",
        "contact_name": "Kundtjänst", "contact_email": "k@malmo.se"}
    assert pkg["datakatalog_url"] == f"{BASE}/api/datasets/ds-1"
    assert pkg["num_resources"] == 2


def test_a_withdrawn_dataset_is_deleted_and_one_without_a_publisher_has_no_organization() -> None:
    pkg = package(DatasetRecord(), Row(status="withdrawn", publisher_id=None, title=None), BASE,
                  publisher_name=None, source_name=None)
    assert (pkg["state"], pkg["organization"], pkg["title"], pkg["license_id"], pkg["url"]) == (
        "deleted", None, "", "", "")
    assert [e["key"] for e in pkg["extras"]] == ["type"]


def test_resources_are_named_and_licensed_from_their_dataset_when_they_say_nothing() -> None:
    rec = record()
    csv = resource(rec.distributions[0], 0, "ds-1", rec)
    assert (csv["url"], csv["format"], csv["mimetype"], csv["name"], csv["license"]) == (
        "https://x.example/bad.csv", "CSV", "text/csv", "CSV (1)", "CC-BY-4.0")
    assert (csv["download_url"], csv["access_url"], csv["created"]) == ("https://x.example/bad.csv", None, "2020-05-06")
    api = resource(rec.distributions[1], 1, "ds-1", rec)
    assert (api["url"], api["format"], api["name"], api["license"]) == ("https://x.example/api", "REST", "Resurs 2",
                                                                         "CC0-1.0")


def test_themes_are_groups_and_publishers_are_organizations() -> None:
    assert group(EU + "data-theme/ENVI") == {"id": "envi", "name": "envi", "title": "Miljö", "display_name": "Miljö"}
    org = organization("lund", None, count=4, uri="https://lund.se")
    assert (org["name"], org["title"], org["package_count"], org["uri"]) == ("lund", "lund", 4, "https://lund.se")
    assert "package_count" not in organization("lund", "Lunds kommun")


def test_a_written_package_reads_back_through_the_ckan_harvester() -> None:
    original = record()
    pkg = package(original, Row(), BASE, publisher_name="Malmö stad", source_name="malmo")
    back = map_package(pkg, BASE)
    assert back.uri == original.uri and back.identifier == "ds-1"
    assert back.title == {"sv": "Badplatser"} and back.description == {"sv": "Var man kan bada."}
    assert back.keywords == {"sv": ["bad", "beach"]}
    assert back.themes == original.themes and back.license == CC_BY and back.access_rights == original.access_rights
    assert back.publisher is not None and back.publisher.name == {"sv": "Malmö stad"}
    assert [(c.name, c.email) for c in back.contact_points] == [("Kundtjänst", "mailto:k@malmo.se")]
    assert [(d.format, d.access_urls) for d in back.distributions] == [
        ("CSV", ["https://x.example/bad.csv"]), ("REST", ["https://x.example/api"])]
    assert back.documentation == ["https://x.example/sida"]


def test_hvd_and_the_other_typed_fields_are_extras_that_read_back() -> None:
    hvd, eli = "http://data.europa.eu/bna/c_164e0bf5", "http://data.europa.eu/eli/reg_impl/2023/138/oj"
    original = record()
    original.hvd_categories, original.applicable_legislation = [hvd], [eli]
    original.version, original.frequency = "3", EU + "frequency/DAILY"
    original.languages = [EU + "language/SWE", EU + "language/ENG"]
    original.conforms_to = ["https://www.ogc.org/standard/wfs/"]
    original.temporal = [{"start": "2019-01-01", "end": "2020-12-31"}]
    pkg = package(original, Row(), BASE, publisher_name="Malmö stad", source_name="malmo")
    extras = {e["key"]: e["value"] for e in pkg["extras"]}
    assert extras["hvd_category"] == f'["{hvd}"]' and extras["applicable_legislation"] == f'["{eli}"]'
    assert (extras["version"], extras["frequency"]) == ("3", EU + "frequency/DAILY")
    back = map_package(pkg, BASE)
    assert (back.hvd_categories, back.applicable_legislation) == ([hvd], [eli])
    assert (back.version, back.frequency, back.languages) == ("3", original.frequency, original.languages)
    assert back.conforms_to == original.conforms_to and back.temporal == original.temporal
