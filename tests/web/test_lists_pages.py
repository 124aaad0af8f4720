"""The list pages: /lists/new, POST /lists, /lists/add, /lists/{id} (edit, move, remove, edit link),
/lists/{id}/print; and PATCH /api/lists/{id} with add, remove and dataset_ids, which they share
services with. Each test is one or two browsers (TestClients with cookie jars of their own)."""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from api.web.pages.lists import RedactEditTokens
from catalog.settings import Settings
from tests.api.test_exports import small_catalog

HTML = {"Accept": "text/html,application/xhtml+xml"}


class Page(HTMLParser):
    """The parts of a page these tests read: elements with their attributes, forms, links, text."""

    def __init__(self, body: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.forms: list[dict[str, Any]] = []
        self.links: list[dict[str, str]] = []
        self.headings: list[tuple[str, str]] = []
        self.labels: dict[str, str] = {}
        self._text: list[str] = []
        self._open: list[tuple[str, dict[str, str], int]] = []
        self.feed(body)
        self.text = re.sub(r"\s+", " ", "".join(self._text))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.elements.append((tag, a))
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "method": a.get("method", "get").lower(),
                               "fields": {}, "buttons": []})
        elif tag in ("input", "textarea") and self.forms and "name" in a:
            self.forms[-1]["fields"][a["name"]] = a.get("value", "")
        if tag in ("a", "h1", "h2", "h3", "button", "label", "textarea"):
            self._open.append((tag, a, len(self._text)))

    def handle_endtag(self, tag: str) -> None:
        for n in range(len(self._open) - 1, -1, -1):
            if self._open[n][0] == tag:
                _, a, start = self._open.pop(n)
                content = re.sub(r"\s+", " ", "".join(self._text[start:])).strip()
                if tag == "a":
                    self.links.append({"href": a.get("href", ""), "text": content})
                elif tag == "button" and self.forms:
                    self.forms[-1]["buttons"].append(content)
                elif tag == "label" and a.get("for"):
                    self.labels[a["for"]] = content
                elif tag == "textarea" and self.forms and a.get("name"):
                    self.forms[-1]["fields"][a["name"]] = "".join(self._text[start:])
                else:
                    self.headings.append((tag, content))
                break

    def handle_data(self, data: str) -> None:
        self._text.append(data)

    def tags(self, name: str) -> list[dict[str, str]]:
        return [a for t, a in self.elements if t == name]

    def form(self, action: str, button: str | None = None) -> dict[str, Any]:
        """The form posting to ``action`` (whose button text starts with ``button``, if given)."""
        found = [f for f in self.forms if f["action"] == action
                 and (button is None or any(b.startswith(button) for b in f["buttons"]))]
        assert found, f"no form to {action} {button or ''} in {[(f['action'], f['buttons']) for f in self.forms]}"
        return found[0]

    def link(self, text: str) -> str:
        found = [x["href"] for x in self.links if x["text"] == text]
        assert found, f"no link {text!r}"
        return found[0]


def page(resp: Any) -> Page:
    assert "text/html" in resp.headers["content-type"], resp.text[:300]
    return Page(resp.text)


@pytest.fixture
def harvested(http_server, add_source, harvest) -> None:
    """The 8-record DCAT fixture (tests/fixtures/dcat/EXPECTED.md) as source "fx"."""
    add_source("fx", http_server.url("dcat/catalog.ttl"))
    job = harvest("fx")
    assert job.status == "succeeded", job.message


@pytest.fixture
def ids(client, harvested) -> dict[str, str]:
    """Dataset title -> id."""
    items = client.get("/api/datasets", params={"per_page": 50}).json()["items"]
    return {i["title"]: i["id"] for i in items if i["title"]}


@pytest.fixture
def browser(client) -> TestClient:
    """A browser: asks for HTML and keeps its cookies."""
    client.headers.update(HTML)
    return client


