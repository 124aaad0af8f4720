"""A text query's matches over the whole catalogue, as the searcher filters, ranks and pages them.

Matches come in two forms. From the database's full-text index (few matches, or any while the term
index is built) they are listed: positions and scores (BM25 or PostgreSQL's rank). From the term index
(catalog.search.term_index) they are a byte a dataset (:meth:`TermIndex.codes`): whether it matches
and which ranked fields every word occurs in (scored title 10, keywords 4, publisher 2, plus 1), so
a query's score is one of eight values, and a larger code is a larger score.
A word in most of a million datasets has some 600,000 postings; listing its matches as positions
and scores, then spreading them back over the catalogue as a mask and a score per dataset, cost
several passes of that size (0010). :class:`Coded` keeps the byte a dataset throughout: the mask is one
comparison, and only the hits' scores are looked up, in a table of 256.

The synonyms and translations of a query (catalog.search.expansion) are ranked in tiers below it:
:func:`combine_coded` does with the bytes what :func:`catalog.search.expansion.combine` does with
lists, with the same floating-point scores, so both give one order.
"""

from __future__ import annotations

import numpy as np

from catalog.search.term_index import CODE_KEYWORDS, CODE_PUBLISHER, CODE_TITLE, FOUND

CODES_A_TIER = 8  # the codes of one query: FOUND with any of the three ranked fields


def _field_scores() -> np.ndarray:
    """The score of each code of :meth:`TermIndex.codes`: 0 without FOUND, else 1 + 10 (title) +
    4 (keywords) + 2 (publisher), added in that order as floats, as the listed form adds them."""
    out = np.zeros(256, dtype=np.float64)
    for code in range(FOUND, 256):
        score = 1.0
        for bit, weight in ((CODE_TITLE, 10.0), (CODE_KEYWORDS, 4.0), (CODE_PUBLISHER, 2.0)):
            if code & bit:
                score += weight
        out[code] = score
    return out


FIELD_SCORES = _field_scores()


class Listed:
    """Matches as positions (distinct) and scores."""

    __slots__ = ("_score", "positions", "scores", "size")

    def __init__(self, positions: np.ndarray, scores: np.ndarray, size: int) -> None:
        self.positions, self.scores, self.size = positions, scores, size
        self._score: np.ndarray | None = None

    def mask(self) -> np.ndarray:
        out = np.zeros(self.size, dtype=bool)
        out[self.positions] = True
        return out

    def score_at(self, hits: np.ndarray) -> np.ndarray:
        if self._score is None:
            self._score = np.zeros(self.size, dtype=np.float64)
            self._score[self.positions] = self.scores
        return self._score[hits]

    def listed(self) -> tuple[np.ndarray, np.ndarray]:
        return self.positions, self.scores


class Coded:
    """Matches as a code a dataset (0: no match) and the score of each code."""

    __slots__ = ("codes", "scores")

    def __init__(self, codes: np.ndarray, scores: np.ndarray = FIELD_SCORES) -> None:
        self.codes = codes  # uint8 by position
        self.scores = scores  # float64 by code

    def mask(self) -> np.ndarray:
        return self.codes != 0

    def score_at(self, hits: np.ndarray) -> np.ndarray:
        return self.scores[self.codes[hits]]

    def listed(self) -> tuple[np.ndarray, np.ndarray]:
        positions = np.flatnonzero(self.codes)
        return positions, self.scores[self.codes[positions]]


Matches = Listed | Coded


def combine_coded(tiers: list[np.ndarray]) -> Coded:
    """:func:`catalog.search.expansion.combine` of tiers given as codes of :meth:`TermIndex.codes` (a
    tier of alternatives holds each dataset's largest, its best score): a tier's matches already found
    by a better one are dropped, and its scores scaled to stay below the lowest of the tiers before,
    even after the quality boost (at most ×1.5), with the same floating-point values. Each tier's
    codes are moved to codes of their own (1–8, 9–16 …). Whole-array passes only: at a million
    datasets a fraction of a millisecond each."""
    codes = np.zeros(len(tiers[0]), dtype=np.uint8)
    scores = np.zeros(256, dtype=np.float64)
    floor: float | None = None
    used = 0  # tiers with matches so far
    for tier in tiers:
        # arithmetic on whole arrays (np.where on a mask this irregular costs ten times as much)
        fresh = tier * (codes == 0)  # where no tier before matched
        top = int(fresh.max()) if len(fresh) else 0
        if not top:
            continue
        low = int((fresh - np.uint8(1)).min()) + 1  # the smallest code but 0 (0 - 1 wraps to 255)
        values = FIELD_SCORES[FOUND : FOUND + CODES_A_TIER]
        if floor is not None:  # every score of the tier times one factor, as the listed form scales them
            values = values * (floor / 1.5 * 0.999 / float(FIELD_SCORES[top]))
        floor = float(values[low - FOUND])
        first = 1 + used * CODES_A_TIER
        scores[first : first + CODES_A_TIER] = values
        codes += (fresh - np.uint8(FOUND - first)) * (fresh != 0)
        used += 1
    return Coded(codes, scores)
