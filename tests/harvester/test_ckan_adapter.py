"""The CKAN adapter: package_search paging, de-duplication, skipping, mapping, incremental runs, failures.

A small CKAN action API (``CkanPortal``) serves the fixture packages in tests/fixtures/ckan/ from a
real local HTTP server; tests change its package set, shift its pages or break a page.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from ckanapi import RemoteCKAN
from sqlalchemy import Engine

from catalog.formats.ckan_read import group_theme, map_package, portal_base
from catalog.records import DatasetRecord
from catalog.search.query import parse_query
from catalog.services import datasets
from catalog.settings import Settings
from harvester.adapters import get_adapter
from harvester.adapters.base import Page, PreviousPage, SourceSpec
from harvester.adapters.ckan import CkanAdapter
from harvester.demo.server import DemoServer
from harvester.fetch import Fetcher
from harvester.registration import register_source
from tests.conftest import CONFIG_DIR, FIXTURES, HarvestFn, serving

BY = "http://creativecommons.org/licenses/by/4.0/"
CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"
ODBL = "https://opendatacommons.org/licenses/odbl/1-0/"
ODC_BY = "https://opendatacommons.org/licenses/by/1-0/"
THEME = "http://publications.europa.eu/resource/authority/data-theme/"
HARVESTABLE = ["badplatser", "hallplatser-kollektivtrafik", "skolor", "budget-och-bokslut",
               "befolkning-per-stadsdel", "luftkvalitet", "elforbrukning-fastigheter", "namndprotokoll"]
SEARCH = "/portal/api/3/action/package_search"


def fixture_packages() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((FIXTURES / "ckan" / "packages.json").read_text("utf-8"))
    return data


Answer = tuple[int, str, bytes]


class CkanPortal(ThreadingHTTPServer):
    """package_search over ``packages`` (in list order) at /portal/api/3/action/; ``broken`` maps a
    start offset to the answer that page gets; ``after`` runs after a page is served."""

    daemon_threads = True

    def __init__(self, packages: list[dict[str, Any]]) -> None:
        super().__init__(("127.0.0.1", 0), _PortalHandler)
        self.packages = packages
        self.broken: dict[int, Answer] = {}
        self.after: Callable[[int], None] | None = None
        self.starts: list[int] = []
        self.queries: list[dict[str, list[str]]] = []
        self.etags = False  # answer with an ETag per page, and 304 to a matching If-None-Match
        self.not_modified = 0

    def url(self, path: str = "/portal/") -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"

    def search(self, query: dict[str, list[str]]) -> Answer:
        rows, start = int(query["rows"][0]), int(query["start"][0])
        self.starts.append(start)
        self.queries.append(query)
        if start in self.broken:
            return self.broken[start]
        result = {"count": len(self.packages), "sort": query.get("sort", [""])[0],
                  "results": self.packages[start : start + rows]}
        body = json.dumps({"help": "", "success": True, "result": result}).encode()
        if self.after:
            self.after(start)
        return 200, "application/json", body


class _PortalHandler(BaseHTTPRequestHandler):
    server: CkanPortal

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        extra: dict[str, str] = {}
        if parts.path == SEARCH:
            status, ctype, body = self.server.search(parse_qs(parts.query))
            if self.server.etags and status == 200:
                extra["ETag"] = '"' + hashlib.sha1(body).hexdigest() + '"'
                if self.headers.get("If-None-Match") == extra["ETag"]:
                    self.server.not_modified += 1
                    status, body = 304, b""
        else:
            status, ctype, body = 404, "application/json", b'{"success": false, "error": {"message": "Not found"}}'
        self.send_response(status)
        for name, value in extra.items():
            self.send_header(name, value)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def portal() -> Iterator[CkanPortal]:
    with serving(CkanPortal(fixture_packages())) as server:
        yield server


@pytest.fixture
def rows(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(CkanAdapter, "rows", 3)
    return 3


def adapter_pages(url: str) -> list[Page]:
    settings = Settings(allow_private_sources=True, fetch_timeout=5.0)
    adapter = get_adapter("ckan")(SourceSpec(name="t", kind="ckan", url=url), Fetcher(settings), settings)
    return list(adapter.pages())


def harvested(url: str) -> dict[str, DatasetRecord]:
    """Every record the adapter yields, by CKAN package name (from its landing page)."""
    out: dict[str, DatasetRecord] = {}
    for page in adapter_pages(url):
        for ref, rec in page.records:
            assert isinstance(rec, DatasetRecord), rec
            name = ref.rsplit("/", 1)[-1]
            assert name not in out, f"{name} yielded twice"
            out[name] = rec
    return out


def by_package(engine: Engine, source: str) -> dict[str, dict[str, Any]]:
    """The stored datasets of a source (active and withdrawn), by CKAN package id."""
    query = parse_query(filters={"source": [source]}, status="all", per_page=100)
    items = datasets.search_datasets(engine, query)["items"]
    details = [datasets.get_dataset(engine, item["id"]) for item in items]
    return {d["identifier"]: d for d in details}


# -- paging ----------------------------------------------------------------------------------


def test_pages_through_package_search_with_rows_and_start(portal: CkanPortal, rows: int) -> None:
    pages = adapter_pages(portal.url())
    assert portal.starts == [0, 3, 6, 9]  # 10 packages, 3 a page: stops once start >= count
    assert {q["rows"][0] for q in portal.queries} == {"3"}
    assert portal.queries[0]["sort"] == ["metadata_created asc, id asc"]
    assert [p.url for p in pages] == [portal.url(f"{SEARCH}?rows=3&start={s}&sort=metadata_created+asc%2C+id+asc")
                                      for s in (0, 3, 6, 9)]
    # each page names the next one (kept for conditional GET); the last names none
    assert [p.next for p in pages] == [p.url for p in pages[1:]] + [None]
    assert all(p.unchanged is False for p in pages)
    assert len({p.hash for p in pages}) == 4
    names = [ref.rsplit("/", 1)[-1] for p in pages for ref, _ in p.records]
    assert names == HARVESTABLE


def test_an_action_url_or_trailing_slashes_give_the_portal_base() -> None:
    assert portal_base("https://data.goteborg.se/") == "https://data.goteborg.se"
    assert portal_base("https://example.se/data/") == "https://example.se/data"
    assert portal_base("https://example.se/data/api/3/action/package_search?q=x") == "https://example.se/data"


def test_unchanged_pages_are_mapped_again_because_search_pages_shift(portal: CkanPortal, rows: int) -> None:
    first = adapter_pages(portal.url())
    settings = Settings(allow_private_sources=True, fetch_timeout=5.0)
    adapter = CkanAdapter(SourceSpec(name="t", kind="ckan", url=portal.url()), Fetcher(settings), settings)
    previous = {p.url: PreviousPage(hash=p.hash, next=None, ids=[]) for p in first}
    again = list(adapter.pages(previous))
    assert [p.hash for p in again] == [p.hash for p in first]
    assert all(not p.unchanged for p in again)
    assert [len(list(p.records)) for p in again] == [len(list(p.records)) for p in first] == [3, 3, 2, 0]


def test_a_package_listed_on_two_pages_is_harvested_once(portal: CkanPortal, rows: int) -> None:
    newcomer = copy.deepcopy(portal.packages[0])
    newcomer.update(id="0a7e5f0e-1111-4222-8333-444455556666", name="nyinkommen", title="Nyinkommen")

    def shift(start: int) -> None:
        if start == 0:  # a package added at the front pushes every later package one page slot on
            portal.packages.insert(0, newcomer)

    portal.after = shift
    records = harvested(portal.url())
    assert sorted(records) == sorted(HARVESTABLE)  # "skolor" came again on page 2 and was skipped
    assert portal.starts == [0, 3, 6, 9]


def test_a_package_deleted_while_paging_is_not_skipped_over(portal: CkanPortal, rows: int) -> None:
    def delete_first(start: int) -> None:
        if start == 0:  # every later package moves one slot back: "budget-och-bokslut" onto page 1
            del portal.packages[0]

    portal.after = delete_first
    records = harvested(portal.url())
    assert "budget-och-bokslut" in records
    assert sorted(records) == sorted(HARVESTABLE)
    # the count fell by one on the second page, so it is read again from one place earlier
    assert portal.starts == [0, 3, 2, 5, 8]


def test_private_and_deleted_packages_are_not_harvested(portal: CkanPortal) -> None:
    records = harvested(portal.url())
    assert sorted(records) == sorted(HARVESTABLE)
    assert "personalregister" not in records and "gamla-parkeringar" not in records


# -- mapping ---------------------------------------------------------------------------------


def test_formats_and_licences_are_normalised(portal: CkanPortal) -> None:
    records = harvested(portal.url())
    assert records["badplatser"].formats() == ["CSV", "JSON"]  # "CSV" and "application/json"
    assert records["hallplatser-kollektivtrafik"].formats() == ["CSV", "JSON"]  # "text/csv" and "API"
    assert records["befolkning-per-stadsdel"].formats() == ["CSV"]  # "csv"
    assert records["skolor"].formats() == ["GEOJSON", "WMS_SRVC"]
    assert records["namndprotokoll"].formats() == ["PDF"]
    licences = {name: rec.license for name, rec in records.items()}
    assert licences == {
        "badplatser": BY, "hallplatser-kollektivtrafik": CC0, "skolor": ODBL, "budget-och-bokslut": None,
        "befolkning-per-stadsdel": None, "luftkvalitet": CC0, "elforbrukning-fastigheter": ODC_BY,
        "namndprotokoll": BY,
    }
    assert any("notspecified" in note for note in records["budget-och-bokslut"].notes)
    assert any("other-open" in note for note in records["befolkning-per-stadsdel"].notes)
    # a service endpoint is an access URL only; a file is both
    wms = records["skolor"].distributions[1]
    assert wms.access_urls == ["https://karta.goteborg.se/wms?service=WMS"] and wms.download_urls == []
    api = records["hallplatser-kollektivtrafik"].distributions[1]
    assert api.download_urls == []


def test_groups_become_eu_data_themes(portal: CkanPortal) -> None:
    records = harvested(portal.url())
    themes = {name: [t.removeprefix(THEME) for t in rec.themes] for name, rec in records.items()}
    assert themes == {
        "badplatser": ["EDUC", "ENVI"], "hallplatser-kollektivtrafik": ["TRAN"], "skolor": ["EDUC"],
        "budget-och-bokslut": ["ECON"], "befolkning-per-stadsdel": ["SOCI"], "luftkvalitet": ["ENVI", "HEAL"],
        "elforbrukning-fastigheter": ["ENER"], "namndprotokoll": ["GOVE"],  # "okand-grupp" matches nothing
    }
    assert group_theme({"name": "grupp-7", "title": "Hälsa och sjukvård"}) == "HEAL"
    assert group_theme({"name": "samhalle"}) == "SOCI"
    assert group_theme({"name": "diverse", "title": "Diverse"}) is None


def test_package_fields_map_to_the_record(portal: CkanPortal) -> None:
    base = portal.url().rstrip("/")
    records = harvested(portal.url())
    bad = records["badplatser"]
    pid = "4a935d88-9a2f-5430-a0e5-656d0b8176a8"
    assert bad.uri == f"{base}/dataset/{pid}" and bad.identifier == pid
    assert bad.landing_pages == [f"{base}/dataset/badplatser"]
    assert bad.title == {"sv": "Badplatser"}
    assert bad.description == {"sv": "Kommunala badplatser i Göteborg med vattenkvalitet och faciliteter."}
    assert bad.keywords == {"sv": ["bad", "Badplats", "sommar"]}
    assert bad.publisher is not None
    assert bad.publisher.uri == "http://dataportal.se/organisation/SE2120001355"  # the organisation's uri extra
    assert bad.publisher.name == {"sv": "Göteborgs Stad"}
    assert bad.issued == "2020-01-15T09:12:33" and bad.modified == "2024-02-01T06:00:01"
    assert [(c.name, c.email) for c in bad.contact_points] == [
        ("Kundtjänst Park- och naturförvaltningen", "mailto:parkochnatur@goteborg.se")]
    assert bad.frequency == "http://publications.europa.eu/resource/authority/frequency/MONTHLY"
    assert bad.access_rights == "http://publications.europa.eu/resource/authority/access-right/PUBLIC"
    assert bad.spatial == ["http://publications.europa.eu/resource/authority/place/SWE_GOT"]
    csv = bad.distributions[0]
    assert csv.uri == f"{base}/dataset/{pid}/resource/{fixture_packages()[0]['resources'][0]['id']}"
    assert csv.title == {"sv": "Badplatser (CSV)"} and csv.byte_size == 18234 and csv.media_type == "text/csv"
    assert csv.access_urls == csv.download_urls == ["https://data.goteborg.se/files/badplatser.csv"]
    # an organisation without a uri extra is its page on the portal; a package's own uri extra wins
    luft = records["luftkvalitet"]
    assert luft.uri == "https://malmo.se/data/luftkvalitet"
    assert luft.publisher is not None and luft.publisher.uri == f"{base}/organization/malmo-stad"
    assert records["befolkning-per-stadsdel"].frequency == (
        "http://publications.europa.eu/resource/authority/frequency/ANNUAL")  # "årligen"
    # a package that says it is in English
    el = records["elforbrukning-fastigheter"]
    assert el.title == {"en": "Electricity use in municipal buildings"} and el.keywords == {"en": ["electricity"]}
    assert el.publisher is not None and el.publisher.name == {"sv": "Malmö stad"}


def test_multilingual_fields_and_a_rename_keep_the_dataset_uri() -> None:
    package = copy.deepcopy(fixture_packages()[0])
    package["title"] = {"sv": "Badplatser", "en": "Bathing sites"}
    package["notes"] = {"sv": "Badplatser i Göteborg", "en": "Bathing sites in Gothenburg"}
    rec = map_package(package, "https://data.goteborg.se")
    assert rec.title == {"en": "Bathing sites", "sv": "Badplatser"}
    assert rec.description["en"] == "Bathing sites in Gothenburg"
    renamed = copy.deepcopy(package)
    renamed["name"] = "badplatser-goteborg"
    moved = map_package(renamed, "https://data.goteborg.se")
    assert moved.uri == rec.uri and [d.uri for d in moved.distributions] == [d.uri for d in rec.distributions]
    assert moved.landing_pages == ["https://data.goteborg.se/dataset/badplatser-goteborg"]


def test_mapping_is_deterministic_whatever_the_order_of_tags_and_groups() -> None:
    package = fixture_packages()[0]
    shuffled = copy.deepcopy(package)
    shuffled["tags"].reverse()
    shuffled["groups"].reverse()
    shuffled["extras"].reverse()
    assert map_package(package, "https://x.se").content_hash() == map_package(shuffled, "https://x.se").content_hash()


# -- harvests into the catalogue ---------------------------------------------------------------


def test_registered_ckan_source_is_harvested_into_the_catalogue(
    portal: CkanPortal, engine: Engine, settings: Settings, harvest: HarvestFn
) -> None:
    register_source(engine, settings, name="goteborg", kind="ckan", url=portal.url())
    job = harvest("goteborg")
    assert job.status == "succeeded", job.message
    assert (job.added, job.seen, job.failed) == (8, 8, 0)
    stored = by_package(engine, "goteborg")
    names = {d["landing_pages"][0].rsplit("/", 1)[-1] for d in stored.values()}
    assert names == set(HARVESTABLE)
    bad = stored["4a935d88-9a2f-5430-a0e5-656d0b8176a8"]
    assert bad["formats"] == ["CSV", "JSON"] and bad["license"]["id"] == "CC-BY-4.0"
    assert [t["id"] for t in bad["themes"]] == ["EDUC", "ENVI"]
    assert bad["publisher"]["name"] == {"sv": "Göteborgs Stad"} and bad["status"] == "active"
    hits = datasets.search_datasets(engine, parse_query(q="badplatser"))
    assert [item["title"] for item in hits["items"]] == ["Badplatser"]


def test_portal_changes_between_runs_update_withdraw_and_keep(
    portal: CkanPortal, rows: int, engine: Engine, settings: Settings, harvest: HarvestFn
) -> None:
    register_source(engine, settings, name="kommun", kind="ckan", url=portal.url())
    assert harvest("kommun").added == 8
    again = harvest("kommun")
    assert (again.status, again.added, again.updated, again.unchanged, again.withdrawn) == ("succeeded", 0, 0, 8, 0)
    skolor = next(p for p in portal.packages if p["name"] == "skolor")
    skolor.update(title="Skolor i Göteborg 2024", metadata_modified="2024-08-01T08:00:00.000000")
    removed = next(p for p in portal.packages if p["name"] == "budget-och-bokslut")
    portal.packages.remove(removed)
    job = harvest("kommun")
    assert job.status == "succeeded", job.message
    assert (job.added, job.updated, job.unchanged, job.withdrawn) == (0, 1, 6, 1)
    stored = by_package(engine, "kommun")
    assert stored[skolor["id"]]["title"] == {"sv": "Skolor i Göteborg 2024"}
    assert stored[skolor["id"]]["modified"] == "2024-08-01T08:00:00"
    assert [r["change"] for r in stored[skolor["id"]]["revisions"]] == ["added", "updated"]
    assert stored[removed["id"]]["status"] == "withdrawn"
    assert sorted(d["status"] for d in stored.values()).count("active") == 7


BROKEN: dict[str, Answer] = {
    "http-500": (500, "application/json", b'{"success": false}'),
    "not-json": (200, "text/html", b"<html><body>Underh\xc3\xa5ll p\xc3\xa5g\xc3\xa5r</body></html>"),
    "success-false": (200, "application/json",
                      b'{"success": false, "error": {"__type": "Search Error", "message": "Solr returned an error"}}'),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_a_broken_page_fails_the_run_and_keeps_earlier_datasets(
    portal: CkanPortal, rows: int, engine: Engine, settings: Settings, harvest: HarvestFn, kind: str
) -> None:
    register_source(engine, settings, name="kommun", kind="ckan", url=portal.url())
    assert harvest("kommun").added == 8
    portal.packages = [p for p in portal.packages if p["name"] != "badplatser"]  # would be withdrawn
    portal.packages[1]["title"] = "Ändrad titel"  # would be updated
    portal.broken[3] = BROKEN[kind]
    job = harvest("kommun")
    assert job.status == "failed"
    expected = {"http-500": "HTTP 500", "not-json": "not JSON", "success-false": "Solr returned an error"}[kind]
    assert job.message is not None and expected in job.message and "start=3" in job.message
    assert (job.added, job.updated, job.withdrawn) == (0, 0, 0)
    stored = by_package(engine, "kommun")
    assert len(stored) == 8 and all(d["status"] == "active" for d in stored.values())
    assert "Ändrad titel" not in {d["title"].get("sv") for d in stored.values()}


# -- the demo portal ---------------------------------------------------------------------------


def test_demo_portal_speaks_ckan_and_is_harvested(engine: Engine, settings: Settings, harvest: HarvestFn) -> None:
    with DemoServer(CONFIG_DIR / "demo") as server:
        base = f"{server.base_url}/ckan/"
        # a real CKAN client reads it
        ckan = RemoteCKAN(base.rstrip("/"), get_only=True)
        found = ckan.action.package_search(rows=5, start=0, sort="metadata_created asc")
        assert found["count"] == 15 and len(found["results"]) == 5
        assert ckan.action.package_show(id="cykelparkeringar")["title"] == "Cykelparkeringar"
        missing = requests.get(f"{base}api/3/action/package_show?id=finns-inte", timeout=5)
        assert missing.status_code == 404 and missing.json()["success"] is False
        register_source(engine, settings, name="kommunportal", kind="ckan", url=base)
        job = harvest("kommunportal")
    assert job.status == "succeeded", job.message
    assert (job.added, job.failed) == (15, 0)
    stored = by_package(engine, "kommunportal")
    titles = {d["title"]["sv"] for d in stored.values()}
    assert "Cykelparkeringar" in titles and "Löner per anställd (internt)" not in titles
    # packages and resources with a uri of their own keep it: ids do not depend on the demo's port
    assert all(d["uri"].startswith("https://kommunportal.example.se/dataset/") for d in stored.values())
    assert all(x["uri"].startswith("https://kommunportal.example.se/dataset/")
               for d in stored.values() for x in d["distributions"])
    themes = {t["id"] for d in stored.values() for t in d["themes"]}
    assert {"TRAN", "ENVI", "EDUC", "HEAL", "ECON", "SOCI", "GOVE", "ENER", "REGI"} <= themes


def test_a_portal_answering_304_costs_one_request_a_page_and_says_not_modified(
    portal: CkanPortal, rows: int, engine: Engine, settings: Settings, harvest: HarvestFn
) -> None:
    portal.etags = True
    register_source(engine, settings, name="kommun", kind="ckan", url=portal.url())
    assert harvest("kommun").added == 8
    portal.starts.clear()
    again = harvest("kommun")
    assert again.status == "succeeded" and "not modified" in (again.message or "")
    assert portal.not_modified == 4 and portal.starts == [0, 3, 6, 9]  # one request a page, no re-reads
    assert (again.unchanged, again.added, again.updated, again.withdrawn) == (8, 0, 0, 0)
    portal.packages = portal.packages[1:]  # a package disappears: every page's bytes change
    changed = harvest("kommun")
    assert changed.status == "succeeded" and "not modified" not in (changed.message or "")
    assert changed.withdrawn + changed.unchanged == 8
