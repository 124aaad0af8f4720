"""The one IRI check of the DCAT writer (issue 14): text that is not a usable IRI is never written as one."""

from __future__ import annotations

import pytest

from catalog.formats import dcat_write
from catalog.rdf.graph import new_graph, to_rdflib
from catalog.rdf.iris import as_iri, is_iri
from catalog.records import ContactPoint, DatasetRecord, Distribution


@pytest.mark.parametrize("value", [
    "http://x.example/a", "https://dataportal.se/organisation/SE2120000142", "mailto:info@kommun.se",
    "tel:+4681234567", "urn:uuid:0b1c2d3e-0000-4000-8000-000000000000", "http://x.example/ä",
    "  https://x.example/trimmed  ",
])
def test_web_addresses_and_registered_identifiers_are_iris(value: str) -> None:
    assert as_iri(value) == value.strip()


@pytest.mark.parametrize("value", [
    "internalURI:contactPoint0", "Kontakt:Anna", "http://a b.example/", "https://x.example/a b", "http:/x",
    "javascript:alert(1)", "no scheme at all", "", "http://[::1", "<http://x.example/>",
])
def test_other_text_is_not_an_iri(value: str) -> None:
    assert as_iri(value) is None and not is_iri(value)


def test_the_writer_keeps_non_iris_as_literals_and_mints_iris_for_their_resources() -> None:
    rec = DatasetRecord(uri="internalURI:dataset0", title={"sv": "T"}, contact_points=[
        ContactPoint(uri="internalURI:contactPoint0", name="Anna", email="Kontakt:Anna", url="www.x.example/a b")],
        distributions=[Distribution(uri="internalURI:dist0", access_urls=["ftp server at x"])])
    g = new_graph()
    s = dcat_write.add_dataset(g, dcat_write.StoredDataset("ds1", None, rec), "http://datakatalog.test")
    assert s.value == "http://datakatalog.test/id/dataset/ds1"
    rg = to_rdflib(g)
    nodes = {str(t) for triple in rg for t in triple if not hasattr(t, "language")}
    assert not any(n.startswith("internalURI:") for n in nodes)
    literals = {str(o) for o in rg.objects() if o.__class__.__name__ == "Literal"}
    assert {"Kontakt:Anna", "www.x.example/a b", "ftp server at x"} <= literals


def test_values_that_are_not_iris_are_reported_on_the_record() -> None:
    from catalog.quality.rules import check_mandatory

    rec = DatasetRecord(uri="https://x.example/d", title={"sv": "T"},
                        contact_points=[ContactPoint(uri="internalURI:contactPoint0")],
                        distributions=[Distribution(access_urls=["https://x.example/a b"])])
    [found] = [v for v in check_mandatory(rec) if v["rule"] == "value-not-iri"]
    assert found["severity"] == "warning"
    assert "internalURI:contactPoint0" in found["message_en"] and "https://x.example/a b" in found["message_en"]
    ok = DatasetRecord(uri="https://x.example/d", title={"sv": "T"}, contact_points=[ContactPoint(uri="https://x.example/c")])
    assert not [v for v in check_mandatory(ok) if v["rule"] == "value-not-iri"]
