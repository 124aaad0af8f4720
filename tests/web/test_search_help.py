"""The results page helps (issue 16): matched words are marked in titles and descriptions (escaped: a
title holding <script> shows it as text), and a search that found little offers “Menade du …?” /
“Did you mean …?” links that keep the filters — a zero-result search is no dead end."""

from __future__ import annotations

import pytest

from tests.api.test_search_help import TTL
from tests.web.dom import parse

HTML = {"Accept": "text/html"}


@pytest.fixture
def harvested(http_server, add_source, harvest):
    add_source("help", http_server.set("help.ttl", TTL))
    assert harvest("help").added == 3


def test_matched_words_are_marked_and_the_rest_escaped(client, harvested) -> None:
    resp = client.get("/datasets", params={"q": "badplatser"}, headers=HTML)
    assert resp.status_code == 200
    assert "<script>alert(1)" not in resp.text
    doc = parse(resp.text)
    [result] = doc.find_all("li", class_="result")
    title = result.find("h3", class_="result-title")
    assert [m.text for m in title.find_all("mark")] == ["Badplatser"]
    assert "<script>alert(1)</script>" in title.text  # shown as text
    description = result.find("p", class_="result-description")
    assert [m.text for m in description.find_all("mark")] == ["badplatser"]
    # without words nothing is marked
    assert not parse(client.get("/datasets", headers=HTML).text).find_all("mark")


@pytest.mark.parametrize(("lang", "phrase"), [("sv", "Menade du"), ("en", "Did you mean")])
def test_zero_results_offer_a_corrected_search(client, harvested, lang: str, phrase: str) -> None:
    resp = client.get("/datasets", params={"q": "cykelparkeringr", "lang": lang, "sort": "title"}, headers=HTML)
    doc = parse(resp.text)
    offer = doc.find("p", class_="did-you-mean")
    assert offer.text.startswith(phrase)
    [link] = offer.find_all("a")
    assert link.text == "cykelparkeringar"
    assert link.get("href") == "/datasets?q=cykelparkeringar&lang=" + lang + "&sort=title"
    followed = parse(client.get(link.get("href") or "", headers=HTML).text)
    assert followed.find_all("li", class_="result") or followed.find("div", class_="no-results")


def test_no_offer_when_the_search_found_enough(client, harvested) -> None:
    doc = parse(client.get("/datasets", params={"q": "cykelparkeringar"}, headers=HTML).text)
    assert not doc.find_all("p", class_="did-you-mean")
