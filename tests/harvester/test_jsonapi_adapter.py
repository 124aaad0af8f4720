"""The jsonapi adapter: mapping profiles, paging styles, both modes, broken pages and records."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from catalog.errors import InvalidInput, NotFound
from catalog.formats import jsonapi as mp
from catalog.records import DatasetRecord
from catalog.search.query import parse_query
from catalog.services import jobs, sources
from catalog.services.datasets import get_dataset, search_datasets
from catalog.settings import Settings
from catalog.store.tables import Source
from harvester.adapters import get_adapter
from harvester.adapters.base import SourceSpec
from harvester.demo.server import DemoServer
from harvester.fetch import Fetcher
from tests.conftest import CONFIG_DIR, FIXTURES, FixtureHTTPServer, HarvestFn

TRAFIKLAB = CONFIG_DIR / "demo" / "trafiklab"
LUND = FIXTURES / "jsonapi" / "lund"
LUND_PROFILE = str(FIXTURES / "jsonapi" / "lund.toml")
RESTRICTED = "http://publications.europa.eu/resource/authority/access-right/RESTRICTED"
PUBLIC = "http://publications.europa.eu/resource/authority/access-right/PUBLIC"
CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"
BY = "http://creativecommons.org/licenses/by/4.0/"
JSON = "application/json"

AddSource = Callable[..., Source]


def serve_trafiklab(server: FixtureHTTPServer) -> str:
    for path in sorted(TRAFIKLAB.glob("*.json")):
        server.set(f"trafiklab/{path.name}", path.read_bytes(), JSON)
    return server.url("trafiklab/apis.json")


def serve_lund(server: FixtureHTTPServer) -> str:
    for path in LUND.glob("offset-*.json"):
        offset = path.stem.split("-")[1]
        server.set(f"lund/datamangder?typ=oppen&start={offset}&antal=4", path.read_bytes(), JSON)
    return server.url("lund/datamangder?typ=oppen")


def stored(engine: Engine, source: str, status: str = "active") -> dict[str, dict[str, Any]]:
    """Every stored dataset of a source, as the detail JSON, by title."""
    query = parse_query(filters={"source": [source]}, status=status, per_page=100)
    items = search_datasets(engine, query)["items"]
    details = [get_dataset(engine, item["id"]) for item in items]
    return {d["display"]["title"]: d for d in details}


# -- the bundled Trafiklab profile: one dataset and one data service per API -------------------


def test_trafiklab_listing_gives_a_dataset_served_by_a_service_per_api(
    http_server: FixtureHTTPServer, add_source: AddSource, harvest: HarvestFn, engine: Engine,
) -> None:
    add_source("trafiklab", serve_trafiklab(http_server), kind="jsonapi", mapping="trafiklab")
    job = harvest("trafiklab")
    assert job.status == "succeeded", job.message
    assert (job.pages, job.seen, job.added, job.failed, job.invalid) == (3, 22, 22, 0, 0)
    # the relative next links were followed in order
    assert [h for h in http_server.hits if "trafiklab" in h] == [
        "/trafiklab/apis.json", "/trafiklab/apis-2.json", "/trafiklab/apis-3.json"]
    data = stored(engine, "trafiklab")
    datasets = {t: d for t, d in data.items() if d["type"] == "dataset"}
    services_ = {t: d for t, d in data.items() if d["type"] == "dataservice"}
    assert len(datasets) == 11 and len(services_) == 11
    resrobot = datasets["ResRobot v2.1 – Samtrafiken i Sverige AB"]
    assert resrobot["uri"] == "https://www.trafiklab.se/data/resrobot-v21"
    assert resrobot["publisher"]["name"] == {"sv": "Samtrafiken i Sverige AB"}
    assert resrobot["formats"] == ["JSON", "XML"]
    assert resrobot["access_rights"] == RESTRICTED and resrobot["access"] == "restricted"
    assert resrobot["license"]["id"] == "CC-BY-4.0"
    assert resrobot["frequency"] == "http://publications.europa.eu/resource/authority/frequency/DAILY"
    assert [t["id"] for t in resrobot["themes"]] == ["TRAN"]
    assert resrobot["services"] == [{"uri": "https://www.trafiklab.se/api/resrobot-v21"}]
    assert resrobot["quality"]["valid"] is True
    sl = datasets["SL Transport – Region Stockholm, Trafikförvaltningen (SL)"]
    assert sl["access_rights"] == PUBLIC and sl["license"]["uri"] == CC0
    assert sl["modified"] == "2024-05-14T08:12:00+00:00"
    service = services_["ResRobot v2.1 (API)"]
    assert service["uri"] == "https://www.trafiklab.se/api/resrobot-v21"
    assert service["endpoint_urls"] == ["https://api.resrobot.se/v2.1/"]
    assert service["serves_datasets"] == ["https://www.trafiklab.se/data/resrobot-v21"]
    assert service["access_rights"] == RESTRICTED
    assert service["publisher"]["name"] == {"sv": "Samtrafiken i Sverige AB"}
    assert service["quality"]["valid"] is True
    regional = datasets["GTFS Regional – Samtrafiken i Sverige AB"]
    assert regional["formats"] == ["GTFS", "BIN"]  # one distribution per format, mapped by the profile
    assert len({d["id"] for d in regional["distributions"]}) == 2


def test_unchanged_pages_are_not_mapped_again_and_keep_their_datasets(
    http_server: FixtureHTTPServer, add_source: AddSource, harvest: HarvestFn, engine: Engine,
) -> None:
    add_source("trafiklab", serve_trafiklab(http_server), kind="jsonapi", mapping="trafiklab")
    assert harvest("trafiklab").added == 22
    again = harvest("trafiklab")
    assert again.status == "succeeded"
    assert (again.seen, again.unchanged, again.added, again.updated, again.withdrawn) == (22, 22, 0, 0, 0)
    assert len(stored(engine, "trafiklab")) == 22


def test_pages_answering_304_cost_one_request_each_and_keep_their_datasets(
    http_server: FixtureHTTPServer, add_source: AddSource, harvest: HarvestFn, engine: Engine,
) -> None:
    def conditional(body: bytes, etag: str) -> Callable[[], tuple[int, str, bytes, dict[str, str]]]:
        def route() -> tuple[int, str, bytes, dict[str, str]]:
            if http_server.last_headers.get("if-none-match") == etag:
                return 304, "", b"", {"ETag": etag}
            return 200, JSON, body, {"ETag": etag}
        return route

    for n, path in enumerate(sorted(TRAFIKLAB.glob("*.json"))):
        http_server.routes[f"/trafiklab/{path.name}"] = conditional(path.read_bytes(), f'"p{n}"')
    add_source("trafiklab", http_server.url("trafiklab/apis.json"), kind="jsonapi", mapping="trafiklab")
    first = harvest("trafiklab")
    assert first.added == 22
    again = harvest("trafiklab")
    assert again.status == "succeeded" and "not modified" in (again.message or "")
    assert again.pages == first.pages and (again.unchanged, again.added, again.withdrawn) == (22, 0, 0)
    assert len(stored(engine, "trafiklab")) == 22


# -- the bundled Riksteatern profile: one dataset per collection --------------------------------


def test_riksteatern_collections_become_one_dataset_each_with_count_fields_and_newest(
    add_source: AddSource, harvest: HarvestFn, engine: Engine,
) -> None:
    with DemoServer(CONFIG_DIR / "demo") as server:
        add_source("riksteatern", f"{server.base_url}/riksteatern/api/", kind="jsonapi", mapping="riksteatern")
        job = harvest("riksteatern")
    assert job.status == "succeeded", job.message
    # 24 productions and 30 performances in pages of 10, 14 venues in pages of 5
    assert (job.pages, job.seen, job.added, job.failed) == (9, 3, 3, 0)
    data = stored(engine, "riksteatern")
    assert sorted(data) == ["Riksteaterns produktioner", "Riksteaterns repertoar",
                            "Spelplatser för Riksteaterns turnéer"]
    prod = data["Riksteaterns produktioner"]
    assert prod["title"] == {"sv": "Riksteaterns produktioner", "en": "Riksteatern productions"}
    assert prod["uri"] == "https://riksteatern.se/api/produktion"
    assert prod["description"]["sv"].startswith("24 poster från Riksteaterns API (produktion).")
    assert "productionInformation" in prod["description"]["sv"]
    assert "24 poster; fält: productionUrl, productionInformation, producerInformation" in prod["notes"]
    assert prod["modified"] == "2013-03-08"
    assert prod["publisher"]["name"] == {"sv": "Riksteatern", "en": "The Swedish National Touring Theatre"}
    assert prod["formats"] == ["JSON"] and prod["license"]["id"] == "CC-BY-4.0"
    assert prod["quality"]["valid"] is True
    events = data["Riksteaterns repertoar"]
    assert events["description"]["sv"].startswith("30 poster")
    assert events["modified"] == "2013-04-26"
    assert events["frequency"].endswith("/UPDATE_CONT")  # a collection overrides a shared key
    venues = data["Spelplatser för Riksteaterns turnéer"]
    assert venues["description"]["sv"].startswith("14 poster") and venues["modified"] is None
    assert venues["frequency"].endswith("/DAILY")


def test_a_collection_dataset_is_yielded_only_with_its_last_page() -> None:
    settings = Settings(allow_private_sources=True, fetch_timeout=5.0)
    with DemoServer(CONFIG_DIR / "demo") as server:
        spec = SourceSpec(name="r", kind="jsonapi", url=f"{server.base_url}/riksteatern/api/", mapping="riksteatern")
        adapter = get_adapter("jsonapi")(spec, Fetcher(settings), settings)
        pages = [(p.url, [r for _, r in p.records]) for p in adapter.pages()]
    assert [re.sub(r"^http://[^/]+", "", url) for url, _ in pages[:3]] == [
        "/riksteatern/api/produktion.json?page=1&pageSize=10",
        "/riksteatern/api/produktion.json?page=2&pageSize=10",
        "/riksteatern/api/produktion.json?page=3&pageSize=10"]
    counts = [len(records) for _, records in pages]
    assert counts == [0, 0, 1, 0, 0, 1, 0, 0, 1]
    last = pages[2][1][0]
    assert isinstance(last, DatasetRecord) and last.identifier == "produktion"


# -- a third API: only a new profile, other names, offset paging ------------------------------


def test_a_third_api_needs_only_a_profile(
    http_server: FixtureHTTPServer, add_source: AddSource, harvest: HarvestFn, engine: Engine,
) -> None:
    add_source("lund", serve_lund(http_server), kind="jsonapi", mapping=LUND_PROFILE)
    job = harvest("lund")
    assert job.status == "succeeded", job.message
    assert (job.seen, job.added, job.failed) == (10, 10, 0)
    # the source URL's own parameter is kept; paging stops at the first empty page
    assert [h for h in http_server.hits if h.startswith("/lund")] == [
        f"/lund/datamangder?typ=oppen&start={n}&antal=4" for n in (0, 4, 8, 10)]
    data = stored(engine, "lund")
    bad = data["Badplatser"]
    assert bad["title"] == {"sv": "Badplatser", "en": "Bathing sites"}
    assert bad["keywords"] == {"sv": ["bad", "sommar", "vattenkvalitet"]}
    assert sorted(t["id"] for t in bad["themes"]) == ["EDUC", "ENVI"]
    assert bad["formats"] == ["CSV", "JSON"]
    assert [d["download_urls"] for d in bad["distributions"]] == [
        ["https://opendata.lund.se/filer/badplatser.csv"], ["https://opendata.lund.se/filer/badplatser.json"]]
    assert bad["publisher"]["uri"] == "https://lund.se/org/212000-1132"
    assert bad["license"]["id"] == "CC0-1.0" and bad["access"] == "open"
    assert data["Cykelpumpar"]["title"] == {"sv": "Cykelpumpar"}
    assert data["Grundskolor"]["uri"] == "https://opendata.lund.se/datamangd/lund-skolor"


# -- broken pages and records ----------------------------------------------------------------


def test_a_failing_page_fails_the_run_and_keeps_earlier_datasets(
    http_server: FixtureHTTPServer, add_source: AddSource, harvest: HarvestFn, engine: Engine,
) -> None:
    add_source("trafiklab", serve_trafiklab(http_server), kind="jsonapi", mapping="trafiklab")
    assert harvest("trafiklab").status == "succeeded"
    before = stored(engine, "trafiklab")
    http_server.set("trafiklab/apis-2.json", b'{"error": "internal"}', JSON, status=500)
    job = harvest("trafiklab")
    assert job.status == "failed" and "HTTP 500" in (job.message or "")
    assert (job.added, job.updated, job.withdrawn) == (0, 0, 0)
    after = stored(engine, "trafiklab")
    assert sorted(after) == sorted(before) and len(after) == 22
    assert all(d["status"] == "active" for d in after.values())


def test_a_page_that_is_not_json_fails_the_run(
    http_server: FixtureHTTPServer, add_source: AddSource, harvest: HarvestFn, engine: Engine,
) -> None:
    add_source("trafiklab", serve_trafiklab(http_server), kind="jsonapi", mapping="trafiklab")
    assert harvest("trafiklab").status == "succeeded"
    http_server.set("trafiklab/apis-3.json", "<html>Underhåll pågår</html>", "text/html")
    job = harvest("trafiklab")
    assert job.status == "failed"
    assert "apis-3.json: not JSON" in (job.message or "")
    assert len(stored(engine, "trafiklab")) == 22


def test_bad_records_are_reported_and_the_run_goes_on(
    http_server: FixtureHTTPServer, add_source: AddSource, harvest: HarvestFn, engine: Engine,
) -> None:
    body = (LUND / "offset-0.json").read_text(encoding="utf-8")
    body = body.replace('"nyckel": "lund-lekplatser",', "", 1)
    body = body.replace('"poster": [', '"poster": ["inte ett objekt", {"nyckel": {"sammansatt": 1}}, ', 1)
    assert '"lund-lekplatser"' not in body
    url = http_server.set("lund/trasig?start=0&antal=4", body, JSON)
    http_server.set("lund/trasig?start=6&antal=4", '{"resultat": {"poster": null}}', JSON)
    add_source("lund", url.split("?")[0], kind="jsonapi", mapping=LUND_PROFILE)
    job = harvest("lund")
    assert job.status == "succeeded", job.message
    assert (job.added, job.failed) == (3, 3)
    assert sorted(stored(engine, "lund")) == ["Badplatser", "Cykelpumpar", "Parkeringsplatser"]
    report = jobs.get_job(engine, job.id or 0)
    failures = [p for p in _problems(report) if p.get("outcome") == "failed"]
    messages = " | ".join(str(p.get("message")) for p in failures)
    assert "has no id at 'nyckel'" in messages
    assert "is text, not an object" in messages or "is str" in messages
    assert "an object, not text or a number" in messages


def _problems(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The job report's problems, whether listed flat or grouped by rule."""
    out: list[dict[str, Any]] = []
    stack: list[Any] = [report.get("problems")]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if "message" in item:
                out.append(item)
            stack.extend(v for v in item.values() if isinstance(v, list | dict))
    return out


