"""The public pages (/, /datasets, /datasets/{id}, /publishers, /publishers/{id}) and the error pages,
against the harvested DCAT fixture (7 datasets and 1 data service, tests/fixtures/dcat/EXPECTED.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.web.dom import Element, parse, path, query

FIXTURES = Path(__file__).parent.parent / "fixtures"
CATALOG_TTL = (FIXTURES / "dcat" / "catalog.ttl").read_text(encoding="utf-8")
HTML = {"Accept": "text/html,application/xhtml+xml"}
STOCKHOLM = "Stockholms stad"


@pytest.fixture
def harvested(http_server, add_source, harvest):
    add_source("fx", http_server.url("dcat/catalog.ttl"))
    job = harvest("fx")
    assert job.status == "succeeded", job.message
    return job


def page(client, url: str, expect: int = 200, **params: Any) -> Element:
    resp = client.get(url, params=params or None, headers=HTML)
    assert resp.status_code == expect, resp.text[:2000]
    assert resp.headers["content-type"].startswith("text/html")
    return parse(resp.text)


def ids_by_title(client) -> dict[str, str]:
    items = client.get("/api/datasets", params={"per_page": 50}).json()["items"]
    return {item["title"]: item["id"] for item in items}


def results(doc: Element) -> list[Element]:
    return doc.find_all("li", class_="result")


# -- the front page -------------------------------------------------------------------------------


def test_front_page_has_the_search_form_the_catalogue_size_and_themes_with_counts(client, harvested):
    doc = page(client, "/")
    form = doc.find("form", role="search")
    assert form.get("action") == "/datasets" and form.get("method") == "get"
    field = form.find("input", name="q")
    assert form.find("label", for_=field.get("id")).text  # the field is labelled
    assert "8" in doc.find("p", class_="lead").text  # 7 datasets and 1 data service
    themes = {a.text: a.get("href") for a in doc.find("ul", class_="theme-grid").find_all("a")}
    # ENVI: badplatser and luftkvalitet; labels in Swedish by default
    envi = next(href for text, href in themes.items() if text.startswith("Miljö"))
    assert query(envi) == {"theme": ["ENVI"]} and "2 datamängder" in next(t for t in themes if t.startswith("Miljö"))


def test_front_page_lists_the_newest_datasets_and_apis(client, harvested):
    doc = page(client, "/")
    newest = doc.find("section", aria_labelledby="newest-title")
    # the most recently modified dataset of the fixture is badplatser (2024-03-15)
    assert results(newest)[0].find("a").text == "Badplatser"
    apis = doc.find("section", aria_labelledby="apis-title")
    assert [r.find("a").text for r in results(apis)] == ["Badplats-API"]


def test_front_page_of_an_empty_catalogue_says_so(client):
    doc = page(client, "/")
    assert "0" in doc.find("p", class_="lead").text
    assert "ingen källa har skördats" in doc.find("main").text


# -- the search page ------------------------------------------------------------------------------


def test_results_link_to_dataset_pages_and_show_publisher_formats_licence_and_access(client, harvested):
    ids = ids_by_title(client)
    doc = page(client, "/datasets", q="badplatser")
    found = {r.find("h3").find("a").text: r for r in results(doc)}
    assert set(found) == {"Badplatser", "Badplats-API"}
    bad = found["Badplatser"]
    assert bad.find("h3").find("a").get("href") == f"/datasets/{ids['Badplatser']}"
    assert bad.find("p", class_="result-publisher").text == STOCKHOLM
    meta = bad.find("dl", class_="result-meta").text
    assert "CSV" in meta and "CC BY 4.0" in meta and "Öppen" in meta
    # the data service carries the API mark; the dataset does not
    assert found["Badplats-API"].find("span", class_="badge-api").text == "API"
    assert not bad.find_all("span", class_="badge-api")


def test_search_form_on_results_keeps_the_chosen_filters(client, harvested):
    doc = page(client, "/datasets", q="bad", theme="ENVI", sort="title")
    form = doc.find("form", role="search")
    assert form.find("input", name="q").get("value") == "bad"
    hidden = {(i.get("name"), i.get("value")) for i in form.find_all("input", type="hidden")}
    assert hidden == {("theme", "ENVI"), ("sort", "title")}


def test_facet_links_add_a_value_and_keep_the_other_parameters(client, harvested):
    doc = page(client, "/datasets", q="bad", sort="title", page="1")
    theme = doc.find("section", aria_labelledby="facet-theme")
    env = next(a for a in theme.find_all("a") if a.text == "Miljö")
    assert path(env.get("href")) == "/datasets"
    assert query(env.get("href")) == {"q": ["bad"], "sort": ["title"], "theme": ["ENVI"]}  # back to page 1
    # the count beside it is the number of matching datasets with the theme
    assert env.parent.find("span", class_="count").text == "1"


def test_facet_values_of_one_facet_or_together_and_a_second_value_keeps_the_first(client, harvested):
    doc = page(client, "/datasets", theme="ENVI")
    theme = doc.find("section", aria_labelledby="facet-theme")
    tran = next(a for a in theme.find_all("a") if a.text == "Transport")
    assert query(tran.get("href"))["theme"] == ["ENVI", "TRAN"]
    both = page(client, tran.get("href"))
    titles = {r.find("h3").find("a").text for r in results(both)}
    assert titles == {"Badplatser", "Luftkvalitet", "Hållplatser i Skåne"}


def test_every_active_filter_has_a_link_that_removes_only_it(client, harvested):
    doc = page(client, "/datasets", q="luft", theme="ENVI", format="CSV", sort="title")
    chips = {a.text: a.get("href") for a in doc.find("ul", class_="active-filters").find_all("a")}
    remove_theme = next(href for text, href in chips.items() if text.startswith("Tema"))
    assert query(remove_theme) == {"q": ["luft"], "format": ["CSV"], "sort": ["title"]}
    remove_q = next(href for text, href in chips.items() if "luft" in text)
    assert query(remove_q) == {"theme": ["ENVI"], "format": ["CSV"], "sort": ["title"]}
    assert chips["Rensa alla"] == "/datasets"
    # the selected value in the facet list also removes it
    theme = doc.find("section", aria_labelledby="facet-theme")
    selected = theme.find("li", class_="selected").find("a")
    assert query(selected.get("href")) == {"q": ["luft"], "format": ["CSV"], "sort": ["title"]}


def test_type_and_access_facets_filter_like_the_api(client, harvested):
    doc = page(client, "/datasets", type="dataservice")
    assert [r.find("h3").find("a").text for r in results(doc)] == ["Badplats-API"]
    datasets = page(client, "/datasets", type="dataset", access="open")
    # badplatser is the one dataset whose access rights are PUBLIC
    assert [r.find("h3").find("a").text for r in results(datasets)] == ["Badplatser"]
    facet = datasets.find("section", aria_labelledby="facet-access")
    assert facet.find("li", class_="selected").find("a").text.endswith("Öppen")


def test_sort_form_keeps_the_filters_and_offers_every_sort(client, harvested):
    doc = page(client, "/datasets", q="bad", theme="ENVI", page="1")
    form = doc.find("form", class_="sort-form")
    hidden = {(i.get("name"), i.get("value")) for i in form.find_all("input", type="hidden")}
    assert hidden == {("q", "bad"), ("theme", "ENVI")}
    select = form.find("select", name="sort")
    assert form.find("label", for_=select.get("id"))
    assert [o.get("value") for o in select.find_all("option")] == ["relevance", "modified", "title", "quality"]


def test_sorted_by_title(client, harvested):
    doc = page(client, "/datasets", sort="title", type="dataset")
    shown = [r.find("h3").find("a").get("href") for r in results(doc)]
    api = client.get("/api/datasets", params={"sort": "title", "type": "dataset"}).json()["items"]
    assert shown == [f"/datasets/{i['id']}" for i in api] and len(shown) == 7


def test_paging_links_keep_the_parameters_and_mark_the_current_page(client, harvested):
    doc = page(client, "/datasets", per_page="3", sort="title")
    nav = doc.find("nav", class_="pagination")
    numbers = [a for a in nav.find_all("a") if a.text.split()[-1].isdigit()]
    assert [a.text.split()[-1] for a in numbers] == ["1", "2", "3"]
    assert numbers[0].get("aria-current") == "page"
    nxt = nav.find("a", rel="next")
    assert query(nxt.get("href")) == {"per_page": ["3"], "sort": ["title"], "page": ["2"]}
    second = page(client, nxt.get("href"))
    nav2 = second.find("nav", class_="pagination")
    assert query(nav2.find("a", rel="prev").get("href"))["page"] == ["1"]
    assert len(results(second)) == 3
    last = page(client, "/datasets", per_page="3", sort="title", page="3")
    assert len(results(last)) == 2 and not last.find("nav", class_="pagination").find_all("a", rel="next")


@pytest.mark.parametrize("params", [
    {"page": "abc"}, {"page": "0"}, {"page": "-3"}, {"per_page": "x"}, {"per_page": "100000"},
    {"sort": "size"}, {"status": "gone"}, {"min_quality": "lots"}, {"min_quality": "nan"},
])
def test_unusable_parameters_are_ignored_with_a_notice_not_an_error(client, harvested, params):
    doc = page(client, "/datasets", **params)
    assert doc.find("div", class_="notice").text
    assert len(results(doc)) == 8  # the defaults apply


def test_a_page_past_the_last_says_so_and_links_to_the_last(client, harvested):
    doc = page(client, "/datasets", per_page="3", page="9")
    notice = doc.find("div", class_="notice")
    last = notice.find("a")
    assert query(last.get("href"))["page"] == ["3"]


def test_no_results_page_suggests_removing_filters_and_the_words_alone(client, harvested):
    doc = page(client, "/datasets", q="badplatser", theme="TRAN")
    help_ = doc.find("div", class_="no-results")
    links = help_.links()
    without = next(href for text, href in links.items() if "utan filter" in text)
    assert query(without) == {"q": ["badplatser"]} and "(2 resultat)" in next(t for t in links if "utan filter" in t)
    remove = next(href for text, href in links.items() if text.startswith("Ta bort filtret"))
    assert query(remove) == {"q": ["badplatser"]}
    assert "stavningen" in help_.text
    # an empty result page is not worth indexing
    assert doc.find("meta", name="robots").get("content") == "noindex"


def test_an_unknown_facet_value_gives_no_results_and_can_be_removed(client, harvested):
    doc = page(client, "/datasets", theme="NOSUCH", q="bad")
    assert not results(doc)
    theme = doc.find("section", aria_labelledby="facet-theme")
    selected = theme.find("li", class_="selected")
    assert "NOSUCH" in selected.text and query(selected.find("a").get("href")) == {"q": ["bad"]}


def test_results_page_links_the_same_search_in_the_json_api(client, harvested):
    doc = page(client, "/datasets", q="bad", theme="ENVI", lang="en")
    api = doc.find("p", class_="machine-readable").find("a").get("href")
    assert path(api) == "/api/datasets" and query(api) == {"q": ["bad"], "theme": ["ENVI"]}
    assert client.get(api).json()["total"] == 1


def test_withdrawn_datasets_are_searchable_by_status(client, http_server, add_source, harvest):
    url = http_server.set("dcat/x.ttl", CATALOG_TTL)
    add_source("fx", url)
    harvest("fx")
    http_server.set("dcat/x.ttl", _without_geodata(CATALOG_TTL))
    harvest("fx")
    doc = page(client, "/datasets", status="withdrawn")
    assert [r.find("h3").find("a").text for r in results(doc)] == ["Kommungränser"]


# -- one dataset ----------------------------------------------------------------------------------


def test_dataset_page_shows_what_a_user_needs_to_decide_and_to_use(client, harvested):
    ids = ids_by_title(client)
    doc = page(client, f"/datasets/{ids['Badplatser']}")
    assert doc.find("h1").text == "Badplatser"
    main = doc.find("main")
    assert "Badplatser" in doc.find("title").text
    facts = {dt.text: dd for dt, dd in zip(main.find_all("dt"), main.find_all("dd"), strict=False)}
    publisher = facts["Utgivare"].find("a")
    assert publisher.text == STOCKHOLM and publisher.get("href").startswith("/publishers/")
    assert {a.text: query(a.get("href")) for a in facts["Teman"].find_all("a")} == {
        "Miljö": {"theme": ["ENVI"]}, "Hälsa": {"theme": ["HEAL"]}}
    licence = facts["Licens"].find("a")
    assert licence.get("href") == "http://creativecommons.org/licenses/by/4.0/" and "CC BY 4.0" in licence.text
    assert facts["Åtkomst"].text == "Öppen"
    assert facts["Uppdaterad"].text == "15 mars 2024" and facts["Publicerad"].text == "1 maj 2019"
    keywords = {a.text: query(a.get("href")) for a in main.find("ul", class_="tags").find_all("a")}
    assert keywords["bad"] == {"keyword": ["bad"]} and "badplats" in keywords
    dist = main.find("li", class_="distribution")
    assert "CSV" in dist.text
    assert dist.find("a", class_="button").get("href") == "https://fixtures.example.se/filer/badplatser.csv"
    assert "oppnadata@stockholm.se" in main.links()
    # the API that serves it, linked to its own page
    services = main.find("a", href=f"/datasets/{ids['Badplats-API']}")
    assert services.text == "Badplats-API"


def test_dataset_page_links_the_machine_readable_forms(client, harvested):
    ids = ids_by_title(client)
    dataset_id = ids["Badplatser"]
    doc = page(client, f"/datasets/{dataset_id}")
    box = doc.find("section", aria_labelledby="machine-title")
    links = box.links()
    assert links == {"JSON": f"/api/datasets/{dataset_id}", "Turtle": f"/api/datasets/{dataset_id}?format=ttl",
                     "JSON-LD": f"/api/datasets/{dataset_id}?format=jsonld",
                     "RDF/XML": f"/api/datasets/{dataset_id}?format=rdf"}
    assert client.get(links["Turtle"]).headers["content-type"].startswith("text/turtle")
    alternates = {link.get("type") for link in doc.find_all("link", rel="alternate")}
    assert alternates == {"application/json", "text/turtle", "application/ld+json", "application/rdf+xml"}


def test_dataset_page_has_an_add_to_list_form_with_a_csrf_token(client, harvested):
    dataset_id = ids_by_title(client)["Badplatser"]
    resp = client.get(f"/datasets/{dataset_id}", headers=HTML)
    form = parse(resp.text).find("form", action="/lists/add")
    assert form.get("method") == "post"
    fields = {i.get("name"): i.get("value") for i in form.find_all("input")}
    assert fields["dataset_id"] == dataset_id
    assert fields["csrf_token"] and fields["csrf_token"] == client.cookies.get("csrf")


def test_dataset_page_shows_the_quality_score_and_what_lowers_it(client, harvested):
    ids = ids_by_title(client)
    detail = client.get(f"/api/datasets/{ids['Hållplatser i Skåne']}").json()
    doc = page(client, f"/datasets/{ids['Hållplatser i Skåne']}")
    box = doc.find("section", aria_labelledby="quality-title")
    assert box.find("span", class_="score").text == str(round(detail["quality"]["score"]))
    gaps = box.find("ul", class_="score-gaps").text
    # hallplatser has no keywords, no publisher IRI problem, no download URL (EXPECTED.md)
    assert "Inga nyckelord" in gaps and "Ingen nedladdningslänk" in gaps


def test_invalid_dataset_page_lists_the_requirements_it_breaks(client, harvested):
    invalid = client.get("/api/datasets", params={"q": "utan"}).json()
    items = client.get("/api/datasets", params={"per_page": 50}).json()["items"]
    untitled = next(i for i in items if not i["title"])
    doc = page(client, f"/datasets/{untitled['id']}", lang="en")
    box = doc.find("section", aria_labelledby="quality-title")
    assert "The dataset has no title" in box.text
    assert invalid is not None


def test_data_service_page_shows_its_endpoint_and_the_datasets_it_serves(client, harvested):
    ids = ids_by_title(client)
    doc = page(client, f"/datasets/{ids['Badplats-API']}")
    assert doc.find("h1").find("span", class_="badge-api").text == "API"
    links = doc.find("main").links()
    assert links["https://api.fixtures.example.se/bad"] == "https://api.fixtures.example.se/bad"
    assert "https://api.fixtures.example.se/bad/openapi.json" in links
    assert links["Badplatser"] == f"/datasets/{ids['Badplatser']}"
    # it has no distributions: it is used through its endpoint, not downloaded
    assert "Hämta data" not in [h.text for h in doc.find_all("h2")]


def test_dataset_page_names_its_source_and_last_harvest(client, harvested):
    ids = ids_by_title(client)
    doc = page(client, f"/datasets/{ids['Luftkvalitet']}")
    box = doc.find("section", aria_labelledby="source-title")
    facts = {dt.text: dd.text for dt, dd in zip(box.find_all("dt"), box.find_all("dd"), strict=True)}
    assert facts["Källa"] == "fx"
    assert facts["Senaste skördning"]  # a date, in Swedish


def test_unknown_dataset_answers_a_404_page(client, harvested):
    doc = page(client, "/datasets/no-such-id", expect=404)
    assert doc.find("h1").text == "Sidan hittades inte"
    assert doc.find("form", role="search")
    assert doc.find("meta", name="robots").get("content") == "noindex"


def _without_geodata(ttl: str) -> str:
    start = ttl.index("# --- geodata")
    end = ttl.index("# --- a dataset that is a blank node")
    return (ttl[:start] + ttl[end:]).replace("fx:utan-titel , fx:geodata , _:blank1", "fx:utan-titel , _:blank1")


def test_withdrawn_dataset_answers_410_with_a_notice_and_noindex(client, http_server, add_source, harvest):
    url = http_server.set("dcat/x.ttl", CATALOG_TTL)
    add_source("fx", url)
    harvest("fx")
    geodata = ids_by_title(client)["Kommungränser"]
    http_server.set("dcat/x.ttl", _without_geodata(CATALOG_TTL))
    assert harvest("fx").withdrawn == 1
    resp = client.get(f"/datasets/{geodata}", headers=HTML)
    assert resp.status_code == 410
    doc = parse(resp.text)
    assert doc.find("meta", name="robots").get("content") == "noindex"
    assert "har dragits tillbaka" in doc.find("div", role="alert").text
    assert doc.find("h1").text == "Kommungränser"  # still readable
    assert not doc.find_all("form", action="/lists/add")
    # an active dataset is indexable
    live = parse(client.get(f"/datasets/{ids_by_title(client)['Badplatser']}").text)
    assert not live.find_all("meta", name="robots")


# -- publishers -----------------------------------------------------------------------------------


def test_publishers_page_lists_publishers_with_counts(client, harvested):
    doc = page(client, "/publishers")
    rows = {tr.find("th").text: tr for tr in doc.find("tbody").find_all("tr")}
    stockholm = rows[STOCKHOLM]
    cells = [td.text for td in stockholm.find_all("td")]
    assert cells[-2:] == ["1", "1"]  # badplatser and Badplats-API
    href = stockholm.find("th").find("a").get("href")
    assert href.startswith("/publishers/")
    datasets_link = stockholm.find_all("td")[-2].find("a").get("href")
    assert query(datasets_link)["type"] == ["dataset"]


def test_publisher_page_shows_datasets_quality_and_sources(client, harvested):
    doc = page(client, "/publishers")
    href = next(tr.find("th").find("a").get("href") for tr in doc.find("tbody").find_all("tr")
                if tr.find("th").text == STOCKHOLM)
    pub = page(client, href)
    assert pub.find("h1").text == STOCKHOLM
    newest = pub.find("section", aria_labelledby="newest-title")
    assert {r.find("h3").find("a").text for r in results(newest)} == {"Badplatser", "Badplats-API"}
    quality = pub.find("section", aria_labelledby="quality-title")
    assert quality.find("span", class_="score").text
    sources = pub.find("section", aria_labelledby="sources-title")
    assert "fx" in sources.text and "lyckades" in sources.text


def test_a_merged_publishers_old_address_redirects_to_the_one_publisher(client, engine, harvested):
    from catalog.services.organisations import local_admin
    from catalog.services.publishers_identity import merge

    items = client.get("/api/datasets", params={"per_page": 50}).json()["items"]
    by_name = {i["publisher"]["name"]: i["publisher"]["id"] for i in items if i["publisher"]}
    keep, other = by_name[STOCKHOLM], by_name["Region Skåne"]  # Region Skåne has no organisation number
    merge(engine, keep, other, actor=local_admin("test"))
    resp = client.get(f"/publishers/{other}", params={"lang": "en"}, headers=HTML, follow_redirects=False)
    assert resp.status_code == 301 and resp.headers["location"] == f"/publishers/{keep}?lang=en"
    doc = page(client, resp.headers["location"])
    assert doc.find("h1").text == STOCKHOLM
    facts = {dt.text: dd.text for dt, dd in zip(doc.find_all("dt"), doc.find_all("dd"), strict=False)}
    assert facts["Organisation number"] == "212000-0142"


def test_unknown_publisher_answers_a_404_page(client, harvested):
    page(client, "/publishers/nobody", expect=404)


# -- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/datasets/%00", "/publishers/%00", "/datasets/" + "x" * 3000, "/datasets/a%0Ab"])
def test_ids_no_record_can_have_answer_a_404_page(client, url):
    page(client, url, expect=404)


@pytest.mark.parametrize("params", [
    {"q": "\x00"}, {"theme": "\x00"}, {"q": '"unbalanced'}, {"q": "((("}, {"q": "NEAR(a b)"}, {"q": "-x"},
    {"q": "a:b"}, {"q": "\\"}, {"q": "😀"}, {"page": "99999999999999999999"}, {"min_quality": "inf"},
    {"keyword": "\xff"}, {"publisher": "p" * 2000},
])
def test_odd_search_input_never_breaks_the_page(client, harvested, params):
    page(client, "/datasets", **params)


def test_unknown_path_answers_a_404_page_to_browsers(client):
    doc = page(client, "/no/such/page", expect=404)
    assert doc.find("h1").text == "Sidan hittades inte"


def test_unknown_path_answers_problem_json_to_other_clients(client):
    resp = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert resp.status_code == 404
    assert resp.headers["content-type"] == "application/problem+json"
    body = resp.json()
    assert body["status"] == 404 and body["title"] == "Not Found" and "/no/such/page" in body["detail"]
    assert body["type"] == "about:blank"


def test_unknown_api_path_answers_problem_json_even_to_browsers(client):
    resp = client.get("/api/no-such-thing", headers=HTML)
    assert resp.status_code == 404 and resp.headers["content-type"] == "application/problem+json"


def test_api_errors_keep_their_problem_json(client, harvested):
    resp = client.get("/api/datasets/no-such-dataset", headers=HTML)
    assert resp.status_code == 404 and resp.headers["content-type"] == "application/problem+json"
    assert "no-such-dataset" in resp.json()["detail"]


def test_wrong_method_on_a_page_answers_405_page(client):
    resp = client.post("/datasets", headers=HTML)
    assert resp.status_code == 405 and resp.headers["content-type"].startswith("text/html")



def test_the_json_link_of_a_result_page_carries_only_search_parameters(client, harvested) -> None:
    doc = page(client, "/datasets", q="Badplatser", utm_source="nyhetsbrev", lang="en")
    link = doc.find("p", class_="machine-readable").find("a")
    api = link.get("href") or ""
    assert "utm_source" not in api and "lang=" not in api and "q=Badplatser" in api
    assert client.get(api).status_code == 200
