"""Resources without an IRI (issue 14): ids that cannot collide within a document and do not depend
on the serialisation or its blank-node labels; nothing merged, nothing dropped as a duplicate."""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox
from sqlalchemy import Engine, func, select

from catalog.formats.dcat_read import iter_resources
from catalog.rdf.parse import parse
from catalog.records import DatasetRecord
from catalog.store.prepared import Prepared, prepare
from catalog.store.tables import DIST, DS
from tests.conftest import FixtureHTTPServer, HarvestFn

PREFIXES = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
"""
# three datasets without IRI, title or identifier; one of them says something the others do not
UNTITLED = PREFIXES + """
<https://x.example/c> a dcat:Catalog ; dcat:dataset [ a dcat:Dataset ; dct:description "Första"@sv ],
    [ a dcat:Dataset ; dct:description "Andra"@sv ], [ a dcat:Dataset ; dct:description "Andra"@sv ;
      dcat:keyword "extra"@sv ] .
"""
# four distributions without IRI sharing one access URL (one per format)
SHARED_URL = PREFIXES + """
<https://x.example/ds> a dcat:Dataset ; dct:title "Vägar"@sv ; dct:description "Vägnätet."@sv ;
    dcat:distribution [ a dcat:Distribution ; dcat:accessURL <https://x.example/wfs> ; dct:format "GML" ],
        [ a dcat:Distribution ; dcat:accessURL <https://x.example/wfs> ; dct:format "GeoJSON" ],
        [ a dcat:Distribution ; dcat:accessURL <https://x.example/wfs> ; dct:format "KML" ],
        [ a dcat:Distribution ; dcat:accessURL <https://x.example/wfs> ; dct:format "SHP" ] .
"""
# two untitled WFS services without IRI
SERVICES = PREFIXES + """
<https://x.example/c> a dcat:Catalog ;
    dcat:service [ a dcat:DataService ; dcat:endpointURL <https://x.example/wfs1> ],
        [ a dcat:DataService ; dcat:endpointURL <https://x.example/wfs2> ] .
"""


def _prepared(body: str | bytes, content_type: str = "text/turtle") -> list[Prepared]:
    data = body.encode() if isinstance(body, str) else body
    out = []
    for ref, rec in iter_resources(parse(data, content_type=content_type)):
        assert isinstance(rec, DatasetRecord), rec
        out.append(prepare(ref, rec, "src"))
    return out


def _relabelled(turtle: str, fmt: ox.RdfFormat) -> bytes:
    """The same graph in another syntax, with fresh blank-node labels and statements reversed."""
    text = ox.serialize(ox.parse(turtle.encode(), format=ox.RdfFormat.TURTLE), format=fmt)
    assert text is not None
    if fmt == ox.RdfFormat.N_TRIPLES:
        return b"\n".join(reversed(text.splitlines())) + b"\n"
    return text


def test_three_untitled_blank_node_datasets_are_three_datasets() -> None:
    items = _prepared(UNTITLED)
    assert len({p.id for p in items}) == 3


def test_exact_copies_are_told_apart_and_their_ids_do_not_depend_on_the_serialisation() -> None:
    same, other = '[ a dcat:Dataset ; dct:description "Samma"@sv ]', '[ a dcat:Dataset ; dct:description "Annan"@sv ]'
    doc = PREFIXES + f"<https://x.example/c> a dcat:Catalog ; dcat:dataset {same}, {same}, {other} ."
    ids = sorted(p.id for p in _prepared(doc))
    assert len(set(ids)) == 3
    for fmt, mime in ((ox.RdfFormat.N_TRIPLES, "application/n-triples"), (ox.RdfFormat.RDF_XML, "application/rdf+xml")):
        assert sorted(p.id for p in _prepared(_relabelled(doc, fmt), mime)) == ids


def test_four_distributions_sharing_an_access_url_stay_four() -> None:
    [item] = _prepared(SHARED_URL)
    assert sorted(d.format_raw or "" for d in item.rec.distributions) == ["GML", "GeoJSON", "KML", "SHP"]
    assert len({d.id for d in item.rec.distributions}) == 4
    again = _prepared(_relabelled(SHARED_URL, ox.RdfFormat.N_TRIPLES), "application/n-triples")[0]
    assert sorted(d.id or "" for d in again.rec.distributions) == sorted(d.id or "" for d in item.rec.distributions)
    assert again.hash == item.hash


def test_a_second_untitled_service_is_kept() -> None:
    items = _prepared(SERVICES)
    assert len({p.id for p in items}) == 2
    assert sorted(url for p in items for url in p.rec.endpoint_urls) == ["https://x.example/wfs1",
                                                                           "https://x.example/wfs2"]


def test_a_titled_blank_node_dataset_keeps_the_id_its_title_gives() -> None:
    """A dataset the document tells apart by its identifier or title keeps that id when edited."""
    doc = PREFIXES + '<https://x.example/c> a dcat:Catalog ; dcat:dataset [ a dcat:Dataset ; dct:title "Bad"@sv ;'
    before = _prepared(doc + ' dct:description "Ett"@sv ] .')
    after = _prepared(doc + ' dct:description "Två"@sv ] .')
    assert before[0].id == after[0].id and before[0].hash != after[0].hash


def test_a_harvest_stores_them_all(http_server: FixtureHTTPServer, add_source: Callable, harvest: HarvestFn,
                                   engine: Engine) -> None:
    body = UNTITLED + SERVICES.removeprefix(PREFIXES) + SHARED_URL.removeprefix(PREFIXES)
    add_source("blank", http_server.set("blank.ttl", body))
    job = harvest("blank")
    assert job.status == "succeeded" and job.added == 6
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(DS)).scalar() == 6
        assert conn.execute(select(func.count()).select_from(DIST)).scalar() == 4
    assert harvest("blank").unchanged == 6
