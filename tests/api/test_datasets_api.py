"""GET /api/datasets (search, facets, sorting, paging, status) and GET /api/datasets/{id}
(JSON detail and DCAT-AP-SE RDF by content negotiation), against the harvested DCAT fixture."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import rdflib
from rdflib.namespace import DCTERMS, RDF

# a plain Namespace: pytest probing rdflib's closed DCAT namespace for fixtures warns
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
FIXTURES = Path(__file__).parent.parent / "fixtures"
CATALOG_TTL = (FIXTURES / "dcat" / "catalog.ttl").read_text(encoding="utf-8")

FACET_KEYS = {"publisher", "theme", "format", "license", "keyword", "source", "type", "access", "hvd_category",
              "applicable_legislation"}
ALL_TITLES = {
    "Badplatser",
    "Hållplatser i Skåne",
    "Luftkvalitet",
    "Överförmyndarnämndens ärenden",
    None,
    "Kommungränser",
    "Blanknodsdataset",
    "Badplats-API",
}
PROBLEM = "application/problem+json"
RDF_TYPES = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
}


@pytest.fixture
def harvested(http_server, add_source, harvest):
    """The 8-record DCAT fixture (7 datasets + 1 data service), harvested as source "fx"."""
    add_source("fx", http_server.url("dcat/catalog.ttl"))
    job = harvest("fx")
    assert job.status == "succeeded", job.message
    return job


def _search(client, **params: Any) -> dict[str, Any]:
    resp = client.get("/api/datasets", params=params)
    assert resp.status_code == 200, resp.text
    return resp.json()


def _titles(body: dict[str, Any]) -> list[str | None]:
    return [item["title"] for item in body["items"]]


def _facet(body: dict[str, Any], name: str) -> dict[str, dict[str, Any]]:
    return {entry["value"]: entry for entry in body["facets"][name]}


def _id_of(client, title: str) -> str:
    items = _search(client, per_page=100, status="all")["items"]
    return next(i["id"] for i in items if i["title"] == title)


def _without_geodata(ttl: str) -> str:
    """The fixture catalogue with the geodata dataset (and its distributions) removed."""
    start = ttl.index("# --- geodata")
    end = ttl.index("# --- a dataset that is a blank node")
    out = ttl[:start] + ttl[end:]
    return out.replace("fx:utan-titel , fx:geodata , _:blank1", "fx:utan-titel , _:blank1")


# -- the response shape ---------------------------------------------------------------------


def test_search_response_has_contract_shape_and_every_record(client, harvested):
    body = _search(client, per_page=50)
    assert body["total"] == 8
    assert body["page"] == 1
    assert body["per_page"] == 50
    assert set(_titles(body)) == ALL_TITLES
    assert set(body["facets"]) == FACET_KEYS
    for name, entries in body["facets"].items():
        # the fixture has no high-value datasets (tests/api/test_hvd_api.py has)
        assert entries or name in ("hvd_category", "applicable_legislation"), f"facet {name} is empty"
        for entry in entries:
            assert set(entry) >= {"value", "label", "count"}
            assert isinstance(entry["count"], int) and entry["count"] > 0
    for item in body["items"]:
        assert set(item) >= {
            "id",
            "uri",
            "title",
            "description",
            "publisher",
            "formats",
            "license",
            "access",
            "modified",
            "status",
            "quality",
        }
        assert isinstance(item["quality"]["score"], int | float)
        assert item["status"] == "active"


def test_search_summary_carries_dataset_content(client, harvested):
    items = {i["title"]: i for i in _search(client, per_page=50)["items"]}
    bad = items["Badplatser"]
    assert bad["uri"] == "https://fixtures.example.se/dataset/badplatser"
    assert bad["description"] == "Stadens strandbad och klippbad med läge och faciliteter."
    assert bad["publisher"]["name"] == "Stockholms stad"
    assert bad["formats"] == ["CSV"]
    assert bad["license"]["id"] == "CC-BY-4.0"
    assert bad["access"] == "open"
    assert bad["modified"] == "2024-03-15T10:30:00"
    assert 0 < bad["quality"]["score"] <= 100
    assert set(items["Luftkvalitet"]["formats"]) == {"JSON", "CSV"}
    assert set(items["Kommungränser"]["formats"]) == {"GEOJSON", "WMS_SRVC"}
    assert items["Hållplatser i Skåne"]["license"]["id"] == "CC0-1.0"
    assert items["Hållplatser i Skåne"]["publisher"]["name"] == "Region Skåne"
    # a complete record scores higher than one without a title
    assert bad["quality"]["score"] > items[None]["quality"]["score"]


# -- free text --------------------------------------------------------------------------------


def test_search_finds_swedish_word_whatever_its_case(client, harvested):
    for q in ("överförmyndarnämnden", "ÖVERFÖRMYNDARNÄMNDEN", "Överförmyndarnämnden"):
        body = _search(client, q=q)
        assert body["total"] == 1, q
        assert _titles(body) == ["Överförmyndarnämndens ärenden"], q


def test_search_finds_swedish_title_word(client, harvested):
    body = _search(client, q="badplatser")
    assert "Badplatser" in _titles(body)
    assert body["items"][0]["title"] == "Badplatser"
    assert "Luftkvalitet" not in _titles(body)


def test_search_finds_english_title_word(client, harvested):
    body = _search(client, q="bathing")
    # its own English title first; then, through the Swedish word "badplats", the API serving it
    assert _titles(body) == ["Badplatser", "Badplats-API"]


def test_search_finds_words_in_description_and_keywords(client, harvested):
    assert _titles(_search(client, q="kvävedioxid")) == ["Luftkvalitet"]
    assert _titles(_search(client, q="godmanskap")) == ["Överförmyndarnämndens ärenden"]


def test_search_facets_follow_the_text_query(client, harvested):
    body = _search(client, q="bathing")
    assert _facet(body, "theme").keys() == {"ENVI", "HEAL"}
    assert _facet(body, "format")["CSV"]["count"] == 1
    assert _facet(body, "source")["fx"]["count"] == 2  # Badplatser and, translated, the Badplats-API


def test_search_for_word_matching_nothing_gives_no_hits_and_empty_facets(client, harvested):
    body = _search(client, q="zebrafinkar")
    assert body["total"] == 0
    assert body["items"] == []
    assert set(body["facets"]) == FACET_KEYS
    assert all(entries == [] for entries in body["facets"].values())


# -- facet filters ----------------------------------------------------------------------------


def test_theme_filter_narrows_to_that_theme(client, harvested):
    body = _search(client, theme="ENVI")
    assert body["total"] == 2
    assert set(_titles(body)) == {"Badplatser", "Luftkvalitet"}


def test_repeated_facet_parameter_ors_its_values(client, harvested):
    body = _search(client, format=["CSV", "GEOJSON"])
    assert body["total"] == 5
    assert set(_titles(body)) == {
        "Badplatser",
        "Hållplatser i Skåne",
        "Luftkvalitet",
        "Överförmyndarnämndens ärenden",
        "Kommungränser",
    }
    assert _search(client, theme=["TRAN", "JUST"])["total"] == 2


def test_different_facets_and_together(client, harvested):
    body = _search(client, theme="ENVI", format="JSON")
    assert _titles(body) == ["Luftkvalitet"]
    assert _search(client, theme="TRAN", format="GEOJSON")["total"] == 0


def test_facet_counts_respect_other_facets_filters_but_not_their_own(client, harvested):
    body = _search(client, theme="ENVI")
    formats = {v: e["count"] for v, e in _facet(body, "format").items()}
    assert formats == {"CSV": 2, "JSON": 1}
    publishers = {e["label"]: e["count"] for e in body["facets"]["publisher"]}
    assert publishers == {"Stockholms stad": 1, "Malmö stad": 1}
    # the theme facet itself still offers the other themes (multi-select)
    themes = {v: e["count"] for v, e in _facet(body, "theme").items()}
    assert themes["ENVI"] == 2
    assert themes["GOVE"] == 2
    assert themes["TRAN"] == 1


def test_theme_facet_has_eu_codes_with_swedish_labels(client, harvested):
    themes = _facet(_search(client), "theme")
    assert {v: e["count"] for v, e in themes.items()} == {
        "ENVI": 2,
        "GOVE": 2,
        "HEAL": 1,
        "JUST": 1,
        "REGI": 1,
        "TRAN": 1,
    }
    assert themes["ENVI"]["label"] == "Miljö"
    assert themes["HEAL"]["label"] == "Hälsa"
    assert themes["TRAN"]["label"] == "Transport"


def test_format_facet_uses_eu_file_type_codes(client, harvested):
    formats = {v: e["count"] for v, e in _facet(_search(client), "format").items()}
    # hallplatser's "csv" string and luftkvalitet's "text/csv" and IANA JSON IRI are normalised
    assert formats == {"CSV": 4, "JSON": 2, "GEOJSON": 1, "WMS_SRVC": 1, "XLSX": 1}


def test_license_facet_uses_spdx_ids_and_filters_by_them(client, harvested):
    body = _search(client)
    licences = _facet(body, "license")
    assert {v: e["count"] for v, e in licences.items()} == {"CC0-1.0": 4, "CC-BY-4.0": 2}
    assert "CC BY 4.0" in licences["CC-BY-4.0"]["label"]
    assert set(_titles(_search(client, license="CC-BY-4.0"))) == {"Badplatser", "Badplats-API"}
    assert set(_titles(_search(client, license="CC0-1.0"))) == {
        "Hållplatser i Skåne",
        "Luftkvalitet",
        "Överförmyndarnämndens ärenden",
        "Kommungränser",
    }


def test_keyword_facet_values_are_lower_cased_and_filter_case_insensitively(client, harvested):
    keywords = _facet(_search(client), "keyword")
    assert set(keywords) == {"bad", "badplats", "swimming", "överförmyndare", "godmanskap"}
    assert all(v == v.lower() for v in keywords)
    assert _titles(_search(client, keyword="Swimming")) == ["Badplatser"]
    assert _titles(_search(client, keyword="ÖVERFÖRMYNDARE")) == ["Överförmyndarnämndens ärenden"]


def test_publisher_facet_value_is_stable_id_and_label_is_name(client, harvested):
    body = _search(client)
    by_label = {e["label"]: e for e in body["facets"]["publisher"]}
    assert set(by_label) == {
        "Stockholms stad",
        "Region Skåne",
        "Lantmäteriet",
        "Malmö stad",
        "Överförmyndarnämnden i Lunds kommun",
        "Göteborgs Stad",
        "Uppsala kommun",
    }
    stockholm = by_label["Stockholms stad"]
    assert stockholm["count"] == 2
    assert re.fullmatch(r"[A-Za-z0-9._~-]+", stockholm["value"]), "publisher id is not URL-safe"
    filtered = _search(client, publisher=stockholm["value"])
    assert set(_titles(filtered)) == {"Badplatser", "Badplats-API"}
    assert {i["publisher"]["id"] for i in filtered["items"]} == {stockholm["value"]}
    # the id is stable: a second harvest gives the same value
    assert stockholm["value"] == by_label["Stockholms stad"]["value"]


def test_source_facet_counts_records_per_source_name(client, harvested):
    assert _search(client)["facets"]["source"] == [{"value": "fx", "label": "fx", "count": 8}]
    assert _search(client, source="fx")["total"] == 8
    assert _search(client, source="no-such-source")["total"] == 0


def test_unknown_facet_value_matches_nothing(client, harvested):
    body = _search(client, theme="NOPE")
    assert body["total"] == 0
    assert body["items"] == []


# -- type and access ---------------------------------------------------------------------------

# two datasets and two data services, one of each with every access right but none stated twice
ACCESS_TTL = """
@prefix dcat:   <http://www.w3.org/ns/dcat#> .
@prefix dct:    <http://purl.org/dc/terms/> .
@prefix access: <http://publications.europa.eu/resource/authority/access-right/> .
@prefix ex:     <https://access.example.se/> .

