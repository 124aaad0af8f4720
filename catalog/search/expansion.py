"""Swedish ⇄ English: a query's words expanded into the other language and into synonyms.

A bilingual vocabulary of the public-sector open-data domain: the curated glossary
``config/glossary/sv-en.toml`` (concepts, each with its Swedish and English words and phrases), and
the Swedish and English labels of the EU data themes and frequencies (``config/vocab``), where a
label lists several things ("Jordbruk, fiske, skogsbruk och livsmedel" / "Agriculture, fisheries,
forestry and food") paired one by one.

A run of query words that names a concept (compared by their stems and folded forms, so "bus stops",
"Bus stop" and "hallplatser" all do) becomes alternatives: the concept's other words in the query's
language (tier 1), then in the other language (tier 2). :func:`expand` gives each alternative as a
query of its own; the searcher runs them beside the query as typed and :func:`combine` ranks what
each tier adds below everything of the tiers before it, so the dataset's own words, and its own
translations (English titles), count first. docs/decisions/0005-search-linguistics.md has the reasons.
"""

from __future__ import annotations

import itertools
import re
import threading
import tomllib
from dataclasses import dataclass

import numpy as np

from catalog import vocab
from catalog.resources import read_config_text
from catalog.search.folding import fold
from catalog.search.stemming import word_stems

MAX_SPAN = 4  # words in the longest phrase matched
MAX_VARIANTS = 8  # alternative queries run per search
# words that carry no meaning of their own in a label or a phrase
_STOP = frozenset(["och", "i", "för", "av", "på", "med", "till", "om", "per", "the", "and", "of", "in", "for", "on",
                   "by", "to", "a", "an", "at", "from"])
_TOKEN = re.compile(r"\w+", re.UNICODE)
_PHRASE = re.compile(r'"([^"]*)"')
_LIST = re.compile(r"\s*(?:,|\boch\b|\band\b)\s*")


@dataclass(frozen=True, slots=True)
class Term:
    words: tuple[str, ...]  # as written in the glossary, lower case
    lang: str  # "sv" or "en"
    concept: int


def _forms(word: str) -> frozenset[str]:
    """What a word is compared by: itself, its stems, all folded."""
    return frozenset(fold(f) for f in (word, *word_stems(word)))


class Glossary:
    """Concepts and their terms, looked up by the forms of their first word."""

    def __init__(self, concepts: list[dict[str, list[str]]]) -> None:
        self.terms: list[list[Term]] = []
        self._first: dict[str, list[Term]] = {}
        for number, concept in enumerate(concepts):
            terms: dict[tuple[str, ...], Term] = {}
            for lang in ("sv", "en"):
                for text in concept.get(lang, []):
                    words = tuple(w for w in _TOKEN.findall(text.lower()) if w not in _STOP) or tuple(
                        _TOKEN.findall(text.lower()))
                    if words and words not in terms:
                        terms[words] = Term(words, lang, number)
            self.terms.append(list(terms.values()))
            for term in terms.values():
                for form in _forms(term.words[0]):
                    self._first.setdefault(form, []).append(term)

    def matching(self, words: list[str], start: int) -> list[Term]:
        """The terms that the words from ``start`` on begin with, longest first."""
        found: dict[Term, None] = {}
        for form in _forms(words[start]):
            for term in self._first.get(form, ()):
                n = len(term.words)
                if start + n <= len(words) and all(
                        not _forms(words[start + i]).isdisjoint(_forms(term.words[i])) for i in range(1, n)):
                    found[term] = None
        return sorted(found, key=lambda t: -len(t.words))


def _label_concepts() -> list[dict[str, list[str]]]:
    """Concepts from the EU vocabularies' Swedish and English labels: a whole label, and a label's
    listed things paired one by one when both languages list as many."""
    out: list[dict[str, list[str]]] = []
    for vocabulary in (vocab.themes(), vocab.frequencies()):
        for code in vocabulary.entries:
            labels = vocabulary.labels(code)
            sv, en = labels.get("sv"), labels.get("en")
            if not sv or not en:
                continue
            sv_items, en_items = _LIST.split(sv.lower()), _LIST.split(en.lower())
            if len(sv_items) == len(en_items) > 1:
                out.extend({"sv": [s], "en": [e]} for s, e in zip(sv_items, en_items, strict=True) if s and e)
            else:
                out.append({"sv": [sv.lower()], "en": [en.lower()]})
    return out


_glossary: Glossary | None = None
_lock = threading.Lock()


