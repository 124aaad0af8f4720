"""Languages of the portal: negotiation (?lang, cookie, Accept-Language), <html lang>, the switcher,
translated vocabulary labels, Babel dates and numbers, and complete Swedish catalogues."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from api.web import i18n
from tests.web.dom import parse, query

WEB = Path(i18n.__file__).parent
HTML = {"Accept": "text/html"}
# the public pages' templates and the modules whose messages they show (P1's part of portal.po)
PORTAL_TEMPLATES = ["base.html", "error.html", "home.html", "datasets.html", "dataset.html", "publishers.html",
                    "publisher.html", "partials/search_form.html", "partials/result.html", "partials/access.html",
                    "partials/macros.html"]
PORTAL_MODULES = ["views.py", "render.py", "pages/datasets.py"]


@pytest.fixture
def harvested(http_server, add_source, harvest):
    add_source("fx", http_server.url("dcat/catalog.ttl"))
    assert harvest("fx").status == "succeeded"


def lang_of(client, url: str = "/", **headers: str) -> str:
    resp = client.get(url, headers={**HTML, **headers})
    assert resp.status_code == 200
    return parse(resp.text).find("html").get("lang") or ""


def test_swedish_by_default(client):
    resp = client.get("/", headers=HTML)
    doc = parse(resp.text)
    assert doc.find("html").get("lang") == "sv"
    assert doc.find("a", class_="skip-link").text == "Hoppa till innehållet"
    assert doc.find("a", class_="skip-link").get("href") == "#main" and doc.find("main", id="main")
    assert resp.headers["content-language"] == "sv"


def test_lang_parameter_switches_to_english_and_is_remembered_in_a_cookie(client):
    resp = client.get("/", params={"lang": "en"}, headers=HTML)
    doc = parse(resp.text)
    assert doc.find("html").get("lang") == "en"
    assert doc.find("a", class_="skip-link").text == "Skip to content"
    assert "lang=en" in resp.headers["set-cookie"] and "samesite=lax" in resp.headers["set-cookie"].lower()
    # the next page, without the parameter, stays in English
    assert lang_of(client, "/datasets") == "en"
    assert lang_of(client, "/datasets?lang=sv") == "sv"
    assert lang_of(client, "/datasets") == "sv"


@pytest.mark.parametrize(("header", "expected"), [
    ("en-GB,en;q=0.9", "en"),
    ("en-US", "en"),
    ("fr-FR, en;q=0.5", "en"),
    ("sv-SE,sv;q=0.9,en;q=0.8", "sv"),
    ("en;q=0.4, sv;q=0.6", "sv"),
    ("sv;q=0, en;q=0.1", "en"),
    ("fr, de", "sv"),
    ("", "sv"),
    ("*", "sv"),
    ("en;q=abc", "sv"),
])
def test_accept_language_chooses_the_best_supported_language(client, header, expected):
    assert lang_of(client, "/", **{"Accept-Language": header}) == expected


def test_the_lang_cookie_wins_over_accept_language_and_the_parameter_over_both(client):
    client.cookies.set("lang", "sv")
    assert lang_of(client, "/", **{"Accept-Language": "en"}) == "sv"
    assert lang_of(client, "/?lang=en", **{"Accept-Language": "sv"}) == "en"


def test_unknown_lang_values_are_ignored(client):
    resp = client.get("/", params={"lang": "xx"}, headers=HTML)
    assert parse(resp.text).find("html").get("lang") == "sv" and "set-cookie" not in resp.headers


def test_switcher_links_the_same_page_in_the_other_language(client, harvested):
    doc = parse(client.get("/datasets", params={"q": "bad", "theme": "ENVI"}, headers=HTML).text)
    switch = doc.find("ul", class_="lang-switch").find("a")
    assert switch.get("lang") == "en" and switch.get("hreflang") == "en" and switch.text == "English"
    assert query(switch.get("href")) == {"q": ["bad"], "theme": ["ENVI"], "lang": ["en"]}
    english = parse(client.get(switch.get("href"), headers=HTML).text)
    back = english.find("ul", class_="lang-switch").find("a")
    assert back.get("hreflang") == "sv" and back.text == "Svenska" and query(back.get("href"))["lang"] == ["sv"]


def test_error_pages_are_in_the_chosen_language(client):
    resp = client.get("/nowhere", params={"lang": "en"}, headers=HTML)
    doc = parse(resp.text)
    assert resp.status_code == 404 and doc.find("html").get("lang") == "en"
    assert doc.find("h1").text == "Page not found"


def test_vocabulary_labels_follow_the_language(client, harvested):
    def facet(lang: str, name: str) -> set[str]:
        doc = parse(client.get("/datasets", params={"lang": lang}, headers=HTML).text)
        return {a.text for a in doc.find("section", aria_labelledby=f"facet-{name}").find_all("a")}

    assert {"Miljö", "Hälsa", "Transport"} <= facet("sv", "theme")
    assert {"Environment", "Health", "Transport"} <= facet("en", "theme")
    assert any("Erkännande" in x for x in facet("sv", "license"))
    assert any("Attribution" in x for x in facet("en", "license"))
    assert {"Datamängd", "Datatjänst (API)"} <= facet("sv", "type")
    assert {"Dataset", "Data service (API)"} <= facet("en", "type")
    assert "Öppen" in facet("sv", "access") and "Open" in facet("en", "access")


def test_dataset_page_labels_and_dates_follow_the_language(client, harvested):
    items = client.get("/api/datasets", params={"q": "badplatser", "type": "dataset"}).json()["items"]
    url = f"/datasets/{items[0]['id']}"
    sv = parse(client.get(url, params={"lang": "sv"}, headers=HTML).text).find("main")
    en = parse(client.get(url, params={"lang": "en"}, headers=HTML).text).find("main")
    sv_facts = {dt.text: dd.text for dt, dd in zip(sv.find_all("dt"), sv.find_all("dd"), strict=False)}
    en_facts = {dt.text: dd.text for dt, dd in zip(en.find_all("dt"), en.find_all("dd"), strict=False)}
    assert sv_facts["Uppdaterad"] == "15 mars 2024" and en_facts["Updated"] == "15 March 2024"
    assert sv_facts["Teman"] == "Miljö, Hälsa" and en_facts["Themes"] == "Environment, Health"
    # the English title of a dataset that has one
    assert en.find("h1").text == "Bathing sites" and sv.find("h1").text == "Badplatser"
    assert en.find("h1").find("span").get("lang") is None


def test_text_in_another_language_than_the_page_is_marked_with_its_lang(client, harvested):
    items = client.get("/api/datasets", params={"q": "luftkvalitet"}).json()["items"]
    # luftkvalitet has an English title but only a Swedish description
    en = parse(client.get(f"/datasets/{items[0]['id']}", params={"lang": "en"}, headers=HTML).text)
    assert en.find("h1").find("span").get("lang") is None and en.find("h1").text == "Air quality"
    assert en.find("div", class_="description").get("lang") == "sv"
    sv = parse(client.get(f"/datasets/{items[0]['id']}", params={"lang": "sv"}, headers=HTML).text)
    assert sv.find("div", class_="description").get("lang") is None


def test_numbers_and_dates_are_formatted_for_the_locale():
    sv, en = i18n.Translator("sv"), i18n.Translator("en")
    assert sv.fmt_number(12345) == "12\xa0345" and en.fmt_number(12345) == "12,345"
    assert sv.fmt_number(2.5) == "2,5" and en.fmt_number(2.5) == "2.5"
    assert sv.fmt_date("2024-03-15") == "15 mars 2024" and en.fmt_date("2024-03-15") == "15 March 2024"
    assert sv.fmt_date("2023") == "2023"  # a year alone is shown as given
    assert sv.ngettext("%(num)s dataset", "%(num)s datasets", 1) == "1 datamängd"
    assert sv.ngettext("%(num)s dataset", "%(num)s datasets", 1200) == "1\xa0200 datamängder"
    assert en.ngettext("%(num)s dataset", "%(num)s datasets", 2) == "2 datasets"


def _portal_msgids() -> set[str | tuple[str, ...]]:
    ids: set[str | tuple[str, ...]] = set()
    for name in PORTAL_TEMPLATES:
        for _, msg, _, _ in extract_from_file("jinja2", WEB / "templates" / name,
                                              keywords={"_": None, "ngettext": (1, 2)}):
            ids.add(msg if isinstance(msg, str) else tuple(msg))
    for name in PORTAL_MODULES:
        for _, msg, _, _ in extract_from_file("python", WEB / name, keywords={"N_": None}):
            ids.add(msg)
    return ids


def test_every_text_of_the_public_pages_has_a_swedish_translation():
    with (WEB / "locale" / "sv" / "LC_MESSAGES" / "portal.po").open("rb") as fh:
        catalogue = read_po(fh)
    translated = {(m.id if isinstance(m.id, str) else tuple(m.id)) for m in catalogue
                  if m.id and not m.fuzzy and all(m.string if isinstance(m.string, tuple) else (m.string,))}
    ids = _portal_msgids()
    assert len(ids) > 150  # the extraction found the templates' texts
    missing = sorted(map(str, ids - translated))
    assert not missing, missing


def test_templates_hold_no_untranslated_prose():
    """Text outside {{ }} in the public templates is markup, symbols or names, never a sentence."""
    import re

    for name in PORTAL_TEMPLATES:
        source = (WEB / "templates" / name).read_text(encoding="utf-8")
        stripped = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}|<[^>]*>", " ", source, flags=re.S)
        words = [w for w in re.findall(r"[A-Za-zÅÄÖåäö]{4,}", stripped)
                 if w not in {"datakatalog", "Svenska", "English", "JSON", "Turtle"}]
        assert not words, (name, words)