ex:catalog a dcat:Catalog ; dct:title "Åtkomst"@sv ;
    dcat:dataset ex:oppen , ex:begransad , ex:hemlig ; dcat:service ex:nyckel-api , ex:oppet-api .
ex:oppen a dcat:Dataset ; dct:title "Öppna cykelställ"@sv ; dct:accessRights access:PUBLIC .
ex:begransad a dcat:Dataset ; dct:title "Begränsade cykelställ"@sv ; dct:accessRights access:RESTRICTED .
ex:hemlig a dcat:Dataset ; dct:title "Hemliga cykelställ"@sv ; dct:accessRights access:NON_PUBLIC .
ex:nyckel-api a dcat:DataService ; dct:title "Cykel-API med nyckel"@sv ; dct:accessRights access:RESTRICTED ;
    dcat:endpointURL <https://api.access.example.se/nyckel> .
ex:oppet-api a dcat:DataService ; dct:title "Cykel-API"@sv ;
    dcat:endpointURL <https://api.access.example.se/oppet> .
"""


@pytest.fixture
def access_catalogue(http_server, add_source, harvest):
    add_source("acc", http_server.set("dcat/access.ttl", ACCESS_TTL))
    job = harvest("acc")
    assert job.status == "succeeded", job.message
    assert job.added == 5, job.message


def test_type_facet_counts_datasets_and_data_services_with_labels(client, harvested):
    types = _facet(_search(client), "type")
    assert {v: e["count"] for v, e in types.items()} == {"dataset": 7, "dataservice": 1}
    assert types["dataset"]["label"] == "Datamängd"
    assert types["dataservice"]["label"] == "Datatjänst (API)"


def test_type_filter_keeps_only_that_type(client, harvested):
    body = _search(client, type="dataservice")
    assert _titles(body) == ["Badplats-API"]
    assert [i["type"] for i in body["items"]] == ["dataservice"]
    assert _search(client, type="dataset")["total"] == 7
    assert _search(client, type=["dataset", "dataservice"])["total"] == 8
    assert _search(client, type="DataService")["total"] == 1  # the codes are matched in lower case


def test_access_facet_reads_the_eu_access_rights_with_swedish_labels(client, access_catalogue):
    body = _search(client)
    access = _facet(body, "access")
    assert {v: e["count"] for v, e in access.items()} == {"open": 1, "restricted": 2, "non-public": 1}
    assert access["open"]["label"] == "Öppen"
    assert access["restricted"]["label"] == "Begränsad (API-nyckel)"
    assert access["non-public"]["label"] == "Inte offentlig"
    # the summaries say the same as the facet; a record without access rights has neither
    assert {i["title"]: i["access"] for i in body["items"]} == {
        "Öppna cykelställ": "open", "Begränsade cykelställ": "restricted", "Hemliga cykelställ": "non-public",
        "Cykel-API med nyckel": "restricted", "Cykel-API": None}


def test_access_filter_ors_within_and_ands_with_type(client, access_catalogue):
    assert set(_titles(_search(client, access="restricted"))) == {"Begränsade cykelställ", "Cykel-API med nyckel"}
    assert set(_titles(_search(client, access=["open", "non-public"]))) == {"Öppna cykelställ",
                                                                          "Hemliga cykelställ"}
    body = _search(client, access="restricted", type="dataservice")
    assert _titles(body) == ["Cykel-API med nyckel"]
    # each facet's counts respect the other's filter, not its own
    assert {v: e["count"] for v, e in _facet(body, "type").items()} == {"dataset": 1, "dataservice": 1}
    assert {v: e["count"] for v, e in _facet(body, "access").items()} == {"restricted": 1}


def test_openapi_documents_every_search_parameter_of_search_and_export(client):
    from catalog.search.query import PARAMETERS

    spec = client.get("/openapi.json").json()
    search = {p["name"]: p for p in spec["paths"]["/api/datasets"]["get"]["parameters"]}
    assert set(search) == {p.name for p in PARAMETERS}
    assert search["type"]["schema"] == {"type": "array", "items": {"type": "string"}}
    assert search["sort"]["schema"]["enum"] == ["relevance", "modified", "title", "quality"]
    export = {p["name"] for p in spec["paths"]["/api/datasets/export"]["get"]["parameters"]}
    assert export == {p.name for p in PARAMETERS if not p.paging}


def test_facet_labels_are_given_in_english_too():
    from catalog.search.facets import value_label

    assert value_label("type", "dataservice", "en") == "Data service (API)"
    assert value_label("access", "non-public", "en") == "Not public"
    assert value_label("access", "sensitive") == "känsligt"  # another EU code: its vocabulary's label
    assert value_label("theme", "TRAN", "en") == "Transport"
    assert value_label("keyword", "buss", "en") == "buss"


# -- sorting and paging -------------------------------------------------------------------------


def test_sort_by_title_orders_alphabetically(client, harvested):
    titles = [t for t in _titles(_search(client, sort="title", per_page=50)) if t is not None]
    assert titles == [
        "Badplats-API",
        "Badplatser",
        "Blanknodsdataset",
        "Hållplatser i Skåne",
        "Kommungränser",
        "Luftkvalitet",
        "Överförmyndarnämndens ärenden",
    ]


def test_sort_by_modified_puts_newest_first_and_undated_last(client, harvested):
    items = _search(client, sort="modified", per_page=50)["items"]
    dated = [i["title"] for i in items if i["modified"]]
    assert dated == ["Badplatser", "Kommungränser", "Hållplatser i Skåne", "Luftkvalitet"]
    assert [bool(i["modified"]) for i in items] == [True] * 4 + [False] * 4


def test_pages_do_not_overlap_and_cover_every_record(client, harvested):
    every = {i["id"] for i in _search(client, per_page=50)["items"]}
    for sort in ("relevance", "title", "modified"):
        seen: list[str] = []
        for page in (1, 2, 3, 4):
            body = _search(client, sort=sort, per_page=2, page=page)
            assert body["total"] == 8
            assert body["page"] == page and body["per_page"] == 2
            assert len(body["items"]) == 2
            # the same request gives the same page (stable order)
            again = _search(client, sort=sort, per_page=2, page=page)
            assert [i["id"] for i in again["items"]] == [i["id"] for i in body["items"]]
            seen += [i["id"] for i in body["items"]]
        assert len(seen) == len(set(seen)) == 8, sort
        assert set(seen) == every, sort
        past_end = _search(client, sort=sort, per_page=2, page=5)
        assert past_end["total"] == 8
        assert past_end["items"] == []


def test_paging_follows_the_sort_order(client, harvested):
    whole = [i["id"] for i in _search(client, sort="title", per_page=50)["items"]]
    paged = [i["id"] for p in (1, 2, 3, 4) for i in _search(client, sort="title", per_page=2, page=p)["items"]]
    assert paged == whole


def test_invalid_search_parameters_give_422_problem_naming_the_field(client):
    cases = [
        ({"sort": "bogus"}, "sort"),
        ({"per_page": 0}, "per_page"),
        ({"page": 0}, "page"),
        ({"per_page": 100_000}, "per_page"),
        ({"status": "deleted"}, "status"),
        ({"page": "two"}, "page"),
        ({"min_quality": "high"}, "min_quality"),
        ({"q": "x" * 501}, "q"),
    ]
    for params, field in cases:
        resp = client.get("/api/datasets", params=params)
        assert resp.status_code == 422, params
        assert resp.headers["content-type"].startswith(PROBLEM), params
        body = resp.json()
        assert body["status"] == 422
        assert field in body["detail"], (params, body["detail"])
        assert [e["field"] for e in body["errors"]] == [field], params


# -- status -------------------------------------------------------------------------------------


@pytest.fixture
def one_withdrawn(http_server, add_source, harvest):
    """The fixture harvested, then re-harvested without geodata ("Kommungränser"): 1 of 8 withdrawn."""
    url = http_server.set("dcat/x.ttl", CATALOG_TTL)
    add_source("fx", url)
    assert harvest("fx").added == 8
    http_server.set("dcat/x.ttl", _without_geodata(CATALOG_TTL))
    job = harvest("fx")
    assert job.status == "succeeded", job.message
    assert job.withdrawn == 1, job.message
    return job


def test_withdrawn_datasets_are_hidden_by_default(client, one_withdrawn):
    body = _search(client, per_page=50)
    assert body["total"] == 7
    assert "Kommungränser" not in _titles(body)
    assert all(i["status"] == "active" for i in body["items"])
    assert "GEOJSON" not in _facet(body, "format")
    assert _search(client, q="kommungränser")["total"] == 0


def test_status_withdrawn_shows_only_withdrawn_datasets(client, one_withdrawn):
    body = _search(client, status="withdrawn")
    assert body["total"] == 1
    assert _titles(body) == ["Kommungränser"]
    assert body["items"][0]["status"] == "withdrawn"
    assert _facet(body, "format").keys() == {"GEOJSON", "WMS_SRVC"}


def test_status_all_shows_active_and_withdrawn(client, one_withdrawn):
    body = _search(client, status="all", per_page=50)
    assert body["total"] == 8
    statuses = {i["title"]: i["status"] for i in body["items"]}
    assert statuses["Kommungränser"] == "withdrawn"
    assert statuses["Badplatser"] == "active"
    assert _search(client, status="all", q="kommungränser")["total"] == 1


def test_withdrawn_dataset_detail_is_still_served_marked_withdrawn(client, one_withdrawn):
    dataset_id = _id_of(client, "Kommungränser")
    body = client.get(f"/api/datasets/{dataset_id}").json()
    assert body["status"] == "withdrawn"
    assert body["withdrawn_at"]
    assert body["title"]["sv"] == "Kommungränser"


def test_withdrawn_dataset_comes_back_when_listed_again(client, one_withdrawn, http_server, harvest):
    http_server.set("dcat/x.ttl", CATALOG_TTL)
    job = harvest("fx")
    assert job.status == "succeeded"
    report = client.get(f"/api/jobs/{job.id}").json()
    assert [c["dataset_id"] for c in report["changes"]["restored"]] == [_id_of(client, "Kommungränser")]
    body = _search(client, per_page=50)
    assert body["total"] == 8
    assert "Kommungränser" in _titles(body)
    assert _search(client, status="withdrawn")["total"] == 0


# -- dataset detail -------------------------------------------------------------------------------


def test_dataset_detail_has_language_maps_and_all_contract_fields(client, harvested):
    dataset_id = _id_of(client, "Badplatser")
    resp = client.get(f"/api/datasets/{dataset_id}")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert body["id"] == dataset_id
    assert body["uri"] == "https://fixtures.example.se/dataset/badplatser"
    assert body["title"] == {"sv": "Badplatser", "en": "Bathing sites"}
    assert body["description"] == {
        "sv": "Stadens strandbad och klippbad med läge och faciliteter.",
        "en": "The city's beaches and rock bathing sites with location and facilities.",
    }
    assert body["publisher"]["uri"] == "http://dataportal.se/organisation/SE2120000142"
    assert body["publisher"]["name"] == {"sv": "Stockholms stad"}
    assert body["publisher"]["id"] == _facet(_search(client, q="bathing"), "publisher").popitem()[0]
    assert {t["id"] for t in body["themes"]} == {"ENVI", "HEAL"}
    assert {t["id"]: t["label"] for t in body["themes"]}["ENVI"] == "Miljö"
    assert {lang: sorted(words) for lang, words in body["keywords"].items()} == {
        "sv": ["bad", "badplats"],
        "en": ["swimming"],
    }
    assert body["formats"] == ["CSV"]
    assert body["license"]["id"] == "CC-BY-4.0"
    assert body["license"]["uri"] == "http://creativecommons.org/licenses/by/4.0/"
    assert body["issued"] == "2019-05-01"
    assert body["modified"] == "2024-03-15T10:30:00"
    assert body["source"] == "fx"
    assert body["status"] == "active"
    assert body["quality"]["valid"] is True
    assert body["quality"]["violations"] == []
    assert isinstance(body["quality"]["score"], int | float)
    assert [s["uri"] for s in body["services"]] == ["https://fixtures.example.se/service/bad-api"]
    [dist] = body["distributions"]
    assert dist["uri"] == "https://fixtures.example.se/distribution/badplatser-csv"
    assert dist["access_urls"] == ["https://fixtures.example.se/filer/badplatser.csv"]
    assert dist["download_urls"] == ["https://fixtures.example.se/filer/badplatser.csv"]
    assert dist["format"] == "CSV"


def test_dataset_detail_lists_every_distribution_with_normalised_formats(client, harvested):
    body = client.get(f"/api/datasets/{_id_of(client, 'Luftkvalitet')}").json()
    assert body["title"] == {"sv": "Luftkvalitet", "en": "Air quality"}
    dists = {d["uri"]: d for d in body["distributions"]}
    assert set(dists) == {
        "https://fixtures.example.se/distribution/luftkvalitet-json",
        "https://fixtures.example.se/distribution/luftkvalitet-csv",
    }
    json_dist = dists["https://fixtures.example.se/distribution/luftkvalitet-json"]
    assert json_dist["format"] == "JSON"
    assert json_dist["access_urls"] == ["https://api.fixtures.example.se/luftkvalitet"]
    assert json_dist["download_urls"] == []
    csv_dist = dists["https://fixtures.example.se/distribution/luftkvalitet-csv"]
    assert csv_dist["format"] == "CSV"
    assert csv_dist["license"]["id"] == "CC0-1.0"
    assert body["modified"] == "2021-03-04"
    assert body["issued"] is None


def test_dataset_without_title_reports_title_violation(client, harvested):
    items = _search(client, per_page=50)["items"]
    untitled = next(i for i in items if i["title"] is None)
    assert untitled["quality"]["valid"] is False
    body = client.get(f"/api/datasets/{untitled['id']}").json()
    assert body["uri"] == "https://fixtures.example.se/dataset/utan-titel"
    assert body["title"] == {}
    assert body["quality"]["valid"] is False
    rules = [v["rule"] for v in body["quality"]["violations"]]
    assert "dataset-title" in rules
    assert body["quality"]["score"] < 50


def test_unknown_dataset_id_gives_404_problem(client, harvested):
    resp = client.get("/api/datasets/no-such-dataset")
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith(PROBLEM)
    body = resp.json()
    assert body["status"] == 404
    assert "no-such-dataset" in body["detail"]


def test_unknown_dataset_id_gives_404_even_when_rdf_is_asked_for(client, harvested):
    resp = client.get("/api/datasets/no-such-dataset", headers={"Accept": "text/turtle"})
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith(PROBLEM)


@pytest.mark.parametrize("mime", list(RDF_TYPES))
def test_dataset_detail_negotiates_rdf_serialisations(client, harvested, mime):
    dataset_id = _id_of(client, "Badplatser")
    resp = client.get(f"/api/datasets/{dataset_id}", headers={"Accept": mime})
    assert resp.status_code == 200
    assert resp.headers["content-type"].split(";")[0].strip() == mime
    g = rdflib.Graph().parse(data=resp.content, format=RDF_TYPES[mime])
    s = rdflib.URIRef("https://fixtures.example.se/dataset/badplatser")
    assert (s, RDF.type, DCAT.Dataset) in g
    assert (s, DCTERMS.title, rdflib.Literal("Badplatser", lang="sv")) in g
    assert (s, DCTERMS.title, rdflib.Literal("Bathing sites", lang="en")) in g
    dist = rdflib.URIRef("https://fixtures.example.se/distribution/badplatser-csv")
    assert (s, DCAT.distribution, dist) in g
    assert (dist, DCTERMS.format, rdflib.URIRef("http://publications.europa.eu/resource/authority/file-type/CSV")) in g


def test_dataset_detail_prefers_the_highest_quality_accept(client, harvested):
    dataset_id = _id_of(client, "Badplatser")
    resp = client.get(f"/api/datasets/{dataset_id}", headers={"Accept": "application/json;q=0.5, text/turtle;q=0.9"})
    assert resp.headers["content-type"].startswith("text/turtle")
    resp = client.get(f"/api/datasets/{dataset_id}", headers={"Accept": "application/json, text/turtle;q=0.5"})
    assert resp.headers["content-type"].startswith("application/json")
    assert resp.json()["title"]["sv"] == "Badplatser"


def test_dataset_detail_format_parameter_selects_rdf(client, harvested):
    dataset_id = _id_of(client, "Badplatser")
    resp = client.get(f"/api/datasets/{dataset_id}", params={"format": "nt"})
    assert resp.headers["content-type"].startswith("application/n-triples")
    g = rdflib.Graph().parse(data=resp.content, format="nt")
    assert (rdflib.URIRef("https://fixtures.example.se/dataset/badplatser"), RDF.type, DCAT.Dataset) in g


def test_negotiated_dataset_json_also_says_it_varies_on_accept(client, harvested):
    # The same URL answers JSON or RDF by Accept, so every answer (JSON too) must carry
    # "Vary: Accept", or a shared cache may hand the JSON to an RDF client.
    dataset_id = _id_of(client, "Badplatser")
    rdf = client.get(f"/api/datasets/{dataset_id}", headers={"Accept": "text/turtle"})
    assert "accept" in rdf.headers.get("vary", "").lower()
    as_json = client.get(f"/api/datasets/{dataset_id}", headers={"Accept": "application/json"})
    assert "accept" in as_json.headers.get("vary", "").lower()


def test_blank_node_dataset_gets_minted_iri_under_base_url(client, harvested, settings):
    dataset_id = _id_of(client, "Blanknodsdataset")
    detail = client.get(f"/api/datasets/{dataset_id}").json()
    assert detail["uri"] is None
    assert detail["identifier"] == "blank-1"
    resp = client.get(f"/api/datasets/{dataset_id}", headers={"Accept": "text/turtle"})
    g = rdflib.Graph().parse(data=resp.content, format="turtle")
    minted = rdflib.URIRef(f"{settings.base_url}/id/dataset/{dataset_id}")
    assert str(minted).startswith("http://datakatalog.test/id/dataset/")
    assert (minted, RDF.type, DCAT.Dataset) in g
    assert (minted, DCTERMS.title, rdflib.Literal("Blanknodsdataset", lang="sv")) in g
    assert (minted, DCTERMS.identifier, rdflib.Literal("blank-1")) in g
    # its blank-node distribution gets a minted absolute IRI too: no blank nodes at all
    [dist] = list(g.objects(minted, DCAT.distribution))
    assert isinstance(dist, rdflib.URIRef)
    assert str(dist).startswith("http://datakatalog.test/")
    assert not any(isinstance(t, rdflib.BNode) for triple in g for t in triple)


def test_blank_node_publisher_gets_minted_iri_in_rdf(client, harvested):
    dataset_id = _id_of(client, "Hållplatser i Skåne")
    resp = client.get(f"/api/datasets/{dataset_id}", headers={"Accept": "application/rdf+xml"})
    g = rdflib.Graph().parse(data=resp.content, format="xml")
    s = rdflib.URIRef("https://fixtures.example.se/dataset/hallplatser")
    [pub] = list(g.objects(s, DCTERMS.publisher))
    assert isinstance(pub, rdflib.URIRef)
    assert str(pub).startswith("http://datakatalog.test/id/publisher/")
    assert (pub, rdflib.URIRef("http://xmlns.com/foaf/0.1/name"), rdflib.Literal("Region Skåne", lang="sv")) in g


def _titled_catalogue(titles: list[str]) -> str:
    """A minimal DCAT-AP-SE catalogue with one valid dataset per title."""
    head = """@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct:  <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<https://sort.example.se/catalog> a dcat:Catalog ; dct:title "Sortering"@sv ;
    dct:publisher <https://sort.example.se/org> .
