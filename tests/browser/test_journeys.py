"""The portal's three journeys end to end in a real browser, with axe on every page they pass.

A developer searches, narrows by a facet and opens a dataset; an organiser adds it to a list,
downloads the list and opens its hand-out; an agency signs in to the console, registers a source with a
preview, harvests it, reads the report and confirms a held run. Every page is checked by axe (WCAG 2.1
A and AA) and photographed into artifacts/screenshots/.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import Portal, axe_violations, shoot
from tests.conftest import FixtureHTTPServer, serving

pytestmark = pytest.mark.browser


def checked(page: Any, name: str) -> None:
    """The page has no axe violations; a screenshot of it is kept."""
    shoot(page, name)
    violations = axe_violations(page)
    assert violations == [], f"{name}: {violations}"


def _dataset_turtle(n: int) -> str:
    lines = ["@prefix dcat: <http://www.w3.org/ns/dcat#> .", "@prefix dct: <http://purl.org/dc/terms/> .",
             "@prefix foaf: <http://xmlns.com/foaf/0.1/> .", "",
             "<https://uppsala.example.se/catalog> a dcat:Catalog ;",
             '  dct:title "Uppsala kommuns data"@sv ;',
             "  dct:publisher <https://uppsala.example.se/org> ;",
             "  dcat:dataset " + ", ".join(f"<https://uppsala.example.se/ds/{i}>" for i in range(n)) + " .",
             '<https://uppsala.example.se/org> a foaf:Agent ; foaf:name "Uppsala kommun"@sv .']
    for i in range(n):
        lines += [f"<https://uppsala.example.se/ds/{i}> a dcat:Dataset ;",
                  f'  dct:title "Lekplatser del {i}"@sv ;',
                  f'  dct:description "Lekplatser i Uppsala, del {i}."@sv ;',
                  "  dct:publisher <https://uppsala.example.se/org> ;",
                  "  dcat:theme <http://publications.europa.eu/resource/authority/data-theme/SOCI> ;",
                  f"  dcat:distribution <https://uppsala.example.se/ds/{i}/csv> .",
                  f"<https://uppsala.example.se/ds/{i}/csv> a dcat:Distribution ;",
                  f"  dcat:accessURL <https://uppsala.example.se/files/{i}.csv> ;",
                  "  dct:format <http://publications.europa.eu/resource/authority/file-type/CSV> ."]
    return "\n".join(lines) + "\n"


@pytest.fixture
def shrinking_source() -> Iterator[FixtureHTTPServer]:
    """A DCAT file of four datasets, which the test later shrinks to one (a run that would withdraw 75 %)."""
    with serving(FixtureHTTPServer()) as server:
        server.set("uppsala.ttl", _dataset_turtle(4))
        yield server


def _first_dataset_id(portal: Portal) -> str:
    from catalog.search.query import parse_query
    from catalog.services.datasets import search_datasets

    return str(search_datasets(portal.engine, parse_query(q="badplatser"))["items"][0]["id"])


def test_developer_and_organiser_journey(page: Any, portal: Portal) -> None:
    page.goto(portal.url + "/")
    assert page.locator("html").get_attribute("lang") == "sv"
    checked(page, "home-sv")

    search = page.locator("form[role=search] input[name=q]").first
    search.fill("badplatser")
    search.press("Enter")
    page.wait_for_url(re.compile(r"/datasets\?q=badplatser"))
    assert page.locator("ul.results > li").count() >= 1
    checked(page, "datasets-sv")

    # narrow by a facet value; the search text stays, and the filter can be removed again
    page.locator("section.facet li:not(.selected) a").first.click()
    page.wait_for_load_state()
    assert "q=badplatser" in page.url and re.search(r"[?&](type|access|theme|publisher|format|license|keyword|"
                                                     r"source)=", page.url)
    assert page.locator(".active-filters a").count() >= 1
    checked(page, "datasets-filtered-sv")

    page.locator("ul.results > li h3 a").first.click()
    page.wait_for_url(re.compile(r"/datasets/[^?]+$"))
    assert page.locator("h1").count() == 1
    checked(page, "dataset-sv")

    page.locator("form[action='/lists/add'] button").click()
    page.wait_for_load_state()
    page.locator(".notice a[href^='/lists/']").first.click()
    page.wait_for_url(re.compile(r"/lists/[^/?]+$"))
    assert page.locator(".results li, ol li, ul li").filter(has=page.locator("h3 a")).count() >= 1
    checked(page, "list-sv")

    csv_link = page.locator("a[href*='/export?format=csv']")
    response = page.request.get(portal.url + csv_link.get_attribute("href"))
    assert response.status == 200 and "text/csv" in response.headers["content-type"]
    assert "title" in response.text().splitlines()[0]

    page.locator("a[href$='/print']").click()
    page.wait_for_url(re.compile(r"/print$"))
    assert page.locator("nav.site-nav").count() == 0 or not page.locator("nav.site-nav").is_visible()
    checked(page, "list-print-sv")


def test_search_facets_and_paging_by_keyboard_alone(page: Any, portal: Portal) -> None:
    page.goto(portal.url + "/datasets")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"
    page.keyboard.press("Enter")
    # Tab on to the search field, type, submit with Enter
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "q":
            break
    else:
        pytest.fail("the search field cannot be reached with Tab")
    page.keyboard.type("data")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=data"))
    # Tab to the first facet value link and follow it with Enter
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('section.facet') && "
                         "document.activeElement.tagName === 'A'"):
            break
    else:
        pytest.fail("no facet link can be reached with Tab")
    # a visible focus indicator: an outline, or the ring (box-shadow) that links use instead
    focus = page.evaluate("(() => { const s = getComputedStyle(document.activeElement);"
                          " return [s.outlineStyle, s.boxShadow]; })()")
    assert focus[0] not in ("none", "") or focus[1] not in ("none", ""), f"no visible focus: {focus}"
    before = page.url
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: url != before)
    assert page.locator(".active-filters a").count() >= 1


def test_language_switch_and_every_public_page_in_both_languages(page: Any, portal: Portal) -> None:
    dataset_id = _first_dataset_id(portal)
    publisher = page.request.get(f"{portal.url}/api/datasets/{dataset_id}").json()["publisher"]["id"]
    pages = {"home": "/", "datasets": "/datasets?q=hållplatser", "dataset": f"/datasets/{dataset_id}",
             "publishers": "/publishers", "publisher": f"/publishers/{publisher}", "list-new": "/lists/new",
             "console-sign-in": "/console", "no-results": "/datasets?q=zzzxqy",
             "did-you-mean": "/datasets?q=hållplatsr"}  # no results, a corrected search offered (issue 16)
    page.goto(portal.url + "/")
    page.locator(".lang-switch a[hreflang=en]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    for lang in ("en", "sv"):
        for name, path in pages.items():
            sep = "&" if "?" in path else "?"
            page.goto(f"{portal.url}{path}{sep}lang={lang}")
            assert page.locator("html").get_attribute("lang") == lang, name
            assert page.locator("h1").count() == 1, name
            if name == "did-you-mean":
                assert page.locator(".did-you-mean a").count() >= 1, "no corrected search offered"
            checked(page, f"{name}-{lang}")
    page.goto(portal.url + "/datasets")  # the cookie keeps the last choice
    assert page.locator("html").get_attribute("lang") == "sv"


def test_pages_fit_a_360_px_wide_screen(page: Any, portal: Portal) -> None:
    dataset_id = _first_dataset_id(portal)
    page.set_viewport_size({"width": 360, "height": 780})
    for name, path in {"home": "/", "datasets": "/datasets?q=data", "dataset": f"/datasets/{dataset_id}",
                       "publishers": "/publishers", "console": "/console"}.items():
        for lang in ("sv", "en"):
            page.goto(f"{portal.url}{path}{'&' if '?' in path else '?'}lang={lang}")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, f"{name} ({lang}) is {width} px wide at 360 px"
            shoot(page, f"{name}-{lang}-360")
            assert axe_violations(page) == [], name


def test_agency_journey_register_preview_harvest_and_confirm_a_held_run(
        page: Any, portal: Portal, shrinking_source: FixtureHTTPServer) -> None:
    page.goto(portal.url + "/console?lang=en")
    checked(page, "console-sign-in-en")
    page.fill("#token", portal.org_token)
    page.locator("form[action='/console/sign-in'] button").click()
    page.wait_for_load_state()
    assert portal.org_token not in page.content() and portal.org_token not in page.url
    checked(page, "console-home-en")

    page.goto(portal.url + "/console/sources/new")
    page.fill("#name", "uppsala-lekplatser")
    page.select_option("#kind", "dcat")
    page.fill("#url", shrinking_source.url("uppsala.ttl"))
    page.locator("form[action='/console/sources/preview'] button[type=submit]").click()
    page.wait_for_load_state()
    assert "Lekplatser del" in page.content()  # the preview's sample
    checked(page, "console-preview-en")
    page.locator("form.save-form button").click()
    page.wait_for_url(re.compile(r"/console/sources/\d+"))
    checked(page, "console-source-en")

    def harvest_and_wait() -> None:
        page.locator("form[action$='/harvest'] button").first.click()
        page.wait_for_url(re.compile(r"/console/jobs/\d+"))
        deadline = time.monotonic() + 60
        while page.locator("[data-live-job]").count():
            assert time.monotonic() < deadline, "the harvest did not finish"
            time.sleep(0.5)
            page.reload()

    harvest_and_wait()
    assert "Succeeded" in page.content() or "succeeded" in page.content()
    checked(page, "console-job-en")

    # the source now lists one of its four datasets: the run holds three withdrawals for confirmation
    shrinking_source.set("uppsala.ttl", _dataset_turtle(1))
    page.locator(".lead a[href^='/console/sources/']").click()
    page.wait_for_url(re.compile(r"/console/sources/\d+$"))
    harvest_and_wait()
    assert page.locator("section.decision").count() == 1
    checked(page, "console-held-en")
    page.locator("form[action$='/confirm'] button").click()
    page.wait_for_load_state()
    assert "confirmed" in page.content().lower()

    from catalog.search.query import parse_query
    from catalog.services.datasets import search_datasets

    gone = search_datasets(portal.engine, parse_query(q="lekplatser", status="withdrawn"))
    assert gone["total"] == 3

    page.goto(portal.url + "/console/quality")
    checked(page, "console-quality-en")


def test_docs_and_redoc_load_without_the_internet(page: Any, portal: Portal) -> None:
    # everything the pages need comes from the app; ReDoc's sidebar logo points at its CDN, which the
    # CSP's img-src blocks (the image hides itself), so only scripts, styles, fonts and fetches count here
    needed = {"script", "stylesheet", "font", "fetch", "xhr", "document"}
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url)
            if r.resource_type in needed and not r.url.startswith(portal.url) else None)
    page.goto(portal.url + "/docs")
    page.wait_for_selector(".swagger-ui .info", timeout=20_000)
    shoot(page, "docs")
    page.goto(portal.url + "/redoc")
    page.wait_for_selector("[role=navigation], .api-content", timeout=20_000)
    shoot(page, "redoc")
    assert [u for u in outside if not u.startswith(("data:", "blob:"))] == []
    assert page.locator(".api-content").count() == 1
