"""High-value datasets and dataset series: read from DCAT-AP 3, kept in the record, written back."""

from __future__ import annotations

from catalog.formats.dcat_read import iter_resources
from catalog.formats.dcat_write import StoredDataset, add_dataset
from catalog.rdf.graph import Graph, serialize
from catalog.rdf.namespaces import DCAT, DCATAP, RDF
from catalog.rdf.parse import parse
from catalog.records import DatasetRecord

HVD = "http://data.europa.eu/bna/"
ELI = "http://data.europa.eu/eli/reg_impl/2023/138/oj"
DOC = f"""@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix dcatap: <http://data.europa.eu/r5r/> . @prefix ex: <https://x.example/> .
ex:series a dcat:DatasetSeries ; dct:title "Väder"@sv ; dcatap:applicableLegislation <{ELI}> .
ex:ds a dcat:Dataset ; dct:title "Väder 2024"@sv ; dcat:inSeries ex:series ;
    dcatap:hvdCategory <{HVD}c_dd313021>, <{HVD}c_164e0bf5> ; dcatap:applicableLegislation <{ELI}> ;
    dcat:distribution [ a dcat:Distribution ; dcat:accessURL ex:wfs ;
        dcatap:applicableLegislation <{ELI}> ; dcatap:hvdCategory <{HVD}c_dd313021> ] .
"""


def _records(body: bytes, content_type: str = "text/turtle") -> dict[str, DatasetRecord]:
    out = {}
    for _ref, rec in iter_resources(parse(body, content_type=content_type)):
        assert isinstance(rec, DatasetRecord), rec
        out[rec.uri or ""] = rec
    return out


def test_hvd_facts_and_series_are_read() -> None:
    recs = _records(DOC.encode())
    ds, series = recs["https://x.example/ds"], recs["https://x.example/series"]
    assert series.kind == "datasetseries" and ds.kind == "dataset"
    assert sorted(ds.hvd_categories) == [HVD + "c_164e0bf5", HVD + "c_dd313021"]
    assert ds.applicable_legislation == [ELI] and series.applicable_legislation == [ELI]
    assert ds.in_series == ["https://x.example/series"]
    [dist] = ds.distributions
    assert dist.hvd_categories == [HVD + "c_dd313021"] and dist.applicable_legislation == [ELI]


def test_hvd_facts_and_series_are_written_back() -> None:
    recs = _records(DOC.encode())
    g = Graph()
    for n, rec in enumerate(recs.values()):
        add_dataset(g, StoredDataset(f"id-{n}", None, rec), "https://katalog.example")
    back = parse(serialize(g, "text/turtle"), content_type="text/turtle")
    # a series is a dataset too (DCAT 3): both types, so that catalogue shapes find a dataset
    assert sorted(o.value for o in back.objects("https://x.example/series", RDF + "type")) == [
        DCAT + "Dataset", DCAT + "DatasetSeries"]
    assert [o.value for o in back.objects("https://x.example/ds", DCAT + "inSeries")] == ["https://x.example/series"]
    again = _records(serialize(g, "text/turtle"))
    for uri, rec in recs.items():
        got = again[uri]
        assert (got.kind, got.hvd_categories, got.applicable_legislation, got.in_series) == (
            rec.kind, rec.hvd_categories, rec.applicable_legislation, rec.in_series)
        assert [(d.hvd_categories, d.applicable_legislation) for d in again[uri].distributions] == [
            (d.hvd_categories, d.applicable_legislation) for d in rec.distributions]
    assert len(back.objects("https://x.example/ds", DCATAP + "hvdCategory")) == 2


def test_records_stored_before_these_fields_still_load() -> None:
    old = {"kind": "dataset", "title": {"sv": "x"}, "distributions": [{"access_urls": ["https://x.example/a"]}]}
    rec = DatasetRecord.from_dict(old)
    assert rec.hvd_categories == [] and rec.in_series == [] and rec.distributions[0].applicable_legislation == []
