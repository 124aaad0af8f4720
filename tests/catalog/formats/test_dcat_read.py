"""Reading DCAT: small catalogues parsed and mapped to records, one rule of the mapping per test."""

from __future__ import annotations

from catalog.formats.dcat_read import iter_resources, next_page
from catalog.rdf.parse import parse
from catalog.records import DatasetRecord

PREFIXES = """@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix hydra: <http://www.w3.org/ns/hydra/core#> .
@prefix schema: <http://schema.org/> .
@prefix ex: <https://x.example/> .
"""
EU = "http://publications.europa.eu/resource/authority/"
CC_BY = "http://creativecommons.org/licenses/by/4.0/"


def records(turtle: str) -> dict[str, DatasetRecord]:
    out: dict[str, DatasetRecord] = {}
    for ref, rec in iter_resources(parse((PREFIXES + turtle).encode(), content_type="text/turtle")):
        assert isinstance(rec, DatasetRecord), rec
        out[ref] = rec
    return out


def one(turtle: str) -> DatasetRecord:
    [rec] = records(turtle).values()
    return rec


def test_texts_keep_their_languages_and_the_first_text_of_each_language_wins() -> None:
    rec = one("""ex:ds a dcat:Dataset ; dct:identifier " bad-1 " ;
        dct:title "Badplatser"@sv, "Bathing sites"@EN, "Badställen"@sv, "Untagged" ;
        dct:description "  Var man kan bada.  "@sv ;
        dcat:keyword "bad"@sv, "bad"@sv, "strand"@sv, "beach"@en, "  "@sv .""")
    assert rec.kind == "dataset" and rec.uri == "https://x.example/ds" and rec.identifier == "bad-1"
    assert rec.title == {"sv": "Badplatser", "en": "Bathing sites", "": "Untagged"}
    assert rec.description == {"sv": "Var man kan bada."}
    assert rec.keywords == {"sv": ["bad", "strand"], "en": ["beach"]}


def test_a_publisher_and_a_contact_point_as_blank_nodes() -> None:
    rec = one("""ex:ds a dcat:Dataset ; dct:title "A" ;
        dct:publisher [ a foaf:Agent ; foaf:name "Malmö stad"@sv ; foaf:mbox <mailto:info@malmo.se> ;
                        dct:type <http://purl.org/adms/publishertype/LocalAuthority> ] ;
        dcat:contactPoint [ a vcard:Organization ; vcard:fn "Kundtjänst" ;
                            vcard:hasEmail "kundtjanst@malmo.se" ;
                            vcard:hasTelephone [ vcard:hasValue <tel:+4640340000> ] ] .""")
    assert rec.publisher is not None
    assert (rec.publisher.uri, rec.publisher.name, rec.publisher.email) == (None, {"sv": "Malmö stad"},
                                                                           "mailto:info@malmo.se")
    assert rec.publisher.type == "http://purl.org/adms/publishertype/LocalAuthority"
    [cp] = rec.contact_points
    assert (cp.name, cp.email, cp.phone) == ("Kundtjänst", "mailto:kundtjanst@malmo.se", "tel:+4640340000")
    assert cp.kind == "http://www.w3.org/2006/vcard/ns#Organization"


def test_a_publisher_named_only_by_skos_label_or_given_as_text() -> None:
    labelled = one("""ex:ds a dcat:Dataset ; dct:title "A" ; dct:publisher ex:org .
        ex:org skos:prefLabel "Region Skåne"@sv .""")
    assert labelled.publisher is not None and labelled.publisher.uri == "https://x.example/org"
    assert labelled.publisher.name == {"sv": "Region Skåne"}
    text = one("""ex:ds a dcat:Dataset ; dct:title "A" ; dct:publisher " Lunds kommun " .""")
    assert text.publisher is not None and text.publisher.name == {"": "Lunds kommun"}


def test_distribution_formats_from_eu_iris_media_types_labels_or_the_download_url() -> None:
    rec = one(f"""ex:ds a dcat:Dataset ; dct:title "A" ;
        dcat:distribution ex:d1, ex:d2, ex:d3, ex:d4 .
        ex:d1 dcat:accessURL <https://x.example/a> ; dct:format <{EU}file-type/CSV> .
        ex:d2 dcat:downloadURL <https://x.example/b.json?v=2> .
        ex:d3 dcat:accessURL <https://x.example/c> ;
              dcat:mediaType <https://www.iana.org/assignments/media-types/application/vnd.geo+json> .
        ex:d4 dcat:accessURL <https://x.example/d> ; dct:format [ rdfs:label "XLSX" ] ; dcat:byteSize "12.0" .""")
    by_uri = {d.uri: d for d in rec.distributions}
    assert by_uri["https://x.example/d1"].format == "CSV"
    assert by_uri["https://x.example/d2"].format == "JSON"
    assert by_uri["https://x.example/d2"].download_urls == ["https://x.example/b.json?v=2"]
    d3 = by_uri["https://x.example/d3"]
    assert (d3.format, d3.media_type) == ("GEOJSON", "application/vnd.geo+json")
    d4 = by_uri["https://x.example/d4"]
    assert (d4.format, d4.format_raw, d4.byte_size) == ("XLSX", "XLSX", 12)


