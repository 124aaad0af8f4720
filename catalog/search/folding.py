"""Folding: a word written without its Swedish (or other) letters, as many keyboards type it.

å, ä and ö are letters of their own in Swedish, so the full-text index keeps them (FTS5's
``remove_diacritics 0``, PostgreSQL's ``simple`` configuration) and ranks a word as written. The
folded form of every indexed word that has such a letter ("göteborg" → "goteborg", "hållplatser" →
"hallplatser") is added to the low-weight stems field as well (catalog.search.stemming), so a query
without the letters still finds it, below the datasets where it matches as typed.
docs/decisions/0005-search-linguistics.md has the reasons.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# letters that are no base letter plus a combining mark, so NFD leaves them whole
_SPECIAL = str.maketrans({"æ": "ae", "ø": "o", "ß": "ss", "œ": "oe", "ð": "d", "þ": "th", "ł": "l", "đ": "d",
                          "ı": "i"})


@lru_cache(maxsize=100_000)
def fold(word: str) -> str:
    """``word`` without diacritics, lower-cased: å/ä → a, ö → o, é → e, ü → u, æ → ae, ø → o, ß → ss."""
    word = word.lower()
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFD", word.translate(_SPECIAL))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def folds(word: str) -> bool:
    """Whether folding changes ``word`` (it has a letter beyond ASCII that folds)."""
    return not word.isascii() and fold(word) != word.lower()