@pytest.fixture
def other_browser(client) -> Iterator[TestClient]:
    """A second browser on the same site, with no cookies of the first."""
    with TestClient(client.app, headers=HTML) as other:
        yield other


def set_cookies(resp: Any) -> dict[str, str]:
    """Set-Cookie headers of a response by cookie name (the whole header line)."""
    return {h.split("=", 1)[0]: h for h in resp.headers.get_list("set-cookie")}


def make_list(browser: TestClient, title: str = "Hackathon: miljö", description: str = "Data för helgen.") -> str:
    """Make a list with the /lists/new form; the list's id."""
    form = page(browser.get("/lists/new")).form("/lists")
    resp = browser.post("/lists", data={**form["fields"], "title": title, "description": description},
                        follow_redirects=False)
    assert resp.status_code == 303, resp.text
    return resp.headers["location"].rsplit("/", 1)[1]


def csrf(browser: TestClient) -> str:
    return page(browser.get("/lists/new")).form("/lists")["fields"]["csrf_token"]


def add(browser: TestClient, dataset_id: str, referer: str = "/datasets", **extra: str) -> Any:
    return browser.post("/lists/add", data={"dataset_id": dataset_id, "csrf_token": csrf(browser), **extra},
                        headers={"Referer": f"http://testserver{referer}"}, follow_redirects=False)


def titles(client: TestClient, list_id: str) -> list[str]:
    return [d["title"] for d in client.get(f"/api/lists/{list_id}").json()["datasets"]]