<https://sort.example.se/org> a foaf:Organization ; foaf:name "Sorteringskommunen"@sv .
"""
    body = "".join(
        f"""<https://sort.example.se/catalog> dcat:dataset <https://sort.example.se/d{n}> .
<https://sort.example.se/d{n}> a dcat:Dataset ; dct:title "{title}"@sv ;
    dct:description "Datamängd {n}."@sv ; dct:publisher <https://sort.example.se/org> .
"""
        for n, title in enumerate(titles)
    )
    return head + body


def test_sort_by_title_follows_swedish_alphabet(client, http_server, add_source, harvest):
    # Swedish collation: ... x y z å ä ö, and letter case does not matter
    swedish_order = ["avfall", "Badplatser", "Zoner för parkering", "Åtgärdsprogram", "Ärenden", "Öppettider"]
    shuffled = [swedish_order[i] for i in (4, 2, 5, 0, 3, 1)]
    add_source("sort", http_server.set("dcat/sort.ttl", _titled_catalogue(shuffled)))
    assert harvest("sort").added == 6
    assert _titles(_search(client, sort="title")) == swedish_order


def test_min_quality_filters_results_and_facet_counts(client, http_server, add_source, harvest) -> None:
    add_source("q", http_server.url("dcat/catalog.ttl"))
    harvest("q")
    everything = client.get("/api/datasets", params={"per_page": 50}).json()
    scores = sorted(item["quality"]["score"] for item in everything["items"])
    threshold = scores[len(scores) // 2]
    filtered = client.get("/api/datasets", params={"per_page": 50, "min_quality": threshold}).json()
    assert filtered["total"] == sum(1 for s in scores if s >= threshold) < everything["total"]
    assert all(item["quality"]["score"] >= threshold for item in filtered["items"])
    assert sum(e["count"] for e in filtered["facets"]["source"]) == filtered["total"]
    bad = client.get("/api/datasets", params={"min_quality": 101})
    assert bad.status_code == 422 and "min_quality" in bad.json()["detail"]
