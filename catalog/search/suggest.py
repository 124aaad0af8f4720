"""“Did you mean”: spelling corrections for a search that found few or no datasets (issue 16).

Corrections come from the catalogue's own vocabulary: the words of titles, keywords, descriptions
and publisher names in the in-memory term index (catalog.search.term_index), without the stems,
folded forms and compound parts the index adds beside them. A query word is corrected when the
index knows neither it nor any of its stems as a whole word: a last word that only begins some
("hållplatsr" of "hållplatsregister") is corrected too, since the search found little with it.

Candidates are vocabulary words within edit distance 1 (words of up to four letters) or 2, counted
on the folded forms (catalog.search.folding) by RapidFuzz's Levenshtein distance: an edit that only
adds or drops the marks of å, ä, ö costs a quarter, so "Goteborj" finds "göteborg" first. The
number of datasets a word is in breaks near ties: a tenth of an edit for every tenfold. The vocabulary is bucketed by
the folded length and by the first and by the last letter, so a word is compared only with words at
most two letters longer or shorter that share its first or its last letter (a typo at both ends is
not corrected): benchmarks/suggest.py has the figures.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from bisect import bisect_left
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from catalog.search import term_index
from catalog.search.folding import fold
from catalog.search.stemming import word_stems

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from catalog.search.query import SearchQuery
    from catalog.search.searcher import Searcher

log = logging.getLogger(__name__)

_TOKEN = re.compile(r"\w+", re.UNICODE)
MIN_WORD = 3  # shorter words are not corrected, nor offered
MAX_WORD = 30
FOLD_COST = 0.25  # an edit that only adds or drops a diacritic
CANDIDATES = 3  # per word
MAX_QUERY_WORDS = 16  # a longer query gets no corrections (a word costs 1–10 ms to correct)
MAX_CORRECTED = 4  # words corrected in one query
_WORD_FIELDS = term_index.TITLE | term_index.KEYWORDS | term_index.DESCRIPTION | term_index.PUBLISHER


Bucket = tuple[list[str], list[str], list[int]]  # folded words, the words, datasets each occurs in


@dataclass(slots=True)
class Vocabulary:
    """The words of one term index that can be offered, bucketed by folded length and by first and
    by last letter: a word with a typo keeps its length within two and one of its ends, and a bucket
    holds a few thousand words where a length alone holds tens of thousands."""

    generation: int
    size: int
    words: list[str]  # every term of the index, sorted (to tell known words)
    by_first: dict[tuple[int, str], Bucket]
    by_last: dict[tuple[int, str], Bucket]

    def known(self, word: str) -> bool:
        """Whether the index holds ``word``."""
        i = bisect_left(self.words, word)
        return i < len(self.words) and self.words[i] == word

    def offered(self) -> set[str]:
        return {w for _, words, _ in self.by_first.values() for w in words}

    def candidates(self, word: str, limit: int = CANDIDATES) -> list[tuple[str, float, int]]:
        """(word, cost, datasets) of the closest vocabulary words, best first."""
        folded = _fold(word)
        if not folded:
            return []
        most = 1 if len(folded) <= 4 else 2
        seen: dict[str, tuple[float, int]] = {}
        for length in range(len(folded) - most, len(folded) + most + 1):
            for buckets, key in ((self.by_first, (length, folded[0])), (self.by_last, (length, folded[-1]))):
                bucket = buckets.get(key)
                if bucket is None:
                    continue
                folds, originals, counts = bucket
                distances = process.cdist([folded], folds, scorer=Levenshtein.distance, score_cutoff=most,
                                          dtype=np.int32)[0]
                for at in np.flatnonzero(distances <= most).tolist():
                    original = originals[at]
                    if original == word or original in seen:
                        continue
                    distance = int(distances[at])
                    cost = distance + FOLD_COST * (Levenshtein.distance(word, original) - distance)
                    if cost <= most:
                        seen[original] = (cost, counts[at])
        ranked = sorted(seen.items(), key=lambda kv: (kv[1][0] - 0.1 * math.log10(kv[1][1] + 1), kv[0]))
        return [(w, cost, n) for w, (cost, n) in ranked[:limit]]


# the letters of Swedish words folded without Unicode decomposition (a vocabulary of 250,000 words
# folds in 0.3 s instead of 1.3 s); any other letter goes through fold() itself
_QUICK = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "è": "e", "ü": "u", "á": "a", "à": "a"})


def _fold(word: str) -> str:
    """fold(word) for a lower-case word."""
    if word.isascii():
        return word
    quick = word.translate(_QUICK)
    return quick if quick.isascii() else fold(word)


def vocabulary(terms: term_index.TermIndex) -> Vocabulary:
    """The offerable words of a term index with the datasets each occurs in."""
    counts = np.diff(terms.ptr)
    fields = np.zeros(len(terms.words), dtype=np.uint8)
    nonempty = np.flatnonzero(counts > 0)
    if len(nonempty):
        fields[nonempty] = np.bitwise_or.reduceat(terms.bits, terms.ptr[nonempty])
    by_first: dict[tuple[int, str], Bucket] = {}
    by_last: dict[tuple[int, str], Bucket] = {}
    words = terms.words
    for i, n in zip(np.flatnonzero(fields & _WORD_FIELDS).tolist(),
                    counts[fields & _WORD_FIELDS != 0].tolist(), strict=True):
        word = words[i]
        if not (MIN_WORD <= len(word) <= MAX_WORD) or not word.isalpha():
            continue
        folded = _fold(word)
        for buckets, key in ((by_first, (len(folded), folded[0])), (by_last, (len(folded), folded[-1]))):
            bucket = buckets.get(key)
            if bucket is None:
                bucket = buckets[key] = ([], [], [])
            bucket[0].append(folded)
            bucket[1].append(word)
            bucket[2].append(n)
    return Vocabulary(terms.generation, terms.size, terms.words, by_first, by_last)


BACKGROUND_WORDS = 50_000  # a larger vocabulary is built in a thread (about a second per 100,000 words)
_latest: Vocabulary | None = None
_building: threading.Thread | None = None
_lock = threading.Lock()


def vocabulary_of(terms: term_index.TermIndex, *, wait: bool = False) -> Vocabulary | None:
    """The vocabulary of ``terms`` (the process keeps the latest). A small one is built at once; a
    large one in a thread, while searches use the previous generation's (its words are nearly all
    still there, and every correction offered is counted anew) or, in a new process, none."""
    global _latest, _building

    def current(found: Vocabulary | None) -> bool:
        return found is not None and found.words is terms.words and found.generation == terms.generation \
            and found.size == terms.size

    def build() -> None:
        global _latest
        try:
            found = vocabulary(terms)
            with _lock:
                _latest = found
        except Exception:  # searches go on without suggestions; the next generation tries again
            log.exception("building the suggestion vocabulary failed")

    if current(_latest):
        return _latest
    if len(terms.words) < BACKGROUND_WORDS or wait:
        build()
        return _latest if current(_latest) else None
    with _lock:
        if current(_latest):
            return _latest
        if _building is None or not _building.is_alive():
            _building = threading.Thread(target=build, daemon=True, name="datakatalog-suggest-vocabulary")
            _building.start()
        return _latest


def suggestions(searcher: Searcher, query: SearchQuery, conn: Connection | None, total: int,
                limit: int = 3) -> list[dict[str, Any]]:
    """“Did you mean” for a search that found ``total`` datasets: corrected queries that find more
    with the same filters, each with its count; none while the term index is being built."""
    if not query.q:
        return []
    terms = searcher.terms_for(searcher.index(conn))
    if terms is None:
        return []
    vocab = vocabulary_of(terms)
    if vocab is None:
        return []
    out = []
    for q in corrections(vocab, query.q, limit):
        found = searcher.search(replace(query, q=q, page=1, per_page=1, facet_limit=1), conn).total
        if found > total:
            out.append({"q": q, "count": found})
    return out


def _cased(word: str, like: str) -> str:
    """``word`` in the case ``like`` was typed in: "Goteborg" → "Göteborg", "GTSF" → "GTFS"."""
    if like.isupper() and len(like) > 1:
        return word.upper()
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


def corrections(vocab: Vocabulary, q: str, limit: int = 3) -> list[str]:
    """Queries like ``q`` with its unknown words corrected, most likely first (the words it knows
    and everything between words, quotes and operators included, kept as written)."""
    tokens = list(_TOKEN.finditer(q))
    if len(tokens) > MAX_QUERY_WORDS:  # a pasted text, not a search typed: no corrections
        return []
    options: dict[int, list[str]] = {}  # token index -> its candidates
    for i, m in enumerate(tokens):
        word = m.group().lower()
        if len(word) < MIN_WORD or not word.isalpha():
            continue
        if vocab.known(word) or any(vocab.known(s) for s in word_stems(word)):
            continue
        found = vocab.candidates(word)
        if found:
            options[i] = [w for w, _, _ in found]
            if len(options) == MAX_CORRECTED:
                break
    if not options:
        return []

    def rewrite(choice: dict[int, str]) -> str:
        out, last = [], 0
        for i, m in enumerate(tokens):
            if i in choice:
                out += [q[last:m.start()], _cased(choice[i], m.group())]
                last = m.end()
        out.append(q[last:])
        return "".join(out)

    best = {i: words[0] for i, words in options.items()}
    queries = [rewrite(best)]
    for i, words in options.items():  # then one word at a time changed to its next candidates
        for alternative in words[1:]:
            queries.append(rewrite({**best, i: alternative}))
    return list(dict.fromkeys(queries))[:limit]
