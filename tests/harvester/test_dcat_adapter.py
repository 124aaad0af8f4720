"""The DCAT adapter: every RDF syntax, Hydra paging, and the mapping into normalised records."""

from __future__ import annotations

import json

import pytest

from catalog.errors import ParseError
from catalog.formats import dcat_read
from catalog.rdf.parse import parse
from catalog.records import DatasetRecord
from catalog.settings import Settings
from harvester.adapters import get_adapter
from harvester.adapters.base import SourceSpec
from harvester.fetch import Fetcher
from tests.conftest import FIXTURES, FixtureHTTPServer

BY = "http://creativecommons.org/licenses/by/4.0/"
CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"
FX = "https://fixtures.example.se/dataset/"

SERIALISATIONS = [
    ("catalog.ttl", "text/turtle"),
    ("catalog.rdf", "application/rdf+xml"),
    ("catalog.jsonld", "application/ld+json"),
    ("catalog.nt", "application/n-triples"),
]


def _settings() -> Settings:
    return Settings(allow_private_sources=True, fetch_timeout=5.0)


def harvest_records(url: str) -> dict[str, DatasetRecord]:
    settings = _settings()
    adapter = get_adapter("dcat")(SourceSpec(name="t", kind="dcat", url=url), Fetcher(settings), settings)
    out: dict[str, DatasetRecord] = {}
    for page in adapter.pages():
        for ref, rec in page.records:
            assert isinstance(rec, DatasetRecord), rec
            out[rec.uri or rec.identifier or ref] = rec
    return out


@pytest.mark.parametrize(("fixture", "content_type"), SERIALISATIONS)
def test_every_serialisation_gives_the_same_records(
    http_server: FixtureHTTPServer, fixture: str, content_type: str
) -> None:
    url = http_server.set_fixture(f"served/{fixture}", f"dcat/{fixture}", content_type)
    records = harvest_records(url)
    assert len(records) == 8
    assert sorted(r.kind for r in records.values()).count("dataservice") == 1
    bad = records[FX + "badplatser"]
    assert bad.title == {"sv": "Badplatser", "en": "Bathing sites"}
    assert bad.publisher is not None and bad.publisher.uri == "http://dataportal.se/organisation/SE2120000142"
    assert bad.publisher.name == {"sv": "Stockholms stad"}
    assert bad.license == BY
    assert bad.formats() == ["CSV"]
    assert bad.issued == "2019-05-01"
    assert bad.modified == "2024-03-15T10:30:00"
    assert bad.keywords == {"sv": ["bad", "badplats"], "en": ["swimming"]} or (
        sorted(bad.keywords["sv"]) == ["bad", "badplats"] and bad.keywords["en"] == ["swimming"])
    assert bad.served_by == ["https://fixtures.example.se/service/bad-api"]
    assert bad.contact_points[0].email == "mailto:oppnadata@stockholm.se"
    blank = records["blank-1"]
    assert blank.uri is None and blank.title == {"sv": "Blanknodsdataset"}


@pytest.mark.parametrize(("fixture", "content_type"), SERIALISATIONS)
def test_serialisation_is_sniffed_when_content_type_is_generic(
    http_server: FixtureHTTPServer, fixture: str, content_type: str
) -> None:
    url = http_server.set_fixture(f"generic/{fixture.replace('.', '_')}", f"dcat/{fixture}", "text/plain")
    assert len(harvest_records(url)) == 8


def test_blank_node_publisher_keeps_its_name(http_server: FixtureHTTPServer) -> None:
    rec = harvest_records(http_server.url("dcat/catalog.ttl"))[FX + "hallplatser"]
    assert rec.publisher is not None and rec.publisher.uri is None
    assert rec.publisher.name == {"sv": "Region Skåne"}
    assert rec.title == {"": "Hållplatser i Skåne"}
    assert rec.display_title == "Hållplatser i Skåne"


def test_licence_on_distribution_only_is_the_datasets_licence(http_server: FixtureHTTPServer) -> None:
    records = harvest_records(http_server.url("dcat/catalog.ttl"))
    assert records[FX + "hallplatser"].license is None
    assert records[FX + "hallplatser"].licenses() == [CC0]
    assert records[FX + "badplatser"].licenses() == [BY]


def test_formats_from_iris_strings_and_media_types(http_server: FixtureHTTPServer) -> None:
    records = harvest_records(http_server.url("dcat/catalog.ttl"))
    assert records[FX + "hallplatser"].formats() == ["CSV"]  # dct:format "csv"
    assert set(records[FX + "luftkvalitet"].formats()) == {"JSON", "CSV"}  # IANA IRI + "text/csv"
    assert set(records[FX + "geodata"].formats()) == {"GEOJSON", "WMS_SRVC"}
    json_dist = next(d for d in records[FX + "luftkvalitet"].distributions if d.format == "JSON")
    assert json_dist.media_type == "application/json"


def test_dates_of_every_kind_are_normalised(http_server: FixtureHTTPServer) -> None:
    records = harvest_records(http_server.url("dcat/catalog.ttl"))
    assert records[FX + "hallplatser"].modified == "2023"  # xsd:gYear
    assert records[FX + "luftkvalitet"].modified == "2021-03-04"  # plain string


