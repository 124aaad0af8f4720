"""Swedish and English stems for the full-text index (Snowball, through PyStemmer when installed).

Snowball's Swedish stemmer drops a final -s only in some forms ("hållplatser" → "hållplats", but
"hållplats" → "hållplat"), so a word is indexed and queried under its stem *and* the stem of its
stem; two forms match when they share one. English stems are added alongside. The same stems go
into SQLite's FTS5 table and PostgreSQL's tsvector, so both databases find the same datasets.
A Swedish noun made of a verb with -ning also gets the verb's stem ("laddning" → "ladd"), which is
how compounds begin ("laddplats").

The stems field also holds what only the index needs (:func:`text_stems`): the parts of compounds
(catalog.search.compounds) and the folded form (catalog.search.folding) of every word, stem and part
with å, ä, ö or another letter that folds. A query word is matched in every field as typed, so
"vatten" finds "badvattenkvalitet" and "goteborg" finds "Göteborg", in the field that weighs least.
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

from catalog.search.compounds import parts
from catalog.search.folding import fold

_TOKEN = re.compile(r"\w+", re.UNICODE)
_SV = snowballstemmer.stemmer("swedish")
_EN = snowballstemmer.stemmer("english")


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens (letters of every alphabet, digits)."""
    return _TOKEN.findall(text.lower())


@lru_cache(maxsize=200_000)
def word_stems(word: str) -> tuple[str, ...]:
    """The stems a word is indexed and searched under (without the word itself)."""
    word = word.lower()
    sv1 = _SV.stemWord(word)
    sv2 = _SV.stemWord(sv1)
    en = _EN.stemWord(word)
    verb = word[:-4] if word.endswith("ning") and len(word) >= 8 else ""  # laddning -> ladd (ladda)
    return tuple(dict.fromkeys(s for s in (sv1, sv2, en, verb) if s and len(s) > 1))


@lru_cache(maxsize=200_000)
def word_variants(word: str, stemmed: bool = True) -> tuple[str, ...]:
    """What the index holds for a word besides the word itself: its stems (if ``stemmed``), the
    parts of a compound with their stems, and the folded form of all of these and of the word."""
    word = word.lower()
    out: dict[str, None] = dict.fromkeys(word_stems(word)) if stemmed else {}
    for part in parts(word):
        out[part] = None
        for stem in word_stems(part):
            out[stem] = None
    for form in (word, *out):
        folded = fold(form)
        if folded != form:
            out[folded] = None
    if not stemmed:
        out.pop(word, None)  # a description's word is in its own field already
    return tuple(out)


_STEMMED: dict[str, tuple[str, ...]] = {}  # a title's or keyword's word -> its forms in the index
_UNSTEMMED: dict[str, tuple[str, ...]] = {}  # a description's word -> its forms (most have none)


def text_stems(*texts: str, unstemmed: str = "") -> str:
    """What the stems field holds for some texts, space-separated: every distinct stem, compound
    part and folded form of their words (:func:`word_variants`); the words of ``unstemmed`` (a
    description) give their parts and folded forms only.

    Runs for every stored dataset, so it avoids per-word function calls: plain dicts cache the
    forms of every word seen (a catalogue's vocabulary is small).
    """
    if len(_STEMMED) + len(_UNSTEMMED) > 500_000:
        _STEMMED.clear()
        _UNSTEMMED.clear()
    seen: set[str] = set()
    stemmed = set(_TOKEN.findall(" ".join(texts).lower()))
    for cache, words, stem in ((_STEMMED, stemmed, True),
                               (_UNSTEMMED, set(_TOKEN.findall(unstemmed.lower())) - stemmed, False)):
        get = cache.get
        for word in words:
            forms = get(word)
            if forms is None:
                forms = cache[word] = word_variants(word, stem)
            if forms:
                seen.update(forms)
    return " ".join(sorted(seen))
