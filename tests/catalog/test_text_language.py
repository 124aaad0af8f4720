"""Language tags on text (issue 14): untagged titles and descriptions are flagged, and tagged while
reading where the source's catalogue declares one language."""

from __future__ import annotations

from catalog.formats import dcat_read
from catalog.normalise import language_tag, single_language, tag_untagged
from catalog.quality.rules import check_mandatory
from catalog.rdf.parse import parse
from catalog.records import Agent, DatasetRecord, Distribution

LANG = "http://publications.europa.eu/resource/authority/language/"


def records(languages: str) -> list[DatasetRecord]:
    body = f"""@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
        <https://x.example/c> a dcat:Catalog {languages} ; dcat:dataset <https://x.example/d> .
        <https://x.example/d> a dcat:Dataset ; dct:title "Badplatser" ; dct:description "Beskrivning"@sv , "Other" ;
            dcat:keyword "bad" ; dcat:distribution <https://x.example/d/csv> .
        <https://x.example/d/csv> a dcat:Distribution ; dct:title "CSV-fil" ; dcat:accessURL <https://x.example/f> .
    """.encode()
    return [rec for _, rec in dcat_read.iter_resources(parse(body, content_type="text/turtle"))
            if isinstance(rec, DatasetRecord)]


def untagged_warnings(rec: DatasetRecord) -> list[dict]:
    return [v for v in check_mandatory(rec) if v["rule"] == "text-untagged"]


def test_a_catalogue_of_one_language_gives_it_to_untagged_text_and_says_so() -> None:
    [rec] = records(f"; dct:language <{LANG}SWE>")
    assert rec.title == {"sv": "Badplatser"}
    assert rec.keywords == {"sv": ["bad"]}
    assert rec.distributions[0].title == {"sv": "CSV-fil"}
    # text already given in that language keeps it; the untagged other stays untagged
    assert rec.description == {"sv": "Beskrivning", "": "Other"}
    assert any("the catalogue's only language" in n for n in rec.notes)
    [warning] = untagged_warnings(rec)
    assert warning["severity"] == "warning" and "description" in warning["message_en"]


def test_with_two_languages_or_none_untagged_text_stays_untagged_and_is_flagged() -> None:
    for declared in (f"; dct:language <{LANG}SWE> , <{LANG}ENG>", ""):
        [rec] = records(declared)
        assert rec.title == {"": "Badplatser"}
        [warning] = untagged_warnings(rec)
        assert warning["rule"] == "text-untagged" and warning["severity"] == "warning"
        assert "title" in warning["message_en"] and "distribution 1 title" in warning["message_en"]


def test_tagged_text_is_not_flagged() -> None:
    rec = DatasetRecord(uri="https://x.example/d", title={"sv": "T"}, description={"sv": "D", "en": "D"},
                        publisher=Agent(name={"sv": "P"}), distributions=[Distribution(title={"en": "CSV"})])
    assert untagged_warnings(rec) == []
    assert tag_untagged(rec, "sv") is False and rec.notes == []


def test_language_tags_of_eu_languages() -> None:
    assert language_tag(LANG + "SWE") == "sv" and language_tag("ENG") == "en" and language_tag("sv") == "sv"
    assert single_language([LANG + "SWE"]) == "sv"
    assert single_language([LANG + "SWE", LANG + "ENG"]) is None and single_language([]) is None
