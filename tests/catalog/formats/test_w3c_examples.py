"""The W3C DCAT 3 examples (tests/fixtures/dcat/w3c, vendored with their notice) read identically from
Turtle, JSON-LD and RDF/XML, and from an N-Triples copy with other blank-node labels and order:
the same records, ids and content hashes (issue 14: seven of the 27 gave a different content hash,
and sometimes a different dct:identifier, depending on the serialisation). Each also comes back
from datakatalog's DCAT-AP-SE output with nothing lost but the documented normalisations."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from tests.catalog.formats.roundtrip import prepared, roundtrip

W3C = Path(__file__).resolve().parents[2] / "fixtures" / "dcat" / "w3c"
EXAMPLES = sorted(p.stem for p in W3C.glob("*.ttl"))
SYNTAXES = {"ttl": "text/turtle", "jsonld": "application/ld+json", "rdf": "application/rdf+xml"}
# what a round trip may change, each a rule of tests/catalog/formats/roundtrip.py: normalisations
# DCAT-AP-SE output makes on purpose (EU vocabulary IRIs, typed dates, IRIs for text that names things)
ALLOWED = {
    "language tags in lower case, text trimmed",
    "dates in ISO 8601, typed by their precision",
    "byte sizes as xsd:nonNegativeInteger",
    "URLs given as text written as IRIs",
    "a dataset's licence is written on each of its distributions (DCAT-AP)",
    "formats and media types given as text become EU file-type / IANA IRIs",
    "licence IRIs in their canonical form",
    "EU vocabulary IRIs in their canonical form",
    "a blank node naming a vocabulary value by its label or code becomes the EU IRI",
    "a blank node that only names something becomes a minted IRI with that label",
    # DCAT-AP-SE wants resources there: the text becomes the label of a minted IRI
    "text where an IRI belongs becomes a minted IRI labelled with the text",
}


def _read(body: bytes, content_type: str) -> dict[str, tuple[str, str]]:
    """Records by id: (content hash, stored JSON)."""
    return {p.id: (p.hash, p.json) for p in prepared(body, content_type)}


def test_all_27_examples_are_vendored_in_three_syntaxes() -> None:
    assert len(EXAMPLES) == 27
    assert all((W3C / f"{name}.{ext}").exists() for name in EXAMPLES for ext in SYNTAXES)


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_serialisation_gives_the_same_records_ids_and_hashes(name: str) -> None:
    turtle = (W3C / f"{name}.ttl").read_bytes()
    expected = _read(turtle, "text/turtle")
    for ext in ("jsonld", "rdf"):
        assert _read((W3C / f"{name}.{ext}").read_bytes(), SYNTAXES[ext]) == expected, ext
    # an N-Triples copy of the same graph: fresh blank-node labels, statements in reverse order
    # (written by Oxigraph: rdflib rewrites some literals, e.g. "…Z" date-times as "…+00:00")
    lines = ox.serialize(ox.parse(turtle, format=ox.RdfFormat.TURTLE), format=ox.RdfFormat.N_TRIPLES)
    assert lines is not None
    ntriples = b"\n".join(reversed(lines.splitlines())) + b"\n"
    assert _read(ntriples, "application/n-triples") == expected


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_statement_of_an_example_comes_back_from_our_output(name: str) -> None:
    result = roundtrip((W3C / f"{name}.ttl").read_bytes(), "text/turtle")
    assert result.missing == []
    assert result.used <= ALLOWED


def test_examples_with_series_blank_nodes_and_bounding_boxes_keep_them() -> None:
    """Spot checks of what used to be lost: a dataset series, dcat:inSeries, a location's bbox."""
    series = {p.rec.uri: p.rec for p in prepared((W3C / "series-membership.ttl").read_bytes(), "text/turtle")}
    kinds = sorted(rec.kind for rec in series.values())
    assert "datasetseries" in kinds and any(rec.in_series for rec in series.values())
    courts = prepared((W3C / "ga-courts.ttl").read_bytes(), "text/turtle")
    bbox = "http://www.w3.org/ns/dcat#bbox"
    assert any(bbox in str(p.rec.extra) for p in courts)