def list_count(engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM dataset_list")).scalar_one())


# -- making a list ----------------------------------------------------------------------------------


def test_a_list_made_with_the_form_shows_its_title_and_stays_editable_by_cookie(browser, ids):
    new = page(browser.get("/lists/new"))
    assert [h for h in new.headings if h[0] == "h1"] == [("h1", "Gör en lista")]
    form = new.form("/lists")
    assert form["method"] == "post" and set(form["fields"]) == {"csrf_token", "title", "description"}
    resp = browser.post("/lists", data={**form["fields"], "title": "Hackathon: miljö",
                                        "description": "Data för helgen."}, follow_redirects=False)
    assert resp.status_code == 303
    list_id = resp.headers["location"].removeprefix("/lists/")
    cookie = set_cookies(resp)["list_edit"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/lists" in cookie
    assert "Secure" not in cookie  # BASE_URL is http here

    shown = page(browser.get(f"/lists/{list_id}"))
    assert [h for h in shown.headings if h[0] == "h1"] == [("h1", "Hackathon: miljö")]
    assert "Data för helgen." in shown.text
    assert "En ny lista gjordes" in shown.text  # the confirmation, once
    assert "En ny lista gjordes" not in page(browser.get(f"/lists/{list_id}")).text
    assert shown.form(f"/lists/{list_id}")["fields"]["title"] == "Hackathon: miljö"
    api = browser.get(f"/api/lists/{list_id}").json()
    assert api["title"] == "Hackathon: miljö" and api["count"] == 0
    # the new list is this browser's: /lists/new names it
    mine = page(browser.get("/lists/new"))
    assert mine.link("Hackathon: miljö") == f"/lists/{list_id}"


def test_the_edit_cookie_is_secure_under_an_https_base_url(engine, db_url, harvested):
    settings = Settings(database_url=db_url, base_url="https://data.example.se")
    with TestClient(create_app(settings, engine), base_url="https://testserver", headers=HTML) as https:
        form = page(https.get("/lists/new")).form("/lists")
        resp = https.post("/lists", data={**form["fields"], "title": "Säker"}, follow_redirects=False)
        assert resp.status_code == 303
        assert "Secure" in set_cookies(resp)["list_edit"]


def test_an_invalid_title_shows_the_form_again_with_the_error_and_the_input_kept(browser, engine, ids):
    form = page(browser.get("/lists/new")).form("/lists")
    before = list_count(engine)
    resp = browser.post("/lists", data={**form["fields"], "title": "   ", "description": "behålls"})
    assert resp.status_code == 422
    again = page(resp)
    assert "title" in again.text and again.form("/lists")["fields"]["description"] == "behålls"
    assert list_count(engine) == before


# -- adding from dataset and result pages -----------------------------------------------------------


def test_adding_from_a_dataset_page_makes_a_list_then_fills_the_same_one(browser, ids):
    target = f"/datasets/{ids['Badplatser']}"
    dataset_page = page(browser.get(target))
    form = dataset_page.form("/lists/add")
    assert form["method"] == "post" and form["fields"]["dataset_id"] == ids["Badplatser"]
    assert form["fields"]["csrf_token"]
    resp = browser.post("/lists/add", data=form["fields"], headers={"Referer": f"http://testserver{target}"},
                        follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == target
    cookies = set_cookies(resp)
    assert "list_edit" in cookies
    notice = cookies["list_notice"]
    assert f"Path={target}" in notice and "Max-Age=60" in notice and notice.startswith("list_notice=created.")
    mine = [x["href"] for x in page(browser.get("/lists/new")).links
            if x["href"].startswith("/lists/") and not x["href"].startswith("/lists/new")]
    assert len(mine) == 1
    list_id = mine[0].removeprefix("/lists/")
    assert notice.startswith(f"list_notice=created.{list_id};")
    made = browser.get(f"/api/lists/{list_id}").json()
    assert made["title"].startswith("Lista ") and [d["title"] for d in made["datasets"]] == ["Badplatser"]

    # a second dataset from a result page goes to the same list, at its end; a repeat changes nothing
    assert add(browser, ids["Luftkvalitet"], "/datasets?q=luft").headers["location"] == "/datasets?q=luft"
    resp = add(browser, ids["Badplatser"], "/datasets?q=bad")
    assert resp.status_code == 303 and "present." in set_cookies(resp)["list_notice"]
    assert titles(browser, list_id) == ["Badplatser", "Luftkvalitet"]


def test_added_datasets_go_to_the_most_recently_used_list_or_the_one_chosen(browser, ids):
    first = make_list(browser, "Första")
    second = make_list(browser, "Andra")
    add(browser, ids["Badplatser"])
    assert titles(browser, second) == ["Badplatser"] and titles(browser, first) == []
    resp = add(browser, ids["Luftkvalitet"], list_id=first)
    assert resp.status_code == 303
    assert titles(browser, first) == ["Luftkvalitet"]
    # choosing a list made it the current one
    add(browser, ids["Kommungränser"])
    assert titles(browser, first) == ["Luftkvalitet", "Kommungränser"]


def test_adding_without_a_usable_referer_returns_to_the_list_and_never_leaves_the_site(browser, ids):
    list_id = make_list(browser)
    resp = add(browser, ids["Badplatser"], next="https://evil.example/")
    assert resp.headers["location"] == "/datasets"  # the Referer (this site), not the foreign next
    resp = browser.post("/lists/add", data={"dataset_id": ids["Luftkvalitet"], "csrf_token": csrf(browser),
                                            "next": "//evil.example/x"},
                        headers={"Referer": "https://evil.example/page"}, follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == f"/lists/{list_id}"
    resp = add(browser, ids["Hållplatser i Skåne"], next="/datasets/x?q=a")
    assert resp.headers["location"] == "/datasets/x?q=a"
    # the site's public address (BASE_URL, in front of a proxy) is this site too
    resp = browser.post("/lists/add", data={"dataset_id": ids["Badplatser"], "csrf_token": csrf(browser)},
                        headers={"Referer": "http://datakatalog.test/datasets?q=bad"}, follow_redirects=False)
    assert resp.headers["location"] == "/datasets?q=bad"


def test_adding_an_unknown_dataset_is_refused_with_a_page(browser, ids):
    list_id = make_list(browser)
    resp = add(browser, "finns-inte")
    assert resp.status_code == 422 and "finns-inte" in page(resp).text
    assert titles(browser, list_id) == []


# -- changing a list --------------------------------------------------------------------------------


def test_move_and_remove_are_plain_forms_on_the_list_page(browser, ids):
    list_id = make_list(browser)
    for title in ("Badplatser", "Luftkvalitet", "Kommungränser"):
        add(browser, ids[title])
    url = f"/lists/{list_id}"
    shown = page(browser.get(url))
    # the first cannot move up, the last cannot move down
    ups = [f for f in shown.forms if f["action"] == f"{url}/move" and f["fields"]["direction"] == "up"]
    downs = [f for f in shown.forms if f["action"] == f"{url}/move" and f["fields"]["direction"] == "down"]
    assert [f["fields"]["dataset_id"] for f in ups] == [ids["Luftkvalitet"], ids["Kommungränser"]]
    assert [f["fields"]["dataset_id"] for f in downs] == [ids["Badplatser"], ids["Luftkvalitet"]]
    assert ups[1]["buttons"] == ["Flytta upp: Kommungränser"]  # the button says which dataset

    resp = browser.post(f"{url}/move", data=ups[1]["fields"], follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == f"{url}#item-{ids['Kommungränser']}"
    assert titles(browser, list_id) == ["Badplatser", "Kommungränser", "Luftkvalitet"]
    browser.post(f"{url}/move", data=downs[0]["fields"])
    assert titles(browser, list_id) == ["Kommungränser", "Badplatser", "Luftkvalitet"]

    remove = next(f for f in page(browser.get(url)).forms
                  if f["action"] == f"{url}/remove" and f["fields"]["dataset_id"] == ids["Badplatser"])
    assert remove["buttons"] == ["Ta bort: Badplatser"]
    after = browser.post(f"{url}/remove", data=remove["fields"])
    assert after.status_code == 200 and "togs bort" in page(after).text
    assert titles(browser, list_id) == ["Kommungränser", "Luftkvalitet"]

    edit = page(browser.get(url)).form(url)
    browser.post(url, data={**edit["fields"], "title": "Nytt namn", "description": "Ny text"})
    got = browser.get(f"/api/lists/{list_id}").json()
    assert (got["title"], got["description"]) == ("Nytt namn", "Ny text")


def test_another_browser_without_the_cookie_sees_the_list_but_cannot_change_it(browser, other_browser, ids, engine):
    list_id = make_list(browser)
    add(browser, ids["Badplatser"])
    add(browser, ids["Luftkvalitet"])
    url = f"/lists/{list_id}"
    owner = page(browser.get(url))
    token = owner.tags("input")[[a.get("id") for a in owner.tags("input")].index("edit-link")]["value"]
    token = token.split("edit=", 1)[1]

    seen = other_browser.get(url)
    assert seen.status_code == 200
    view = page(seen)
    assert "Badplatser" in view.text and token not in seen.text
    assert not [f for f in view.forms if f["method"] == "post"]  # no edit, move or remove forms
    their_csrf = csrf(other_browser)
    for path, data in ((f"{url}/remove", {"dataset_id": ids["Badplatser"]}),
                       (f"{url}/move", {"dataset_id": ids["Luftkvalitet"], "direction": "up"}),
                       (url, {"title": "Kapad"}),
                       ("/lists/add", {"dataset_id": ids["Kommungränser"], "list_id": list_id})):
        resp = other_browser.post(path, data={**data, "csrf_token": their_csrf})
        assert resp.status_code == 403, path
        assert "Bara den som gjorde listan, eller har dess redigeringslänk, kan ändra den." in page(resp).text
    got = browser.get(f"/api/lists/{list_id}").json()
    assert got["title"] == "Hackathon: miljö" and titles(browser, list_id) == ["Badplatser", "Luftkvalitet"]
    # a forged cookie is no edit right either
    other_browser.cookies.set("list_edit", f"{list_id}.{'x' * 43}", path="/lists")
    assert other_browser.post(f"{url}/remove", data={"dataset_id": ids["Badplatser"],
                                                     "csrf_token": their_csrf}).status_code == 403
    assert list_count(engine) == 1


def test_the_edit_link_moves_its_token_into_the_cookie_and_redirects_to_the_clean_address(
        browser, other_browser, ids):
    list_id = make_list(browser)
    add(browser, ids["Badplatser"])
    url = f"/lists/{list_id}"
    owner = page(browser.get(url))
    assert owner.labels["edit-link"] == "Redigeringslänk"
    link = next(a["value"] for a in owner.tags("input") if a.get("id") == "edit-link")
    assert link.startswith(f"http://datakatalog.test{url}?edit=")

    resp = other_browser.get(urlsplit(link).path + "?" + urlsplit(link).query, follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == url  # no token left in the address
    assert resp.headers["cache-control"] == "no-store" and resp.headers["referrer-policy"] == "no-referrer"
    cookie = set_cookies(resp)["list_edit"]
    assert link.split("edit=")[1] in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    now = page(other_browser.get(url))
    assert "Den här webbläsaren kan nu ändra listan." in now.text
    remove = now.form(f"{url}/remove")
    assert other_browser.post(f"{url}/remove", data=remove["fields"]).status_code == 200
    assert titles(browser, list_id) == []

    bad = other_browser.get(f"{url}?edit={'y' * 43}", follow_redirects=False)
    assert bad.status_code == 403 and "list_edit" not in set_cookies(bad)
    assert other_browser.get(f"/lists/finns-inte?edit={'y' * 43}").status_code == 404


def test_edit_tokens_are_kept_out_of_the_access_log():
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/lists/abc?lang=en&edit=hemlig-token_123", "1.1", 303),
                               None)
    assert RedactEditTokens().filter(record)
    assert "hemlig" not in record.getMessage() and "/lists/abc?lang=en&edit=…" in record.getMessage()
    assert any(isinstance(f, RedactEditTokens) for f in logging.getLogger("uvicorn.access").filters)


def test_forms_without_the_csrf_token_are_refused(browser, engine, ids):
    list_id = make_list(browser)
    add(browser, ids["Badplatser"])
    before = list_count(engine)
    url = f"/lists/{list_id}"
    for path, data in (("/lists", {"title": "Utan token"}),
                       ("/lists", {"title": "Fel token", "csrf_token": "x" * 43}),
                       ("/lists/add", {"dataset_id": ids["Luftkvalitet"]}),
                       (f"{url}/remove", {"dataset_id": ids["Badplatser"]}),
                       (f"{url}/move", {"dataset_id": ids["Badplatser"], "direction": "down"}),
                       (url, {"title": "Ändrad"})):
        resp = browser.post(path, data=data)
        assert resp.status_code == 403, path
    assert list_count(engine) == before
    got = browser.get(f"/api/lists/{list_id}").json()
    assert got["title"] == "Hackathon: miljö" and titles(browser, list_id) == ["Badplatser"]


def test_a_withdrawn_dataset_stays_in_the_list_with_a_note(browser, http_server, add_source, harvest):
    base = "https://lista.example.se/"
    items = [{"slug": "a", "title": "Cykelvägar"}, {"slug": "b", "title": "Badplatser"},
             {"slug": "c", "title": "Återvinning"}]
    http_server.set("lista.ttl", small_catalog(base, items))
    add_source("lista", http_server.url("lista.ttl"))
    harvest("lista")
    found = {i["title"]: i["id"] for i in browser.get("/api/datasets").json()["items"]}
    list_id = make_list(browser)
    add(browser, found["Cykelvägar"])
    add(browser, found["Badplatser"])
    http_server.set("lista.ttl", small_catalog(base, items[1:]))
    assert harvest("lista").withdrawn == 1
    shown = page(browser.get(f"/lists/{list_id}"))
    blocks = shown.text.split("Badplatser")[0]
    assert "Cykelvägar" in blocks and "Tillbakadragen" in blocks
    printed = page(browser.get(f"/lists/{list_id}/print"))
    assert "Tillbakadragen" in printed.text


# -- reading, exporting and printing ----------------------------------------------------------------


def test_the_list_page_links_every_export_and_each_one_downloads(browser, ids):
    list_id = make_list(browser)
    for title in ("Luftkvalitet", "Badplatser"):
        add(browser, ids[title])
    shown = page(browser.get(f"/lists/{list_id}"))
    exports = {x["text"]: x["href"] for x in shown.links if "/export?format=" in x["href"]}
    assert {"CSV", "Excel (XLSX)", "Markdown", "DCAT-AP-SE (Turtle)"} <= set(exports)
    types = {"CSV": "text/csv", "Excel (XLSX)": "spreadsheetml", "Markdown": "text/markdown",
             "DCAT-AP-SE (Turtle)": "text/turtle", "DCAT-AP-SE (RDF/XML)": "application/rdf+xml",
             "DCAT-AP-SE (JSON-LD)": "application/ld+json"}
    for label, href in exports.items():
        resp = browser.get(href)
        assert resp.status_code == 200 and types[label] in resp.headers["content-type"], label
    rows = list(csv.DictReader(io.StringIO(browser.get(exports["CSV"]).content.decode("utf-8-sig"))))
    assert [r["title"] for r in rows] == ["Luftkvalitet", "Badplatser"]
    assert browser.get(exports["Markdown"]).text.startswith("# Hackathon: miljö")


def test_the_print_page_has_the_print_stylesheet_no_navigation_and_one_block_per_dataset(browser, ids):
    list_id = make_list(browser, "Utskrift", "Till deltagarna.")
    for title in ("Badplatser", "Luftkvalitet", "Badplats-API"):
        add(browser, ids[title])
    shown = page(browser.get(f"/lists/{list_id}"))
    assert shown.link("Skriv ut som utdelningsblad") == f"/lists/{list_id}/print"

    resp = browser.get(f"/lists/{list_id}/print")
    assert resp.status_code == 200
    printed = page(resp)
    sheets = [a["href"] for a in printed.tags("link") if a.get("rel") == "stylesheet"]
    assert len(sheets) == 1 and sheets[0].startswith("/static/print.css?v=")
    assert not printed.tags("nav") and not printed.tags("form") and not printed.tags("script")
    assert [h for h in printed.headings if h[0] == "h1"] == [("h1", "Utskrift")]
    assert [t for t, _ in printed.elements].count("article") == 3
    assert [h[1] for h in printed.headings if h[0] == "h2"] == ["1. Badplatser", "2. Luftkvalitet",
                                                               "3. Badplats-API API"]
    text_ = printed.text
    # what a reader needs on paper: publisher, licence, access, formats and the links written out
    for expected in ("Stockholms stad", "Till deltagarna.", "Öppen", "CSV",
                     "https://fixtures.example.se/sida/badplatser", "https://fixtures.example.se/filer/badplatser.csv",
                     "https://api.fixtures.example.se/luftkvalitet", "https://api.fixtures.example.se/bad",
                     f"http://datakatalog.test/lists/{list_id}", f"http://datakatalog.test/datasets/{ids['Badplatser']}"):
        assert expected in text_, expected
    assert "Creative Commons Erkännande 4.0 Internationell (CC BY 4.0)" in text_

    css = browser.get(sheets[0])
    assert css.status_code == 200 and css.headers["cache-control"] == "public, max-age=31536000, immutable"
    rules = css.text
    assert "@media print" in rules and "break-inside: avoid" in rules and 'attr(href)' in rules


def test_pages_are_in_english_on_request_and_their_fields_are_labelled(browser, ids):
    list_id = make_list(browser)
    add(browser, ids["Badplatser"])
    add(browser, ids["Luftkvalitet"])
    for path in ("/lists/new", f"/lists/{list_id}"):
        english = page(browser.get(path, params={"lang": "en"}))
        assert english.tags("html")[0]["lang"] == "en"
        assert len([h for h in english.headings if h[0] == "h1"]) == 1
        for field in english.tags("input") + english.tags("textarea"):
            if field.get("type") != "hidden":
                assert field.get("id") in english.labels, field
        for form in english.forms:
            assert all(form["buttons"]), form  # every button says what it does
    shown = page(browser.get(f"/lists/{list_id}", params={"lang": "en"}))
    assert "Move down: Badplatser" in [b for f in shown.forms for b in f["buttons"]]
    assert shown.link("Print hand-out") == f"/lists/{list_id}/print"


def test_unknown_lists_answer_a_404_page(browser):
    resp = browser.get("/lists", follow_redirects=False)  # the Lists menu entry, if typed by hand
    assert resp.status_code == 303 and resp.headers["location"] == "/lists/new"
    assert browser.get("/lists/finns-inte").status_code == 404
    assert browser.get("/lists/finns-inte/print").status_code == 404
    assert "text/html" in browser.get("/lists/finns-inte").headers["content-type"]


# -- the JSON API shares the services ------------------------------------------------------------


def _api_list(client, ids) -> tuple[str, dict[str, str]]:
    made = client.post("/api/lists", json={"title": "API", "dataset_ids": [ids["Badplatser"]]}).json()
    return made["id"], {"X-Edit-Token": made["edit_token"]}


def test_patch_adds_and_removes_datasets(client, ids):
    list_id, auth = _api_list(client, ids)
    url = f"/api/lists/{list_id}"
    resp = client.patch(url, json={"add": [ids["Luftkvalitet"], ids["Badplatser"], ids["Kommungränser"]]},
                        headers=auth)
    assert resp.status_code == 200, resp.text
    # one already there keeps its place
    assert [d["title"] for d in resp.json()["datasets"]] == ["Badplatser", "Luftkvalitet", "Kommungränser"]
    resp = client.patch(url, json={"remove": [ids["Badplatser"]]}, headers=auth)
    assert [d["title"] for d in resp.json()["datasets"]] == ["Luftkvalitet", "Kommungränser"]
    resp = client.patch(url, json={"dataset_ids": [ids["Kommungränser"], ids["Luftkvalitet"]]}, headers=auth)
    assert titles(client, list_id) == ["Kommungränser", "Luftkvalitet"]
    # all three at once: the new order, then removals, then additions
    resp = client.patch(url, json={"dataset_ids": [ids["Luftkvalitet"], ids["Kommungränser"]],
                                   "remove": [ids["Kommungränser"]], "add": [ids["Badplatser"]]}, headers=auth)
    assert titles(client, list_id) == ["Luftkvalitet", "Badplatser"]
    assert client.patch(url, json={"add": [ids["Hållplatser i Skåne"]]}).status_code == 401
    assert titles(client, list_id) == ["Luftkvalitet", "Badplatser"]


def test_patch_refuses_unknown_keys_and_datasets_naming_them(client, ids):
    list_id, auth = _api_list(client, ids)
    url = f"/api/lists/{list_id}"
    resp = client.patch(url, json={"add_datasets": [ids["Luftkvalitet"]]}, headers=auth)
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "add_datasets" and "add_datasets" in resp.json()["detail"]
    resp = client.patch(url, json={"add": ["finns-ej"]}, headers=auth)
    assert resp.status_code == 422
    assert resp.json()["errors"] == [{"field": "add", "message": "no such datasets: finns-ej"}]
    resp = client.patch(url, json={"remove": [ids["Luftkvalitet"]]}, headers=auth)
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "remove"
    assert ids["Luftkvalitet"] in resp.json()["detail"]
    resp = client.post("/api/lists", json={"title": "x", "datasets": []})
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "datasets"
    assert titles(client, list_id) == ["Badplatser"]
