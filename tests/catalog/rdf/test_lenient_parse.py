"""One bad value never sinks a document (issue 15, problem 3): a statement with an invalid language
tag or IRI is dropped and reported with its line and reason, the dataset it describes is flagged,
and every other statement is read."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from sqlmodel import Session, select

from catalog.errors import ParseError
from catalog.formats.dcat_read import iter_resources
from catalog.rdf.parse import parse
from catalog.records import DatasetRecord
from catalog.store.tables import Dataset, JobRecord

PREFIXES = """@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix ex: <https://x.example/> .
"""


def _catalogue(n: int, bad: set[int]) -> str:
    """A Turtle catalogue of ``n`` datasets, one block each; those in ``bad`` have an over-long tag."""
    blocks = [PREFIXES]
    for i in range(n):
        title = f'"Titel {i}"@abcdefghijk' if i in bad else f'"Titel {i}"@sv'
        blocks.append(f"""ex:ds{i} a dcat:Dataset ;
    dct:title {title} ;
    dct:description "Beskrivning {i}"@sv ;
    dct:publisher ex:org .
""")
    blocks.append('ex:org a foaf:Agent ; foaf:name "Myndigheten"@sv .\n')
    return "".join(blocks)


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_thirty_over_long_language_tags_cost_thirty_statements_and_each_is_reported_with_its_line() -> None:
    bad = set(list(range(7, 1000, 33))[:30])
    text = _catalogue(1000, bad)
    graph = parse(text.encode(), content_type="text/turtle")
    assert len(graph.dropped) == 30
    for i, dropped in zip(sorted(bad), graph.dropped, strict=True):
        assert dropped.line == _line_of(text, f'"Titel {i}"@abcdefghijk')
        assert "abcdefghijk" in dropped.reason
        assert dropped.owner == f"https://x.example/ds{i}"
    recs = {ref: rec for ref, rec in iter_resources(graph)}
    assert len(recs) == 1000 and all(isinstance(r, DatasetRecord) for r in recs.values())
    flagged = recs[f"https://x.example/ds{min(bad)}"]
    assert isinstance(flagged, DatasetRecord)
    assert flagged.title == {} and flagged.description == {"sv": f"Beskrivning {min(bad)}"}
    assert any(f"line {graph.dropped[0].line}" in note and "abcdefghijk" in note for note in flagged.notes)
    clean = recs["https://x.example/ds0"]
    assert isinstance(clean, DatasetRecord) and clean.notes == [] and clean.title == {"sv": "Titel 0"}


def test_a_space_in_an_iri_costs_only_that_statement_in_turtle() -> None:
    text = PREFIXES + """ex:a a dcat:Dataset ; dct:title "A"@sv ; dcat:distribution ex:dist .
ex:dist a dcat:Distribution ; dcat:accessURL <https://x.example/data set.csv> .
ex:dist dct:title "Fil"@sv .
"""
    graph = parse(text.encode(), content_type="text/turtle")
    [dropped] = graph.dropped
    assert dropped.line == 6 and "data set.csv" in dropped.reason
    assert dropped.owner == "https://x.example/a"
    assert graph.objects("https://x.example/dist", "http://purl.org/dc/terms/title")[0].value == "Fil"


def test_rdf_xml_with_a_space_in_rdf_about_and_a_bad_tag_keeps_the_other_datasets() -> None:
    xml = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:dct="http://purl.org/dc/terms/" xmlns:dcat="http://www.w3.org/ns/dcat#">
  <dcat:Dataset rdf:about="https://x.example/a">
    <dct:title xml:lang="abcdefghijk">A</dct:title>
    <dct:description xml:lang="sv">Beskrivning</dct:description>
  </dcat:Dataset>
  <dcat:Dataset rdf:about="https://x.example/geo network">
    <dct:title>B</dct:title>
  </dcat:Dataset>
  <dcat:Dataset rdf:about="https://x.example/c">
    <dct:title xml:lang="sv">C</dct:title>
  </dcat:Dataset>
</rdf:RDF>
"""
    graph = parse(xml.encode(), content_type="application/rdf+xml")
    reasons = {d.line: d.reason for d in graph.dropped}
    assert "abcdefghijk" in reasons[5] and "geo network" in reasons[8]
    recs = dict(iter_resources(graph))
    a, c = recs["https://x.example/a"], recs["https://x.example/c"]
    assert isinstance(a, DatasetRecord) and a.description == {"sv": "Beskrivning"}
    assert any("line 5" in note for note in a.notes)
    assert isinstance(c, DatasetRecord) and c.title == {"sv": "C"} and c.notes == []
    # the resource whose own IRI has a space (as GeoNetwork writes them) is kept under the IRI a
    # browser would use, and flagged with the line and the reason (issue 14)
    b = recs["https://x.example/geo%20network"]
    assert isinstance(b, DatasetRecord) and b.title == {"": "B"}
    assert b.notes == ["RDF statement at line 8 kept with a repaired IRI (invalid IRI <https://x.example/geo network>, "
                       "read as <https://x.example/geo%20network>)"]
    assert not any(isinstance(rec, ParseError) for rec in recs.values())


