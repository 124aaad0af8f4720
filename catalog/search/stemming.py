"""Swedish and English stems for the full-text index (Snowball, through PyStemmer when installed).

Snowball's Swedish stemmer drops a final -s only in some forms ("hållplatser" → "hållplats", but
"hållplats" → "hållplat"), so a word is indexed and queried under its stem *and* the stem of its
stem; two forms match when they share one. English stems are added alongside. The same stems go
into SQLite's FTS5 table and PostgreSQL's tsvector, so both databases find the same datasets.
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

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
    return tuple(dict.fromkeys(s for s in (sv1, sv2, en) if s and len(s) > 1))


_CACHE: dict[str, tuple[str, ...]] = {}


def text_stems(*texts: str) -> str:
    """Every distinct stem of the words of some texts, space-separated (for the index).

    Runs for every stored dataset, so it avoids per-word function calls: a plain dict caches
    the stems of every word seen (a catalogue's vocabulary is small).
    """
    cache = _CACHE
    if len(cache) > 500_000:
        cache.clear()
    seen: dict[str, None] = {}
    for word in set(_TOKEN.findall(" ".join(texts).lower())):
        stems = cache.get(word)
        if stems is None:
            stems = cache[word] = word_stems(word)
        for stem in stems:
            seen[stem] = None
    return " ".join(sorted(seen))
