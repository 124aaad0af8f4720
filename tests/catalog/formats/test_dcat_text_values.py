"""Reading DCAT whose values are text where an IRI belongs (issue 14): each is mapped to its EU
IRI, or kept as given with a note; nothing is dropped."""

from __future__ import annotations

from catalog.formats.dcat_read import iter_resources
from catalog.formats.dcat_write import StoredDataset, add_dataset
from catalog.rdf.graph import Graph, serialize
from catalog.rdf.namespaces import DCAT, VCARD
from catalog.rdf.parse import parse
from catalog.records import DatasetRecord

EU = "http://publications.europa.eu/resource/authority/"

# the shape of a municipality's hand-written catalogue (and of GeoNetwork's text-valued exports)
DOC = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> . @prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix ex: <https://kommun.example/data/> .
ex:cat a dcat:Catalog ; dcat:dataset ex:parkering, ex:buller .
ex:parkering a dcat:Dataset ;
    dct:title "Parkeringsplatser"@sv, "Parking spaces"@en ;
    dct:language "sv", "eng" ;
    dct:accrualPeriodicity "dagligen" ;
    dcat:theme "TRAN", "Miljö"@sv ;
    dct:accessRights "public" ;
    dct:temporal "2019-01-01/2020-12-31" ;
    dct:publisher [ a foaf:Agent ; foaf:name "Exempelby kommun"@sv ; foaf:mbox "registrator@kommun.example" ] ;
    dcat:contactPoint [ a vcard:Organization ;
        vcard:fn "Trafikenheten"@sv, "Traffic unit"@en ; vcard:hasEmail "trafik@kommun.example" ] .
ex:buller a dcat:Dataset ;
    dct:title "Bullerkartor"@sv ;
    dct:language <http://publications.europa.eu/resource/authority/language/SWE>, "klingonska" ;
    dct:accrualPeriodicity "när vi hinner" ;
    dcat:theme "Kommunal förvaltning i stort" ;
    dct:accessRights [ a dct:RightsStatement ; rdfs:label "Öppen" ] ;
    dct:temporal "2019/2020", "hela förra året" ;
    dcat:contactPoint [ a vcard:Kind ; vcard:fn "Miljöförvaltningen" ] .
"""


def _records() -> dict[str, DatasetRecord]:
    out: dict[str, DatasetRecord] = {}
    for _ref, rec in iter_resources(parse(DOC.encode(), content_type="text/turtle")):
        assert isinstance(rec, DatasetRecord), rec
        out[rec.uri or ""] = rec
    return out


def test_text_values_become_eu_iris() -> None:
    rec = _records()["https://kommun.example/data/parkering"]
    assert sorted(rec.languages) == [EU + "language/ENG", EU + "language/SWE"]  # RDF has no order
    assert rec.frequency == EU + "frequency/DAILY"
    assert sorted(rec.themes) == [EU + "data-theme/ENVI", EU + "data-theme/TRAN"]
    assert rec.access_rights == EU + "access-right/PUBLIC"
    assert rec.temporal == [{"start": "2019-01-01", "end": "2020-12-31"}]
    assert rec.publisher is not None and rec.publisher.email == "mailto:registrator@kommun.example"
    [contact] = rec.contact_points
    assert contact.email == "mailto:trafik@kommun.example"
    assert rec.notes == []


def test_a_contact_name_in_swedish_and_english_keeps_both() -> None:
    recs = _records()
    [contact] = recs["https://kommun.example/data/parkering"].contact_points
    assert contact.names == {"sv": "Trafikenheten", "en": "Traffic unit"}
    assert contact.name == "Trafikenheten"
    [untagged] = recs["https://kommun.example/data/buller"].contact_points
    assert untagged.name == "Miljöförvaltningen" and untagged.names == {}


def test_values_that_cannot_be_mapped_are_kept_and_noted() -> None:
    rec = _records()["https://kommun.example/data/buller"]
    assert sorted(rec.languages) == [EU + "language/SWE", "klingonska"]
    assert rec.frequency == "när vi hinner"
    assert rec.themes == ["Kommunal förvaltning i stort"]
    assert rec.access_rights == EU + "access-right/PUBLIC"  # a labelled RightsStatement
    assert rec.temporal == [{"start": "2019", "end": "2020"}]
    notes = "\n".join(rec.notes)
    for kept in ("klingonska", "när vi hinner", "Kommunal förvaltning i stort", "hela förra året"):
        assert kept in notes


def test_contact_names_in_two_languages_are_written_back_tagged() -> None:
    rec = _records()["https://kommun.example/data/parkering"]
    g = Graph()
    add_dataset(g, StoredDataset("id-1", None, rec), "https://katalog.example")
    back = parse(serialize(g, "text/turtle"), content_type="text/turtle")
    [contact] = back.objects("https://kommun.example/data/parkering", DCAT + "contactPoint")
    names = {(o.value, o.language) for o in back.objects(contact.value, VCARD + "fn")}
    assert names == {("Trafikenheten", "sv"), ("Traffic unit", "en")}


def test_a_contact_stored_before_names_existed_still_reads() -> None:
    stored = {"title": {"sv": "x"}, "contact_points": [{"name": "Kontaktcenter", "email": "mailto:a@b.se"}]}
    rec = DatasetRecord.from_dict(stored)
    assert rec.contact_points[0].name == "Kontaktcenter" and rec.contact_points[0].names == {}