def test_n_triples_with_bad_terms_keeps_every_good_line() -> None:
    nt = b"""<https://x.example/a> <http://purl.org/dc/terms/title> "A"@abcdefghijk .
<https://x.example/b c> <http://purl.org/dc/terms/title> "B" .
<https://x.example/d> <http://purl.org/dc/terms/title> "D" .
"""
    graph = parse(nt, fmt=ox.RdfFormat.N_TRIPLES)
    # the bad language tag costs its statement; the IRI with a space is repaired and kept (issue 14)
    assert graph.triples == 2
    assert [(d.line, d.repaired) for d in graph.dropped] == [(1, None), (2, "https://x.example/b%20c")]


def test_an_iri_that_cannot_be_repaired_still_costs_only_its_statement() -> None:
    nt = b"""<https://x.example/a> <http://purl.org/dc/terms/title> "A" .
<https://x.example/a> <http://purl.org/dc/terms/relation> <no scheme at all> .
"""
    graph = parse(nt, fmt=ox.RdfFormat.N_TRIPLES)
    assert graph.triples == 1
    assert [(d.line, d.repaired) for d in graph.dropped] == [(2, None)]


@pytest.mark.parametrize("body", [
    b"@prefix ex: <https://x.example/> .\nex:a ex:p \"x\" \nex:b ex:p \"y\" .\n",  # a missing dot
    b"<!DOCTYPE html><html><body>no</body></html>",
])
def test_broken_syntax_and_html_are_still_refused_whole(body: bytes) -> None:
    with pytest.raises(ParseError):
        parse(body, content_type="text/turtle")


def test_xml_entity_declarations_are_still_refused() -> None:
    bomb = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>"""
    with pytest.raises(ParseError, match="entity"):
        parse(bomb, content_type="application/rdf+xml")


def test_a_harvest_stores_every_good_dataset_and_reports_the_bad_statements(
        http_server, add_source, harvest, engine) -> None:  # type: ignore[no-untyped-def]
    bad = {3, 10, 42}
    text = _catalogue(60, bad)
    add_source("lenient", http_server.set("cat.ttl", text))
    job = harvest("lenient")
    assert job.status == "succeeded", job.message
    assert job.added == 60
    with Session(engine) as session:
        assert len(session.exec(select(Dataset)).all()) == 60
        rows = session.exec(select(JobRecord).where(JobRecord.job_id == job.id,
                                                    JobRecord.rule == "rdf-statement-dropped")).all()
    assert sorted(r.ref or "" for r in rows) == sorted(f"https://x.example/ds{i}" for i in bad)
    for row in rows:
        i = int((row.ref or "").rsplit("ds", 1)[1])
        line = _line_of(text, f'"Titel {i}"@abcdefghijk')
        assert f"line {line}" in (row.message or "")
