"""Parsing RDF: the syntax of a document found from its Content-Type or its bytes, the triples
indexed by subject, and documents refused (HTML, XML entities, remote JSON-LD contexts, bad syntax)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from catalog.errors import ParseError
from catalog.rdf.namespaces import DCAT, DCT, TYPE
from catalog.rdf.parse import key, parse, sniff_format

TURTLE = b"""@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
<https://x.example/ds/1> a dcat:Dataset ;
    dct:title "Badplatser"@sv, "Bathing sites"@en ;
    dcat:distribution [ a dcat:Distribution ; dct:format "CSV" ] .
"""
NTRIPLES = b'<https://x.example/ds/1> <http://purl.org/dc/terms/title> "Badplatser" .\n'
RDFXML = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dct="http://purl.org/dc/terms/">
  <rdf:Description rdf:about="https://x.example/ds/1"><dct:title xml:lang="sv">Badplatser</dct:title></rdf:Description>
</rdf:RDF>
"""
JSONLD = b"""{"@id": "https://x.example/ds/1", "@type": "http://www.w3.org/ns/dcat#Dataset",
 "http://purl.org/dc/terms/title": {"@value": "Badplatser", "@language": "sv"}}"""


@pytest.mark.parametrize(("content_type", "body", "expected"), [
    ("text/turtle; charset=utf-8", TURTLE, ox.RdfFormat.TURTLE),
    ("application/x-turtle", TURTLE, ox.RdfFormat.TURTLE),
    ("application/rdf+xml", RDFXML, ox.RdfFormat.RDF_XML),
    ("application/ld+json", JSONLD, ox.RdfFormat.JSON_LD),
    ("application/n-triples", NTRIPLES, ox.RdfFormat.N_TRIPLES),
    # generic types are checked against the bytes
    ("application/json", JSONLD, ox.RdfFormat.JSON_LD),
    ("text/xml", RDFXML, ox.RdfFormat.RDF_XML),
    ("text/plain", TURTLE, ox.RdfFormat.TURTLE),
    ("text/plain", NTRIPLES, ox.RdfFormat.N_TRIPLES),
    ("application/octet-stream", RDFXML, ox.RdfFormat.RDF_XML),
    (None, JSONLD, ox.RdfFormat.JSON_LD),
    (None, b"<!-- exported -->\n" + RDFXML.split(b"?>", 1)[1], ox.RdfFormat.RDF_XML),
])
def test_the_syntax_comes_from_a_specific_content_type_or_else_from_the_bytes(
    content_type: str | None, body: bytes, expected: ox.RdfFormat,
) -> None:
    assert sniff_format(body, content_type) == expected


def test_a_file_extension_decides_when_the_bytes_do_not() -> None:
    body = b"<https://x.example/a> <https://x.example/b> <https://x.example/c> ."
    assert sniff_format(body, None, "https://x.example/catalog.nt?page=2") == ox.RdfFormat.N_TRIPLES
    assert sniff_format(body, None, "https://x.example/catalog.ttl") == ox.RdfFormat.TURTLE
    assert sniff_format(body, None, "https://x.example/catalog") == ox.RdfFormat.N_TRIPLES


def test_triples_are_indexed_by_subject_predicate_and_type() -> None:
    g = parse(TURTLE, content_type="text/turtle")
    ds = "https://x.example/ds/1"
    assert g.triples == 6
    assert g.types[DCAT + "Dataset"] == [ds]
    assert sorted((t.value, t.language) for t in g.objects(ds, DCT + "title")) == [
        ("Badplatser", "sv"), ("Bathing sites", "en")]
    dist = g.value(ds, DCAT + "distribution")
    assert isinstance(dist, ox.BlankNode)
    assert key(dist) == "_:" + dist.value and g.described(key(dist))
    assert [t.value for t in g.objects(key(dist), TYPE)] == [DCAT + "Distribution"]
    assert g.objects("https://x.example/none", DCT + "title") == [] and g.value(ds, DCT + "issued") is None


@pytest.mark.parametrize(("body", "content_type"), [(RDFXML, "application/rdf+xml"), (JSONLD, None),
                                                    (NTRIPLES, "application/n-triples")])
def test_every_syntax_gives_the_same_title(body: bytes, content_type: str | None) -> None:
    g = parse(body, content_type=content_type)
    [title] = g.objects("https://x.example/ds/1", DCT + "title")
    assert title.value == "Badplatser"


@pytest.mark.parametrize("content_type", [None, "text/turtle", "application/rdf+xml"])
def test_html_is_refused_whatever_it_is_served_as(content_type: str | None) -> None:
    with pytest.raises(ParseError, match="the document is HTML, not RDF"):
        parse(b"<!DOCTYPE html><html><body>Inte hittad</body></html>", content_type=content_type)


def test_html_says_what_it_was_served_as() -> None:
    with pytest.raises(ParseError, match=r"\(served as text/turtle\)"):
        parse(b"\n  <html><body>Logga in</body></html>", content_type="text/turtle; charset=utf-8")


def test_an_xml_entity_declaration_is_refused_before_parsing_with_its_line() -> None:
    body = b'<?xml version="1.0"?>\n<!DOCTYPE r [\n<!ENTITY a "aaaa">\n]>\n' + RDFXML.split(b"?>", 1)[1]
    with pytest.raises(ParseError, match="declares an XML entity at line 3"):
        parse(body, content_type="application/rdf+xml")


def test_a_remote_json_ld_context_is_never_fetched() -> None:
    body = b'{"@context": "https://schema.example/context.jsonld", "@id": "https://x.example/1", "name": "a"}'
    with pytest.raises(ParseError, match="remote contexts are never fetched"):
        parse(body, content_type="application/ld+json")


def test_a_turtle_syntax_error_names_its_position() -> None:
    with pytest.raises(ParseError, match=r"not valid Turtle: .*line 3") as err:
        parse(b"@prefix dct: <http://purl.org/dc/terms/> .\n\n<https://x.example/1> dct:title \"a\" ;;; ] .\n",
              content_type="text/turtle")
    assert "\n" not in err.value.message


def test_an_rdf_xml_syntax_error_gets_the_xml_parsers_position() -> None:
    body = RDFXML.replace(b"</dct:title>", b"</dct:titel>")
    with pytest.raises(ParseError, match=r"not valid RDF/XML: .*\(line 3, column \d+\)"):
        parse(body, content_type="application/rdf+xml")
