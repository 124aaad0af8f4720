"""GET /api/datasets/{id} shows what issue 14 added to the record: series membership, version,
resolutions, distribution standards, status and availability, and the statements no typed field
holds; GET /catalog.ttl writes them back."""

from __future__ import annotations

import rdflib


def test_detail_and_catalogue_carry_the_lossless_fields(client, http_server, add_source, harvest) -> None:
    add_source("full", http_server.url("dcat/dcat-ap-se-full.ttl"))
    job = harvest("full")
    assert job.status == "succeeded" and job.added == 3, job.message
    items = client.get("/api/datasets", params={"per_page": 10}).json()["items"]
    by_title = {i["title"]: i["id"] for i in items}
    detail = client.get(f"/api/datasets/{by_title['Luftkvalitet i Exempelstad']}").json()
    assert detail["in_series"] == ["https://data.exempelstad.se/luftkvalitet-serie"]
    assert (detail["version"], detail["spatial_resolution"], detail["temporal_resolution"]) == ("2.1", "100.0", "PT1H")
    csv = next(d for d in detail["distributions"] if d["uri"].endswith("-csv"))
    assert csv["conforms_to"] == ["https://www.rfc-editor.org/rfc/rfc4180"]
    assert csv["availability"] == "http://data.europa.eu/r5r/availability/stable"
    assert any(p == "http://spdx.org/rdf/terms#checksum" for p, _ in csv["other_statements"])
    assert any(p == "http://purl.org/dc/terms/provenance" for p, _ in detail["other_statements"])
    series = client.get(f"/api/datasets/{by_title['Luftkvalitet per år']}").json()
    assert series["type"] == "datasetseries"
    g = rdflib.Graph().parse(data=client.get("/catalog.ttl").text, format="turtle")
    series_iri = rdflib.URIRef("https://data.exempelstad.se/luftkvalitet-serie")
    assert (series_iri, rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/dcat#DatasetSeries")) in g
    assert (None, rdflib.URIRef("http://spdx.org/rdf/terms#checksum"), None) in g
