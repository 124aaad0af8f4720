"""Highlighted matches (issue 16): the words a query matched, marked in a result's title and a
snippet of its description; the text escaped, only <mark> added."""

from __future__ import annotations

from catalog.search.highlight import Matcher, for_query, highlight, mark, snippet


def test_words_stems_prefixes_folds_and_compound_parts_are_marked() -> None:
    assert mark("Hållplatser i Umeå", Matcher("hållplats ")) == "<mark>Hållplatser</mark> i Umeå"  # stem
    assert mark("Cykelstråk och cykelpumpar", Matcher("cyk")) == "<mark>Cykelstråk</mark> och <mark>cykelpumpar</mark>"
    assert mark("Luftkvalitet i Malmö", Matcher("Malmo ")) == "Luftkvalitet i <mark>Malmö</mark>"  # folded
    assert mark("Badplatser och badvattenkvalitet", Matcher("vatten ")) == \
        "Badplatser och <mark>badvattenkvalitet</mark>"  # a part of a compound
    assert mark("Busshållplatser", Matcher("hallplatser ")) == "<mark>Busshållplatser</mark>"
    assert mark("Samtrafikens hållplatsregister", Matcher("hållplatser ")) == \
        "Samtrafikens <mark>hållplatsregister</mark>"  # a long stem as a part


def test_other_words_are_left_alone() -> None:
    assert mark("Badplatser och vatten", Matcher("cykel ")) == "Badplatser och vatten"
    # a word being typed is a prefix; a finished one (space after it) is not
    assert mark("Bad och badplatser", Matcher("bad ")) == "<mark>Bad</mark> och badplatser"
    assert mark("Bad och badplatser", Matcher("bad")) == "<mark>Bad</mark> och <mark>badplatser</mark>"
    # short words are not looked for inside others
    assert mark("Elbil och el", Matcher("el ")) == "Elbil och <mark>el</mark>"


def test_phrases_and_expansions_are_marked() -> None:
    assert mark("Kommer från kommunen", Matcher('"kommer från"')) == "<mark>Kommer</mark> <mark>från</mark> kommunen"
    assert mark("Badplatser i Uppsala", Matcher("swimming ", extra=["badplatser"])) == \
        "<mark>Badplatser</mark> i Uppsala"


def test_text_is_escaped_and_only_mark_is_added() -> None:
    title = 'Badplatser <script>alert("x")</script> & <mark>'
    out = mark(title, Matcher("script badplatser"))
    assert out == ('<mark>Badplatser</mark> &lt;<mark>script</mark>&gt;alert("x")&lt;/<mark>script</mark>&gt; '
                   '&amp; &lt;mark&gt;')
    assert "<script" not in out


def test_snippet_shows_the_text_around_the_first_match() -> None:
    text = "Inledning " * 40 + "Mätvärden från Malmö stad. " + "Avslutning " * 40
    out = snippet(text, Matcher("malmö "))
    assert "<mark>Malmö</mark>" in out
    assert out.startswith("… ") and out.endswith(" …")
    plain = out.replace("<mark>", "").replace("</mark>", "")
    assert len(plain) <= 250
    # without a match: the beginning, cut between words
    start = snippet(text, Matcher("cykel "))
    assert start.startswith("Inledning") and start.endswith(" …") and "<mark>" not in start
    assert snippet("Kort text om bad.", Matcher("bad ")) == "Kort text om <mark>bad</mark>."


def test_highlight_field() -> None:
    assert highlight("Badplatser", None, Matcher("bad")) == {"title": "<mark>Badplatser</mark>", "description": None}
    assert highlight(None, "Bad", Matcher("x")) == {"title": None, "description": "Bad"}


def test_words_of_the_expanded_query_are_marked() -> None:
    # the searcher finds Swedish datasets for English words through the glossary: they are marked too
    assert mark("Badplatser i Uppsala", for_query("swimming")) == "<mark>Badplatser</mark> i Uppsala"
    assert mark("Snöröjning och halkbekämpning", for_query("snow clearing")) == \
        "<mark>Snöröjning</mark> och <mark>halkbekämpning</mark>"
