"""Highlighted matches: the words of a search result's title and description that the query matched.

A word of the text is marked when it is a query word or begins with the last one (typed while
searching: the search matches it as a prefix too), when the two share a Swedish or English stem,
when they are the same without å/ä/ö ("Malmo" marks "Malmö", catalog.search.folding), and when the
query word (at least four letters) or a stem of it (at least six) is a part of it: "vatten" marks
"badvattenkvalitet", as decompounding finds it (catalog.search.compounds). The words a query was
expanded with (synonyms and the other language's words, catalog.search.expansion) are marked like
its own: "swimming" marks "Badplatser".

Output is HTML: the text escaped, with only ``<mark>`` and ``</mark>`` added, so a client (and the
portal) can insert it as it is; a title holding ``<script>`` comes out as ``&lt;script&gt;``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from html import escape

from catalog.search import expansion
from catalog.search.folding import fold
from catalog.search.stemming import word_stems

_TOKEN = re.compile(r"\w+", re.UNICODE)  # the tokens of the full-text index (catalog.search.stemming)
_PHRASE = re.compile(r'"([^"]*)"')
MAX_WORDS = 64  # words of a query looked for (a pasted text would make every word costly)
MIN_PART = 4  # a query word shorter than this is not looked for inside compounds
MIN_STEM_PART = 6  # nor a stem shorter than this
SNIPPET = 240  # characters of a description shown around its first match


class Matcher:
    """Which words of a text a query matched."""

    def __init__(self, q: str, extra: Iterable[str] = ()) -> None:
        words = [t.lower() for t in _TOKEN.findall(_PHRASE.sub(" ", q))]
        phrased = [t.lower() for p in _PHRASE.findall(q) for t in _TOKEN.findall(p)]
        # the searcher's rule: the last word is a prefix unless the query ends in a space or a quote
        prefix = bool(words) and not q.rstrip().endswith('"') and not q.endswith(" ")
        self.forms: set[str] = set()
        self.parts: set[str] = set()
        for w in [*words, *phrased, *(e.lower() for e in extra)][:MAX_WORDS]:
            self.forms.update((w, fold(w), *word_stems(w), *word_stems(fold(w))))
            # parts: the word, and its long stems ("hållplats" marks "hållplatsregister"); not a short
            # stem: "komm" of "kommer" would mark "kommunen"
            self.parts.update(fold(p) for p in (w, *word_stems(w)) if len(p) >= (MIN_PART if p == w else MIN_STEM_PART))
        self.prefixes = {w, fold(w)} if prefix and len(w := words[-1]) >= 2 else set()
        self._seen: dict[str, bool] = {}

    def __bool__(self) -> bool:
        return bool(self.forms)

    def hits(self, words: Iterable[str]) -> set[str]:
        """Which of ``words`` (as written in a text) the query matched."""
        return {w for w in set(words) if self.matches(w)}

    def matches(self, token: str) -> bool:
        """Whether ``token`` (a word of the text, any case) is one the query matched."""
        found = self._seen.get(token)
        if found is None:
            if len(self._seen) > 100_000:  # a matcher is kept per query text (for_query): bounded
                self._seen.clear()
            found = self._seen[token] = self._match(token.lower())
        return found

    def _match(self, t: str) -> bool:
        folded = t if t.isascii() else fold(t)
        forms = self.forms
        if t in forms or folded in forms:
            return True
        for p in self.prefixes:
            if folded.startswith(p) or t.startswith(p):
                return True
        if not forms.isdisjoint(word_stems(t)):
            return True
        # a part of a compound: the query word inside a longer word
        return any(p in folded and len(folded) > len(p) for p in self.parts)


@lru_cache(maxsize=256)
def for_query(q: str) -> Matcher:
    """The matcher of a search's text: its words and those it was expanded with (synonyms and the
    other language's words, catalog.search.expansion), as the searcher matches them. Kept per text,
    with the words it has judged: the same searches come back (paging, filters, the portal and the
    API), and expanding alone takes 0.3–1.3 ms."""
    return Matcher(q, dict.fromkeys(w for v in expansion.expand(q) for w in _TOKEN.findall(_PHRASE.sub(" ", v.q))))


# Marking goes by a text split into separators and words (by the regular expression engine, not
# word by word in Python) and looks each distinct word up once: twenty results' titles and
# descriptions take a fraction of a millisecond (issue 16's budget is 20 ms a search).
_SPLIT = re.compile(r"(\w+)", re.UNICODE)
_SPECIAL = re.compile(r"[&<>]")


def _marked(parts: list[str], hits: set[str]) -> str:
    """``parts`` (separator, word, separator, …, separator) joined as HTML, ``hits`` marked."""
    if _SPECIAL.search("".join(parts[0::2])):  # words (\w) hold nothing to escape
        parts[0::2] = [escape(p, quote=False) for p in parts[0::2]]
    if hits:
        parts[1::2] = [f"<mark>{p}</mark>" if p in hits else p for p in parts[1::2]]
    return "".join(parts)


def mark(text: str, matcher: Matcher) -> str:
    """``text`` as HTML with the matched words in ``<mark>``."""
    parts = _SPLIT.split(text)
    return _marked(parts, matcher.hits(parts[1::2]))


def snippet(text: str, matcher: Matcher, width: int = SNIPPET) -> str:
    """About ``width`` characters of ``text`` around its first match (else its beginning) as
    HTML with the matched words marked, "…" where text was left out; cut between words."""
    parts = _SPLIT.split(text)
    hits = matcher.hits(parts[1::2])
    if len(text) <= width:
        return _marked(parts, hits)
    first = next((i for i in range(1, len(parts), 2) if parts[i] in hits), None)
    hit_start = sum(map(len, parts[:first])) if first is not None else 0
    hit_end = hit_start + len(parts[first]) if first is not None else 0
    start = 0
    if first is not None and hit_end > width * 2 // 3:
        start = max(0, hit_start - width // 3)
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < hit_start else start
    end = min(len(text), start + width)
    if end < len(text):
        floor = hit_end if first is not None and hit_start >= start else start
        space = text.rfind(" ", floor, end)
        end = space if space > floor else end
    body = _marked(_SPLIT.split(text[start:end].strip()), hits)
    return ("… " if start > 0 else "") + body + (" …" if end < len(text) else "")


def highlight(title: str | None, description: str | None, matcher: Matcher) -> dict[str, str | None]:
    """A search result's ``highlight`` field: its title and a snippet of its description as HTML."""
    return {"title": mark(title, matcher) if title else None,
            "description": snippet(description, matcher) if description else None}
