"""GET /catalog.{ttl,jsonld,rdf,nt}: the whole catalogue as DCAT-AP-SE, Hydra-paged when large."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib.namespace import DCTERMS, RDF

import api.app
from catalog.settings import Settings

HYDRA = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")
# a plain Namespace: pytest probing rdflib's closed DCAT namespace for fixtures warns
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
FIXTURES = Path(__file__).parent.parent / "fixtures"
CATALOG_TTL = (FIXTURES / "dcat" / "catalog.ttl").read_text(encoding="utf-8")
BASE = "http://datakatalog.test"
CATALOG = rdflib.URIRef(f"{BASE}/catalog")
FX = "https://fixtures.example.se/dataset/"
EXTENSIONS = {
    "ttl": ("text/turtle", "turtle"),
    "jsonld": ("application/ld+json", "json-ld"),
    "rdf": ("application/rdf+xml", "xml"),
    "nt": ("application/n-triples", "nt"),
}
PROBLEM = "application/problem+json"


@pytest.fixture
def harvested(http_server, add_source, harvest):
    add_source("fx", http_server.url("dcat/catalog.ttl"))
    job = harvest("fx")
    assert job.status == "succeeded", job.message
    return job


@pytest.fixture
def paged_harvested(http_server, add_source, harvest):
    """The three-page Hydra fixture: 9 datasets d1…d9."""
    add_source("paged", http_server.url("dcat/paged/page1.ttl"))
    job = harvest("paged")
    assert job.status == "succeeded", job.message
    assert job.added == 9
    return job


def small_pages(settings: Settings, engine, size: int) -> TestClient:
    small = Settings(**{**settings.model_dump(), "catalog_page_size": size})
    return TestClient(api.app.create_app(small, engine))


def _active_dataset_iris(client: TestClient) -> set[str]:
    body = client.get("/api/datasets", params={"per_page": 100}).json()
    return {i["uri"] or f"{BASE}/id/dataset/{i['id']}" for i in body["items"] if i["type"] == "dataset"}


def _get_graph(client: TestClient, path: str, ext: str = "ttl") -> rdflib.Graph:
    resp = client.get(path)
    assert resp.status_code == 200, resp.text
    mime, fmt = EXTENSIONS[ext]
    assert resp.headers["content-type"].split(";")[0].strip() == mime
    return rdflib.Graph().parse(data=resp.content, format=fmt)


def _path_of(link: rdflib.term.Node) -> str:
    parts = urlsplit(str(link))
    assert f"{parts.scheme}://{parts.netloc}" == BASE, f"link {link} is not under the base URL"
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _members(g: rdflib.Graph) -> list[str]:
    return [str(o) for o in g.objects(CATALOG, DCAT.dataset)] + [str(o) for o in g.objects(CATALOG, DCAT.service)]


@pytest.mark.parametrize("ext", list(EXTENSIONS))
def test_catalogue_links_every_active_dataset_in_each_serialisation(client, harvested, ext):
    g = _get_graph(client, f"/catalog.{ext}", ext)
    assert (CATALOG, RDF.type, DCAT.Catalog) in g
    linked = {str(o) for o in g.objects(CATALOG, DCAT.dataset)}
    assert linked == _active_dataset_iris(client)
    assert linked >= {
        FX + "badplatser",
        FX + "hallplatser",
        FX + "luftkvalitet",
        FX + "overformyndare",
        FX + "utan-titel",
        FX + "geodata",
    }
    assert len(linked) == 7
    for iri in linked:
        assert (rdflib.URIRef(iri), RDF.type, DCAT.Dataset) in g
    assert (rdflib.URIRef(FX + "badplatser"), DCTERMS.title, rdflib.Literal("Badplatser", lang="sv")) in g
    # the data service is linked as a service, not as a dataset
    assert {str(o) for o in g.objects(CATALOG, DCAT.service)} == {"https://fixtures.example.se/service/bad-api"}


def test_catalogue_mints_iris_for_blank_node_resources(client, harvested):
    g = _get_graph(client, "/catalog.nt", "nt")
    minted = [s for s in g.subjects(DCTERMS.identifier, rdflib.Literal("blank-1"))]
    assert len(minted) == 1
    assert str(minted[0]).startswith(f"{BASE}/id/dataset/")
    assert (CATALOG, DCAT.dataset, minted[0]) in g
    for cls in (DCAT.Catalog, DCAT.Dataset, DCAT.Distribution, rdflib.URIRef("http://xmlns.com/foaf/0.1/Agent")):
        for s in g.subjects(RDF.type, cls):
            assert isinstance(s, rdflib.URIRef), f"a {cls} is a blank node"


def test_single_page_catalogue_has_no_hydra_paging(client, harvested):
    g = _get_graph(client, "/catalog.ttl")
    assert not list(g.triples((None, HYDRA.next, None)))
    assert not list(g.triples((None, HYDRA.nextPage, None)))
    assert not list(g.subjects(RDF.type, HYDRA.PagedCollection))


def test_catalogue_leaves_out_withdrawn_datasets(client, http_server, add_source, harvest):
    start = CATALOG_TTL.index("# --- geodata")
    end = CATALOG_TTL.index("# --- a dataset that is a blank node")
    smaller = (CATALOG_TTL[:start] + CATALOG_TTL[end:]).replace(
        "fx:utan-titel , fx:geodata , _:blank1", "fx:utan-titel , _:blank1"
    )
    add_source("fx", http_server.set("dcat/x.ttl", CATALOG_TTL))
    harvest("fx")
    http_server.set("dcat/x.ttl", smaller)
    assert harvest("fx").withdrawn == 1
    g = _get_graph(client, "/catalog.ttl")
    linked = {str(o) for o in g.objects(CATALOG, DCAT.dataset)}
    assert FX + "geodata" not in linked
    assert len(linked) == 6
    assert (rdflib.URIRef(FX + "geodata"), None, None) not in g


def test_small_page_size_pages_the_catalogue_with_hydra_links(settings, engine, paged_harvested):
    with small_pages(settings, engine, 4) as client:
        first = _get_graph(client, "/catalog.ttl")
        assert len(_members(first)) == 4
        [view] = list(first.subjects(RDF.type, HYDRA.PagedCollection))
        assert first.value(view, HYDRA.totalItems).toPython() == 9
        assert first.value(view, HYDRA.itemsPerPage).toPython() == 4
        assert str(first.value(view, HYDRA.next)) == f"{BASE}/catalog.ttl?page=2"
        assert str(first.value(view, HYDRA.nextPage)) == f"{BASE}/catalog.ttl?page=2"
        assert str(first.value(view, HYDRA.last)) == f"{BASE}/catalog.ttl?page=3"

        last = _get_graph(client, "/catalog.ttl?page=3")
        assert len(_members(last)) == 1
        assert not list(last.triples((None, HYDRA.next, None)))
        assert not list(last.triples((None, HYDRA.nextPage, None)))
        [view] = list(last.subjects(RDF.type, HYDRA.PagedCollection))
        assert str(last.value(view, HYDRA.previous)) == f"{BASE}/catalog.ttl?page=2"


@pytest.mark.parametrize("ext", ["ttl", "rdf"])
def test_following_next_links_collects_every_dataset_exactly_once(
    settings,
    engine,
    paged_harvested,
    ext,
):
    expected = {f"https://fixtures.example.se/paged/d{n}" for n in range(1, 10)}
    with small_pages(settings, engine, 4) as client:
        collected: list[str] = []
        path: str | None = f"/catalog.{ext}"
        visited = set()
        while path:
            assert path not in visited, "next links loop"
            visited.add(path)
            g = _get_graph(client, path, ext)
            assert (CATALOG, RDF.type, DCAT.Catalog) in g
            collected += _members(g)
            nxt = list(g.objects(None, HYDRA.nextPage)) or list(g.objects(None, HYDRA.next))
            assert len(nxt) <= 1
            path = _path_of(nxt[0]) if nxt else None
        assert len(visited) == 3
        assert len(collected) == len(set(collected)) == 9
        assert set(collected) == expected


def test_following_next_links_over_mixed_catalogue_gives_datasets_and_service_once(
    settings,
    engine,
    harvested,
):
    with small_pages(settings, engine, 3) as client:
        every = _active_dataset_iris(client) | {"https://fixtures.example.se/service/bad-api"}
        collected: list[str] = []
        path: str | None = "/catalog.jsonld"
        pages = 0
        while path and pages < 10:
            pages += 1
            g = _get_graph(client, path, "jsonld")
            collected += _members(g)
            nxt = list(g.objects(None, HYDRA.next))
            path = _path_of(nxt[0]) if nxt else None
        assert pages == 3
        assert len(collected) == len(set(collected)) == 8
        assert set(collected) == every


def test_unknown_catalogue_extension_gives_404_problem(client, harvested):
    resp = client.get("/catalog.xyz")
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith(PROBLEM)
    assert "xyz" in resp.json()["detail"]


def test_catalogue_page_zero_is_refused(client, harvested):
    resp = client.get("/catalog.ttl", params={"page": 0})
    assert resp.status_code == 422
    assert resp.headers["content-type"].startswith(PROBLEM)
    assert "page" in resp.json()["detail"]
