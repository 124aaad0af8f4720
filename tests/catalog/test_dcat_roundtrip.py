"""Round trip: datakatalog's own DCAT output, read back through its own DCAT reader, gives the same
datasets; and a second datakatalog can harvest the first one's catalogue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from catalog.formats import dcat_read
from catalog.rdf.parse import parse
from catalog.records import DatasetRecord

FIXTURE = (Path(__file__).resolve().parent.parent / "fixtures" / "dcat" / "catalog.ttl").read_bytes()
KOMMUNER = (Path(__file__).resolve().parent.parent.parent / "config" / "demo" / "kommuner.ttl").read_bytes()


def _records(body: bytes, content_type: str) -> dict[str, DatasetRecord]:
    out: dict[str, DatasetRecord] = {}
    for _ref, rec in dcat_read.iter_resources(parse(body, content_type=content_type)):
        assert isinstance(rec, DatasetRecord)
        # datasets that arrived as blank nodes get minted IRIs: match them by identifier or title
        out[rec.identifier or rec.uri or str(rec.title)] = rec
    return out


def _essence(rec: DatasetRecord, minted_publisher: bool) -> dict[str, Any]:
    return {
        "kind": rec.kind, "title": rec.title, "description": rec.description,
        "publisher": (rec.publisher.name, None if minted_publisher else rec.publisher.uri) if rec.publisher else None,
        "licences": rec.licenses(), "themes": rec.themes, "keywords": rec.keywords,
        "issued": rec.issued, "modified": rec.modified, "languages": rec.languages,
        "access_rights": rec.access_rights, "frequency": rec.frequency, "temporal": rec.temporal,
        "landing_pages": rec.landing_pages, "endpoint_urls": rec.endpoint_urls,
        "distributions": sorted(
            # DCAT-AP puts licences on distributions: a dataset-level licence is written on each of them
            (tuple(d.access_urls), tuple(d.download_urls), d.format, d.license or rec.license, d.byte_size,
             tuple(sorted(d.title.items()))) for d in rec.distributions),
    }


@pytest.mark.parametrize(("source", "ext", "mime"), [
    (FIXTURE, "ttl", "text/turtle"), (FIXTURE, "rdf", "application/rdf+xml"), (KOMMUNER, "rdf", "application/rdf+xml"),
])
def test_own_output_read_back_gives_the_same_datasets(client, http_server, add_source, harvest, source, ext, mime):
    add_source("first", http_server.set("src.ttl", source))
    assert harvest("first").status == "succeeded"
    resp = client.get(f"/catalog.{ext}")
    assert resp.headers["content-type"].startswith(mime)
    before = _records(source, "text/turtle")
    after = _records(resp.content, mime)
    assert set(before) == set(after)
    for key, rec in before.items():
        minted = rec.publisher is not None and rec.publisher.uri is None
        assert _essence(after[key], minted) == _essence(rec, minted), key
        if rec.uri:
            assert after[key].uri == rec.uri


def test_second_catalogue_harvests_the_first_ones_output(client, http_server, add_source, harvest):
    add_source("first", http_server.set("src.ttl", FIXTURE))
    harvest("first")
    http_server.set("mirror.rdf", client.get("/catalog.rdf").content, "application/rdf+xml")
    add_source("mirror", http_server.url("mirror.rdf"))
    job = harvest("mirror")
    assert job.status == "succeeded"
    # the same dataset URIs stay with the source that listed them first (the duplicate rule); the
    # dataset that arrived as a blank node has a minted IRI in the output, so it is new to the mirror
    assert job.seen == 1 and job.added == 1
    report = client.get(f"/api/jobs/{job.id}").json()
    dup = next(g for g in report["problems"] if g["rule"] == "duplicate")
    assert dup["count"] == 7
    mirrored = client.get("/api/datasets", params={"source": "mirror"}).json()["items"]
    assert [i["title"] for i in mirrored] == ["Blanknodsdataset"]
    assert mirrored[0]["uri"].startswith("http://datakatalog.test/id/dataset/")