# -- profile errors are refused when the source is added --------------------------------------

GOOD = (FIXTURES / "jsonapi" / "lund.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(("profile", "needle"), [
    ("mode = \"record\"\n[records\npath = 1", "not valid TOML"),
    (GOOD.replace("[paging]", "[paging]\nsise = 4"), "paging.sise: unknown key"),
    (GOOD.replace('path = "resultat.poster"', 'path = "resultat.[poster"'), "records.path: bad JMESPath"),
    (GOOD.replace('id = "nyckel"', 'id = "snake(nyckel)"'), "records.id: unknown JMESPath function snake()"),
    (GOOD.replace('title = [{ path = "rubrik.sv", lang = "sv" }, { path = "rubrik.en", lang = "en" }]', ""),
     "dataset.title: required"),
    (GOOD.replace('map = "teman"', 'map = "amnen"'), "dataset.themes.map: no map named 'amnen'"),
    (GOOD.replace('style = "offset"', 'style = "cursor"'), "paging.style: one of"),
    (GOOD.replace("size = 4\n", ""), "paging.size"),
    (GOOD.replace('uri = { template = "https://opendata.lund.se/datamangd/{id}" }',
                  'uri = { template = "https://x/{id" }'), "dataset.uri.template: unbalanced braces"),
    (GOOD.replace('license = "licens"', 'license = { path = "licens", value = "CC0" }'),
     "dataset.license: give exactly one of path, template or value"),
    (GOOD.replace("[dataset.publisher]", "[dataset.utgivare]"), "dataset.utgivare: unknown key"),
])
def test_profile_errors_are_refused_when_the_source_is_added(
    tmp_path: Path, add_source: AddSource, engine: Engine, profile: str, needle: str,
) -> None:
    path = tmp_path / "profil.toml"
    path.write_text(profile, encoding="utf-8")
    with pytest.raises(InvalidInput) as err:
        add_source("trasig", "http://127.0.0.1:9/api", kind="jsonapi", mapping=str(path))
    assert needle in err.value.message and "profil.toml" in err.value.message
    with pytest.raises(NotFound):
        sources.get_source(engine, "trasig")


