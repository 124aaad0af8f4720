"""The one table of RDF syntaxes and the one table of namespaces, as readers, writers and reports use them."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from catalog.rdf import syntaxes
from catalog.rdf.graph import DCAT, DCTERMS, Graph, Literal, URIRef, serialize, to_rdflib
from catalog.rdf.namespaces import DCT, PREFIXES, WRITTEN_PREFIXES, curie


def test_the_served_syntaxes_by_extension_and_media_type() -> None:
    assert syntaxes.EXTENSIONS == {"ttl": "text/turtle", "jsonld": "application/ld+json",
                                   "rdf": "application/rdf+xml", "nt": "application/n-triples"}
    assert tuple(syntaxes.EXTENSIONS.values()) == syntaxes.WRITTEN_MEDIA_TYPES


@pytest.mark.parametrize(("name", "fmt"), [
    ("ttl", ox.RdfFormat.TURTLE), ("Turtle", ox.RdfFormat.TURTLE), ("json-ld", ox.RdfFormat.JSON_LD),
    ("json", ox.RdfFormat.JSON_LD), ("rdf/xml", ox.RdfFormat.RDF_XML), ("xml", ox.RdfFormat.RDF_XML),
    ("n-triples", ox.RdfFormat.N_TRIPLES), ("nq", ox.RdfFormat.N_QUADS), ("trig", ox.RdfFormat.TRIG),
])
def test_names_and_extensions_people_use(name: str, fmt: ox.RdfFormat) -> None:
    found = syntaxes.by_name(name)
    assert found is not None and found.oxigraph == fmt
    assert syntaxes.by_name("csv") is None and syntaxes.by_name(None) is None


def test_media_types_with_parameters_and_aliases() -> None:
    turtle = syntaxes.by_media_type("Application/X-Turtle; charset=utf-8")
    assert turtle is not None and (turtle.media_type, turtle.rdflib) == ("text/turtle", "turtle")
    assert syntaxes.by_media_type("text/csv") is None
    assert {"application/json", "application/xml", "text/xml", "text/plain"} == syntaxes.VAGUE_MEDIA_TYPES


def test_curie_shortens_every_known_namespace_and_leaves_others() -> None:
    assert curie(DCT + "title") == "dct:title"
    assert curie("http://www.w3.org/ns/shacl#minCount") == "sh:minCount"
    assert curie("https://x.example/a") == "https://x.example/a"
    assert set(WRITTEN_PREFIXES.items()) <= set(PREFIXES.items())


def test_a_graph_is_serialised_in_each_served_syntax_with_the_written_prefixes() -> None:
    g = Graph()
    ds = URIRef("https://x.example/ds/1")
    g.add((ds, DCTERMS.title, Literal("Badplatser", lang="sv")))
    g.add((ds, DCTERMS.title, Literal("Badplatser", lang="sv")))  # a repeated triple is kept once
    g.add((ds, DCAT.keyword, Literal("bad")))
    assert len(g) == 2
    turtle = serialize(g, "text/turtle").decode()
    assert "@prefix dcat: <http://www.w3.org/ns/dcat#>" in turtle and '"Badplatser"@sv' in turtle
    assert "@prefix sh:" not in turtle  # only the vocabularies the output uses are declared
    for mime in syntaxes.WRITTEN_MEDIA_TYPES:
        back = list(ox.parse(serialize(g, mime), format=syntaxes.by_media_type(mime).oxigraph))
        assert len(back) == 2
    with pytest.raises(KeyError):
        serialize(g, "application/json")


def test_a_graph_copied_to_rdflib_keeps_languages_and_datatypes() -> None:
    g = Graph()
    ds = URIRef("https://x.example/ds/1")
    g.add((ds, DCTERMS.title, Literal("Badplatser", lang="sv")))
    g.add((ds, DCTERMS.issued, Literal("2024", datatype=URIRef("http://www.w3.org/2001/XMLSchema#gYear"))))
    copy = to_rdflib(g)
    assert len(copy) == 2
    titles = list(copy.objects(None, copy.namespace_manager.expand_curie("dct:title")))
    assert [(str(t), t.language) for t in titles] == [("Badplatser", "sv")]
    [issued] = copy.objects(None, copy.namespace_manager.expand_curie("dct:issued"))
    assert str(issued.datatype).endswith("#gYear")
