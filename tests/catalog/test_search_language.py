"""Swedish-aware search: case, å/ä/ö, stems in Swedish and English, prefixes, phrases — on both databases."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from catalog.search.query import SearchQuery
from catalog.search.searcher import BM25_LIMIT, searcher_for
from catalog.services import datasets
from tests.conftest import FixtureHTTPServer, HarvestFn

CATALOG = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<https://x.example/org> a foaf:Agent ; foaf:name "Överförmyndarnämnden i Lund"@sv .
<https://x.example/d/1> a dcat:Dataset ; dct:title "Hållplatser i Skåne"@sv ;
    dct:description "Alla busshållplatser med läge och namn."@sv ; dct:publisher <https://x.example/org> .
<https://x.example/d/2> a dcat:Dataset ; dct:title "Badplatser"@sv , "Bathing sites"@en ;
    dct:description "Kommunens badplatser och vattenkvalitet."@sv ; dct:publisher <https://x.example/org> .
<https://x.example/d/3> a dcat:Dataset ; dct:title "School catchment areas"@en ;
    dct:description "Areas served by each school."@en ; dct:publisher <https://x.example/org> .
<https://x.example/d/4> a dcat:Dataset ; dct:title "Parkeringar"@sv ; dcat:keyword "parkering"@sv ;
    dct:description "Gatuparkering och avgifter i centrala staden."@sv ; dct:publisher <https://x.example/org> .
<https://x.example/d/5> a dcat:Dataset ; dct:title "Luftkvalitet vid hållplats Centralen"@sv ;
    dct:description "Mätningar av partiklar."@sv ; dct:publisher <https://x.example/org> .
<https://x.example/d/6> a dcat:Dataset ; dct:title "Har bibliotek öppet?"@sv ;
    dct:description "Öppettider."@sv ; dct:publisher <https://x.example/org> .
"""


@pytest.fixture(params=["database", "memory"])
def searched(request: pytest.FixtureRequest, http_server: FixtureHTTPServer, add_source: Callable,
             harvest: HarvestFn, engine: Engine) -> Callable[[str], list[str]]:
    """Titles found for a query, answered by the database's full-text index or, as for words that
    match much of a large catalogue, by the in-memory term index."""
    add_source("lang", http_server.set("lang.ttl", CATALOG))
    assert harvest("lang").added == 6
    searcher_for(engine).memory_threshold = -1 if request.param == "memory" else BM25_LIMIT

    def titles(q: str) -> list[str]:
        result = datasets.search_datasets(engine, SearchQuery(q=q, per_page=50))
        return sorted(item["title"] for item in result["items"])

    return titles


def test_swedish_letters_fold_case_but_stay_letters(searched: Callable[[str], list[str]]) -> None:
    assert searched("överförmyndarnämnden i lund") == searched("ÖVERFÖRMYNDARNÄMNDEN I LUND") != []
    # "här" is not "har": å, ä and ö are letters of their own
    assert searched("här") == []
    assert searched("har") == ["Har bibliotek öppet?"]


def test_singular_finds_plural_and_plural_finds_singular(searched: Callable[[str], list[str]]) -> None:
    assert "Hållplatser i Skåne" in searched("hållplats")
    assert "Luftkvalitet vid hållplats Centralen" in searched("hållplatser")
    assert searched("badplats ") == ["Badplatser"]
    assert searched("parkering ") == ["Parkeringar"]


def test_english_stems(searched: Callable[[str], list[str]]) -> None:
    assert searched("schools ") == ["School catchment areas"]
    assert searched("bathing site ") == ["Badplatser"]


def test_last_word_matches_as_a_prefix_while_typing(searched: Callable[[str], list[str]]) -> None:
    assert searched("luftkv") == ["Luftkvalitet vid hållplats Centralen"]
    assert searched("luftkv ") == []  # a finished word is not a prefix


def test_quoted_phrase_matches_words_in_order(searched: Callable[[str], list[str]]) -> None:
    assert searched('"hållplats centralen"') == ["Luftkvalitet vid hållplats Centralen"]
    assert searched('"centralen hållplats"') == []


def test_title_outranks_description(engine: Engine, searched: Callable[[str], list[str]]) -> None:
    result = datasets.search_datasets(engine, SearchQuery(q="hållplatser"))
    assert result["items"][0]["title"] == "Hållplatser i Skåne"