@pytest.mark.parametrize(("mapping", "needle"), [
    (None, "needs a mapping profile"),
    ("finns-inte", "no profile 'finns-inte' (known: riksteatern, trafiklab"),
    ("/etc/passwd", "neither a profile name nor a .toml file"),
])
def test_a_missing_profile_is_refused_when_the_source_is_added(
    add_source: AddSource, mapping: str | None, needle: str,
) -> None:
    with pytest.raises(InvalidInput, match=re.escape(needle)):
        add_source("trasig", "http://127.0.0.1:9/api", kind="jsonapi", mapping=mapping)


def test_the_bundled_profiles_are_valid() -> None:
    assert mp.load_profile("trafiklab").service is not None
    assert [c.name for c in mp.load_profile("riksteatern").collections] == ["produktion", "repertoar", "lokal"]


# -- pure mapping --------------------------------------------------------------------------


def test_templates_maps_and_fallbacks_build_fields_without_python() -> None:
    profile = mp.parse_profile("""
[records]
path = "items"
id = "ref"
[dataset]
uri = { template = "https://api.example/produktion/{id}" }
title = { template = "{name} – {operator}", lang = "sv" }
description = [{ path = "missing" }, { path = "text", default = "Saknas", lang = "sv" }]
license = { path = "lic", map = { "öppen" = "CC0-1.0" } }
access_rights = { path = "key", map = { "true" = "RESTRICTED", "false" = "PUBLIC" } }
issued = "published"
themes = ["tema", { value = "http://example.org/theme/x" }]
""", "t.toml")
    [(ref, rec)] = mp.map_record(profile, {"ref": 7, "name": "Avgångar", "operator": "SL", "lic": "ÖPPEN",
                                           "key": True, "published": "20240102", "tema": ["TRAN", "okänt"]})
    assert ref == rec.uri == "https://api.example/produktion/7"
    assert rec.identifier == "7"
    assert rec.title == {"sv": "Avgångar – SL"}
    assert rec.description == {"sv": "Saknas"}
    assert rec.license == CC0 and rec.access_rights == RESTRICTED
    assert rec.issued == "2024-01-02"
    assert rec.themes == ["http://publications.europa.eu/resource/authority/data-theme/TRAN",
                          "http://example.org/theme/x"]
    assert "unknown theme 'okänt' left out" in rec.notes
    # a placeholder without a value gives no value at all, never "Avgångar – None"
    [(_, rec2)] = mp.map_record(profile, {"ref": "8", "name": "Avgångar"})
    assert rec2.title == {} and rec2.access_rights is None


def test_every_profile_key_is_documented() -> None:
    doc = (CONFIG_DIR / "mappings" / "README.md").read_text(encoding="utf-8")
    keys = mp.profile_keys()
    assert {"style", "page_param", "each", "template", "endpoint_url", "newest", "offset", "short"} <= keys
    missing = sorted(k for k in keys if f"`{k}`" not in doc and f'"{k}"' not in doc)
    assert not missing, f"undocumented mapping-profile keys: {missing}"
