"""DCAT-AP-SE output rules the writer applies to what sources leave out (issue 14): a data service's
dct:format (mandatory, exactly one)."""

from __future__ import annotations

import pytest
import rdflib

from catalog.formats import dcat_write
from catalog.rdf.graph import new_graph, to_rdflib
from catalog.records import DatasetRecord

DCT = rdflib.Namespace("http://purl.org/dc/terms/")
FT = "http://publications.europa.eu/resource/authority/file-type/"


def written_formats(rec: DatasetRecord) -> list[str]:
    g = new_graph()
    s = dcat_write.add_dataset(g, dcat_write.StoredDataset("svc", None, rec), "http://datakatalog.test")
    rg = to_rdflib(g)
    formats = list(rg.objects(rdflib.URIRef(s.value), DCT["format"]))
    for f in formats:  # typed as DCAT-AP's range wants
        assert (f, rdflib.RDF.type, DCT.MediaTypeOrExtent) in rg
    return [str(f) for f in formats]


@pytest.mark.parametrize(("rec", "code"), [
    (DatasetRecord(kind="dataservice", endpoint_urls=["https://geo.example.se/ows?service=WMS&request=GetCapabilities"]),
     "WMS_SRVC"),
    (DatasetRecord(kind="dataservice", endpoint_urls=["https://geo.example.se/geoserver/wfs"]), "WFS_SRVC"),
    (DatasetRecord(kind="dataservice", endpoint_urls=["https://api.example.se/v1"],
                   endpoint_descriptions=["https://api.example.se/openapi.yaml"]), "JSON"),
    (DatasetRecord(kind="dataservice", endpoint_urls=["https://data.example.se/sparql"]), "SPARQLQ"),
    (DatasetRecord(kind="dataservice", endpoint_urls=["https://old.example.se/service"],
                   conforms_to=["https://old.example.se/service?wsdl"]), "XML"),
    # nothing says: JSON, what most public-sector web APIs answer in
    (DatasetRecord(kind="dataservice", endpoint_urls=["https://api.example.se/"]), "JSON"),
])
def test_every_data_service_gets_exactly_one_format(rec: DatasetRecord, code: str) -> None:
    rec.title = {"sv": "Tjänst"}
    assert written_formats(rec) == [FT + code]


def test_datasets_get_no_service_format() -> None:
    assert written_formats(DatasetRecord(title={"sv": "Data"})) == []