def test_sv_title_is_shown_before_en(http_server: FixtureHTTPServer) -> None:
    rec = harvest_records(http_server.url("dcat/catalog.ttl"))[FX + "luftkvalitet"]
    assert rec.title == {"sv": "Luftkvalitet", "en": "Air quality"}
    assert rec.display_title == "Luftkvalitet"


def test_data_service_has_endpoints(http_server: FixtureHTTPServer) -> None:
    rec = harvest_records(http_server.url("dcat/catalog.ttl"))["https://fixtures.example.se/service/bad-api"]
    assert rec.kind == "dataservice"
    assert rec.endpoint_urls == ["https://api.fixtures.example.se/bad"]
    assert rec.serves_datasets == [FX + "badplatser"]
    assert rec.license == BY


def test_hydra_paging_follows_next_and_next_page_with_relative_links(http_server: FixtureHTTPServer) -> None:
    records = harvest_records(http_server.url("dcat/paged/page1.ttl"))
    assert sorted(records) == [f"https://fixtures.example.se/paged/d{i}" for i in range(1, 10)]
    pages = [h for h in http_server.hits if "paged" in h]
    assert pages == ["/dcat/paged/page1.ttl", "/dcat/paged/page2.ttl", "/dcat/paged/page3.ttl"]


def test_hydra_loop_is_an_error_not_an_endless_harvest(http_server: FixtureHTTPServer) -> None:
    body = (FIXTURES / "dcat/paged/page3.ttl").read_text()
    body += "\n<loop.ttl> a <http://www.w3.org/ns/hydra/core#PartialCollectionView> ; " \
            "<http://www.w3.org/ns/hydra/core#next> <loop.ttl> .\n"
    url = http_server.set("loop.ttl", body)
    with pytest.raises(ParseError, match="loops"):
        harvest_records(url)


def test_truncated_turtle_is_a_parse_error_naming_the_position(http_server: FixtureHTTPServer) -> None:
    body = (FIXTURES / "dcat/catalog.ttl").read_bytes()
    cut = body.index(b"dct:title", len(body) // 2) + 12  # inside a statement, as a dropped connection leaves it
    url = http_server.set("broken.ttl", body[:cut])
    with pytest.raises(ParseError) as info:
        harvest_records(url)
    assert "broken.ttl" in info.value.message
    assert "line" in info.value.message


def test_html_served_as_turtle_is_refused_clearly(http_server: FixtureHTTPServer) -> None:
    url = http_server.set("page.ttl", "<!DOCTYPE html><html><body>Not here</body></html>", "text/html")
    with pytest.raises(ParseError, match="HTML"):
        harvest_records(url)


def test_remote_json_ld_context_is_never_fetched(http_server: FixtureHTTPServer) -> None:
    context_url = http_server.set("context.jsonld", '{"@context": {"t": "http://purl.org/dc/terms/title"}}',
                                  "application/ld+json")
    doc = json.dumps({"@context": context_url, "@id": "https://x.example/d",
                      "@type": "http://www.w3.org/ns/dcat#Dataset", "t": "Titel"})
    url = http_server.set("remote.jsonld", doc, "application/ld+json")
    with pytest.raises(ParseError):
        harvest_records(url)
    assert "/context.jsonld" not in http_server.hits


def test_unreadable_date_is_kept_and_noted() -> None:
    body = b"""@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
    <https://x.example/d> a dcat:Dataset ; dct:title "T"@sv ; dct:modified "i fjol" ; dct:issued "31/12/2020" ."""
    [(_, rec)] = list(dcat_read.iter_resources(parse(body, base_iri="https://x.example/")))
    assert isinstance(rec, DatasetRecord)
    assert rec.modified == "i fjol"
    assert rec.issued == "2020-12-31"
    assert any("i fjol" in n for n in rec.notes)


def test_untyped_resources_a_catalogue_lists_are_still_datasets() -> None:
    body = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
    <https://x.example/c> a dcat:Catalog ; dcat:dataset <https://x.example/d1>, <https://x.example/d2> ;
        dcat:service <https://x.example/s> .
    <https://x.example/d1> dct:title "Otypad datamängd"@sv .
    <https://x.example/d2> a dcat:DatasetSeries ; dct:title "Serie"@sv .
    <https://x.example/s> dct:title "Tjänst"@sv ; dcat:endpointURL <https://x.example/api> .""".encode()
    records = {rec.uri: rec for _, rec in dcat_read.iter_resources(parse(body, base_iri="https://x.example/"))
               if isinstance(rec, DatasetRecord)}
    assert records["https://x.example/d1"].title == {"sv": "Otypad datamängd"}
    assert records["https://x.example/d2"].kind == "datasetseries"  # issue 14: a series stays a series
    assert records["https://x.example/s"].kind == "dataservice"
    assert records["https://x.example/s"].endpoint_urls == ["https://x.example/api"]


def test_rdf_xml_with_a_leading_comment_and_no_declaration_is_sniffed() -> None:
    body = b"""<!-- exported by a municipal portal -->
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dcat="http://www.w3.org/ns/dcat#"
         xmlns:dct="http://purl.org/dc/terms/">
  <dcat:Dataset rdf:about="https://x.example/d"><dct:title xml:lang="sv">Kommentar</dct:title></dcat:Dataset>
</rdf:RDF>"""
    [(_, rec)] = list(dcat_read.iter_resources(parse(body, content_type="application/octet-stream")))
    assert isinstance(rec, DatasetRecord) and rec.title == {"sv": "Kommentar"}
