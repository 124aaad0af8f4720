"""“Did you mean” (issue 16): corrections from the catalogue's own words, within edit distance 1–2,
å/ä/ö counting little, frequent words first; offered by the search service only when the query found
fewer than three datasets, each with the count it would find under the same filters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pytest
from sqlalchemy import Engine

from catalog.search import suggest, term_index
from catalog.search.query import SearchQuery, query_from_params
from catalog.search.searcher import searcher_for
from catalog.services.datasets import search_datasets
from tests.conftest import FixtureHTTPServer, HarvestFn

PREFIX = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<https://x.example/org/a> a foaf:Agent ; foaf:name "Göteborgs Stad"@sv .
"""
DATASETS = [("Hållplatser i Göteborg", "kollektivtrafik", "Busshållplatser med koordinater."),
            ("Bibliotek och öppettider", "bibliotek", "Stadens bibliotek i Göteborg."),
            ("Bibliotekets lån", "bibliotek", "Utlåning per bibliotek och månad."),
            ("Förskolor", "förskola", "Kommunala förskolor med adress."),
            ("Badplatser", "bad", "Badplatser och vattenkvalitet.")]


def catalogue() -> str:
    parts = [PREFIX]
    for i, (title, keyword, desc) in enumerate(DATASETS):
        parts.append(f'<https://x.example/d/{i}> a dcat:Dataset ; dct:title "{title}"@sv ; '
                     f'dcat:keyword "{keyword}"@sv ; dct:publisher <https://x.example/org/a> ; '
                     f'dct:description "{desc}"@sv .\n')
    return "".join(parts)


@pytest.fixture
def loaded(http_server: FixtureHTTPServer, add_source: Callable, harvest: HarvestFn, engine: Engine) -> Engine:
    add_source("few", http_server.set("few.ttl", catalogue()))
    assert harvest("few").added == len(DATASETS)
    return engine


def vocabulary_of(engine: Engine) -> suggest.Vocabulary:
    searcher = searcher_for(engine)
    terms = searcher.terms_for(searcher.index())
    assert terms is not None
    vocab = suggest.vocabulary_of(terms)
    assert vocab is not None  # a small vocabulary is built at once
    return vocab


def test_misspelt_words_are_corrected_from_the_catalogue(loaded: Engine) -> None:
    vocab = vocabulary_of(loaded)
    assert suggest.corrections(vocab, "bibliotk")[0] == "bibliotek"  # one letter left out
    assert suggest.corrections(vocab, "bilbiotek ")[0] == "bibliotek "  # two letters swapped: distance 2
    assert suggest.corrections(vocab, "hallplatsr")[0] == "hållplatser"  # å/ä/ö count little
    assert suggest.corrections(vocab, "Goteborj")[0] == "Göteborg"  # typed case kept
    # known words stay as written, and so does everything around the corrected word
    assert suggest.corrections(vocab, "badplatser bibliotk") == ["badplatser bibliotek"]
    assert suggest.corrections(vocab, '"bibliotk" -x') == ['"bibliotek" -x']
    assert suggest.corrections(vocab, "bibliotek") == []
    # a last word that only begins known words found little: corrected too
    assert suggest.corrections(vocab, "hållplatsr")[0] == "hållplatser"
    assert suggest.corrections(vocab, "xyzzyq") == []  # nothing close
    # a pasted text is not corrected word by word (each word costs milliseconds)
    assert suggest.corrections(vocab, "bibliotk " * 17) == []
    assert suggest.corrections(vocab, "bibliotk " * 16) == ["bibliotek " * 4 + "bibliotk " * 12]


def test_only_words_are_offered_not_stems(loaded: Engine) -> None:
    vocab = vocabulary_of(loaded)
    offered = vocab.offered()
    assert "bibliotek" in offered and "hållplatser" in offered
    assert "hållplat" not in offered  # a stem, in the index beside the words


def test_closer_then_more_frequent_first() -> None:
    words = ["bibliotek", "biblioteks", "bibliotekets", "kommun", "kommuner"]
    terms = term_index.TermIndex(
        generation=1, size=10, words=sorted(words), ptr=np.array([0, 5, 6, 7, 10, 11]),
        doc=np.arange(11, dtype=np.int32), bits=np.full(11, term_index.TITLE, dtype=np.uint8))
    vocab = suggest.vocabulary(terms)
    found = vocab.candidates("bibliotk")
    assert [w for w, _, _ in found][:2] == ["bibliotek", "biblioteks"]
    assert found[0][1] == 1  # edits
    assert vocab.candidates("komun")[0][0] == "kommun"  # 3 datasets against kommuner's 1, both one edit


def test_search_service_offers_suggestions_with_counts(loaded: Engine) -> None:
    answer = search_datasets(loaded, query_from_params({"q": ["bibliotk"]}))
    assert answer["total"] == 0
    assert answer["suggestions"] == [{"q": "bibliotek", "count": 2}]
    # a search that found enough has none; the filters hold for the count
    assert search_datasets(loaded, query_from_params({"q": ["bibliotek"]}))["suggestions"] == []
    filtered = search_datasets(loaded, query_from_params({"q": ["bibliotk"], "format": ["CSV"]}))
    assert filtered["suggestions"] == []  # bibliotek finds no CSV either: nothing better to offer


def test_quick_folding_agrees_with_folding() -> None:
    from catalog.search.folding import fold

    for word in ("hållplatser", "göteborg", "malmö", "café", "müller", "ærø", "straße", "plain"):
        assert suggest._fold(word) == fold(word), word


def test_a_large_vocabulary_is_built_in_the_background(loaded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    searcher = searcher_for(loaded)
    terms = searcher.terms_for(searcher.index())
    assert terms is not None
    monkeypatch.setattr(suggest, "BACKGROUND_WORDS", 0)
    monkeypatch.setattr(suggest, "_latest", None)
    assert suggest.vocabulary_of(terms) is None  # being built: this search goes without suggestions
    thread = suggest._building
    assert thread is not None
    thread.join(10)
    built = suggest.vocabulary_of(terms)
    assert built is not None
    # the next generation's is built in the background too, the previous one answering meanwhile
    newer = replace(terms, generation=terms.generation + 1)
    assert suggest.vocabulary_of(newer) is built
    thread = suggest._building
    assert thread is not None
    thread.join(10)
    assert suggest.vocabulary_of(newer) is not built


def test_no_suggestions_while_the_term_index_is_missing(loaded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    searcher = searcher_for(loaded)

    def building(idx: object, wait: bool = False) -> None:
        return None

    monkeypatch.setattr(searcher, "terms_for", building)
    assert suggest.suggestions(searcher, SearchQuery(q="bibliotk"), None, 0) == []