def glossary() -> Glossary:
    """The glossary of this process (read once)."""
    global _glossary
    if _glossary is None:
        with _lock:
            if _glossary is None:
                concepts = tomllib.loads(read_config_text("glossary", "sv-en.toml"))["concept"]
                _glossary = Glossary([*concepts, *_label_concepts()])
    return _glossary


@dataclass(frozen=True, slots=True)
class Variant:
    q: str  # a query string for the searcher
    tier: int  # 1: synonyms in the query's language, 2: the other language


def expand(q: str) -> list[Variant]:
    """Alternative queries for ``q``, best tier first (none when no run of its words names a
    concept). Quoted phrases are kept as they are; a word still being typed (the last, without a
    space after it) stays a prefix where it is kept."""
    phrases = _PHRASE.findall(q)
    rest = _PHRASE.sub(" ", q)
    words = [w.lower() for w in _TOKEN.findall(rest)]
    if not words or len(words) > 32:
        return []
    trailing_prefix = not q.rstrip().endswith('"') and not q.endswith(" ")
    gloss = glossary()
    # per position: the span matched there and its alternatives as (words, tier)
    groups: list[tuple[int, list[tuple[tuple[str, ...], int]]]] = []
    i = 0
    matched = False
    while i < len(words):
        terms = gloss.matching(words, i)
        if not terms:
            groups.append((1, [((words[i],), 0)]))
            i += 1
            continue
        span = len(terms[0].words)
        langs = {t.lang for t in terms if len(t.words) == span}
        alternatives: dict[tuple[str, ...], int] = {tuple(words[i:i + span]): 0}
        kept = [[_forms(w) for w in words[i:i + span]]]
        for concept in dict.fromkeys(t.concept for t in terms if len(t.words) == span):
            for term in sorted(gloss.terms[concept], key=lambda t: (t.lang not in langs, len(t.words))):
                forms = [_forms(w) for w in term.words]
                if any(all(any(not a.isdisjoint(b) for b in forms) for a in k) for k in kept):
                    # what it finds, an alternative asked for already finds: another form of the same
                    # word ("hållplats" of "hållplatser"), or fewer of its words ("bathing" of "bathing site")
                    continue
                kept.append(forms)
                alternatives.setdefault(term.words, 1 if term.lang in langs else 2)
        matched = matched or len(alternatives) > 1
        groups.append((span, list(alternatives.items())))
        i += span
    if not matched:
        return []
    variants: dict[str, int] = {}
    quoted = " ".join(f'"{p}"' for p in phrases)
    last_kept = groups[-1][1][0][0] == (words[-1],) and groups[-1][0] == 1
    for combo in itertools.islice(
            itertools.product(*(alts for _, alts in groups)), 4 * MAX_VARIANTS):
        tier = max(t for _, t in combo)
        if tier == 0:
            continue
        text = " ".join(" ".join(w) for w, _ in combo)
        keeps_last = combo[-1][1] == 0 and last_kept
        text = f"{text} {quoted}".strip() if quoted else text
        if not (trailing_prefix and keeps_last and not quoted):
            text += " "
        if text not in variants or variants[text] > tier:
            variants[text] = tier
    ordered = sorted(variants.items(), key=lambda v: v[1])[:MAX_VARIANTS]
    return [Variant(q=text, tier=tier) for text, tier in ordered]


def combine(n: int, tiers: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """One ranking from the matches (positions, scores) of each tier, best tier first: a tier's
    matches already found by a better one are dropped, and its scores are scaled so that even
    after the quality boost (at most ×1.5) they stay below the lowest score of the tiers before."""
    taken = np.zeros(n, dtype=bool)
    out_pos: list[np.ndarray] = []
    out_scores: list[np.ndarray] = []
    floor: float | None = None
    for number, (positions, scores) in enumerate(tiers):
        fresh = ~taken[positions]
        positions, scores = positions[fresh], scores[fresh].astype(np.float64)
        if not len(positions):
            continue
        if number and len(positions) > 1:  # found by several alternatives: once, at its best
            order = np.lexsort((-scores, positions))
            positions, scores = positions[order], scores[order]
            first = np.r_[True, positions[1:] != positions[:-1]]
            positions, scores = positions[first], scores[first]
        taken[positions] = True
        scores = np.maximum(scores, 1e-9)
        if floor is not None:
            scores = scores * (floor / 1.5 * 0.999 / float(scores.max()))
        floor = float(scores.min())
        out_pos.append(positions)
        out_scores.append(scores)
    if not out_pos:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    return np.concatenate(out_pos), np.concatenate(out_scores)