def test_licences_are_canonical_iris_and_a_distribution_keeps_its_own() -> None:
    rec = one("""ex:ds a dcat:Dataset ; dct:title "A" ;
        dct:license <https://creativecommons.org/licenses/by/4.0/legalcode> ;
        dcat:distribution [ dcat:accessURL <https://x.example/a> ; dct:license "CC0 1.0" ] .""")
    assert rec.license == CC_BY
    assert rec.distributions[0].license == "http://creativecommons.org/publicdomain/zero/1.0/"


def test_dates_of_every_datatype_and_a_note_for_an_unreadable_one() -> None:
    rec = one("""ex:ds a dcat:Dataset ; dct:title "A" ; dct:issued "2019"^^xsd:gYear ;
        dct:modified "2021-03-04T09:12:33Z"^^xsd:dateTime ;
        dct:temporal [ dcat:startDate "2020-01-01"^^xsd:date ; schema:endDate "31/12/2020" ] ;
        dcat:distribution [ dcat:accessURL <https://x.example/a> ; dct:issued "förra året" ] .""")
    assert (rec.issued, rec.modified) == ("2019", "2021-03-04T09:12:33+00:00")
    assert rec.temporal == [{"start": "2020-01-01", "end": "2020-12-31"}]
    assert rec.distributions[0].issued == "förra året"
    assert rec.notes == ["unreadable date 'förra året' kept as text"]


def test_urls_given_as_literals_are_read_and_plain_text_is_not() -> None:
    rec = one("""ex:ds a dcat:Dataset ; dct:title "A" ; dcat:landingPage "https://x.example/sida", "se webbplatsen" ;
        dcat:theme <http://publications.europa.eu/resource/authority/data-theme/ENVI> ;
        dct:language <http://publications.europa.eu/resource/authority/language/SWE> ;
        dct:spatial [ rdfs:label "Skåne" ], <https://sws.geonames.org/2661886/> .""")
    assert rec.landing_pages == ["https://x.example/sida"]
    assert rec.themes == [EU + "data-theme/ENVI"] and rec.languages == [EU + "language/SWE"]
    # RDF has no order: values come in canonical order (IRIs first), the same from every serialisation
    assert sorted(rec.spatial) == ["Skåne", "https://sws.geonames.org/2661886/"]


def test_a_data_service_and_the_dataset_it_serves_name_each_other() -> None:
    recs = records("""ex:cat a dcat:Catalog ; dcat:service ex:api ; dcat:dataset ex:ds .
        ex:api a dcat:DataService ; dct:title "API" ; dcat:endpointURL <https://x.example/api> ;
            dcat:endpointDescription <https://x.example/api/openapi.json> ; dcat:servesDataset ex:ds .
        ex:ds a dcat:Dataset ; dct:title "Data" .""")
    api, ds = recs["https://x.example/api"], recs["https://x.example/ds"]
    assert api.kind == "dataservice" and api.endpoint_urls == ["https://x.example/api"]
    assert api.endpoint_descriptions == ["https://x.example/api/openapi.json"]
    assert api.serves_datasets == ["https://x.example/ds"] and ds.served_by == ["https://x.example/api"]


def test_untyped_datasets_a_catalogue_links_are_read_but_resources_typed_otherwise_are_not() -> None:
    recs = records("""ex:cat a dcat:Catalog ; dcat:dataset ex:untyped, ex:agent, ex:undescribed .
        ex:untyped dct:title "Otypad" .
        ex:agent a foaf:Agent ; dct:title "Inte en datamängd" .
        ex:series a dcat:DatasetSeries ; dct:title "Serie" .""")
    assert set(recs) == {"https://x.example/untyped", "https://x.example/series"}
    assert recs["https://x.example/untyped"].kind == "dataset"


def test_a_blank_node_dataset_is_referenced_by_its_node_id() -> None:
    [(ref, rec)] = list(iter_resources(parse((PREFIXES + '[ a dcat:Dataset ; dct:title "A" ] .').encode(),
                                             content_type="text/turtle")))
    assert ref.startswith("_:") and isinstance(rec, DatasetRecord) and rec.uri is None


def test_the_next_page_of_a_hydra_paged_catalogue() -> None:
    first = parse((PREFIXES + """<https://x.example/cat?page=1> hydra:next <https://x.example/cat?page=2> .""")
                  .encode(), content_type="text/turtle")
    older = parse((PREFIXES + """<https://x.example/cat?page=1> hydra:nextPage "https://x.example/cat?page=3" .""")
                  .encode(), content_type="text/turtle")
    last = parse((PREFIXES + """<https://x.example/cat?page=3> hydra:totalItems 3 .""").encode(),
                 content_type="text/turtle")
    assert (next_page(first), next_page(older), next_page(last)) == (
        "https://x.example/cat?page=2", "https://x.example/cat?page=3", None)
