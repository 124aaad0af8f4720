"""Swedish decompounding: "badvattenkvalitet" → bad, vatten, kvalitet; "busshållplatser" → buss, hållplatser.

Swedish writes compounds as one word, so a search for "vatten" would not find "badvattenkvalitet".
Every word of a dataset's title, keywords and description that splits into known words has its parts
added to the low-weight stems field of the full-text index when the dataset is stored
(catalog.search.stemming), so a part finds the whole, ranked below datasets where it is a word
of its own. Splitting at index time costs the harvest a cached dictionary look-up per distinct
word and the search nothing; docs/decisions/0005-search-linguistics.md has the figures.

The dictionary is a Swedish word list shipped as data (``config/lexicon/sv-words.txt.gz``, from the
hunspell-sv dictionary; ``config/lexicon/README.md`` credits it). A part is known when it is a word
of the list, an inflected form of one ("platser", "skolor"), a stem of one ("ladd" of "ladda", "skol"
of "skola"), or such a word followed by the linking "s" ("parkerings-platser"). A word splits into
the fewest parts, each at least three letters long; each part is split again, and for three or
more parts the runs of neighbouring parts are added too ("busshåll|platser" and "buss|hållplatser").
"""

from __future__ import annotations

import gzip
import threading
from functools import lru_cache

from catalog.resources import config_file

MIN_PART = 3
MIN_WORD = 6
MAX_PARTS = 4
MAX_WORD = 40
# inflection endings of Swedish nouns and adjectives, longest first, stripped to find a listed word
_ENDINGS: tuple[str, ...] = ("ornas", "arnas", "ernas", "orna", "arna", "erna", "ens", "ets", "ers", "ars", "ors",
                             "na", "er", "ar", "or", "en", "et", "es", "a", "e", "n", "r", "s", "t")

class Lexicon:
    """The word list: every word, and those the dictionary allows first (or in the middle) and last
    in a compound (hunspell's COMPOUNDBEGIN/MIDDLE/ONLYINCOMPOUND and COMPOUNDEND flags)."""

    def __init__(self, text: str) -> None:
        words: set[str] = set()
        heads: set[str] = set()
        tails: set[str] = set()
        for line in text.splitlines():
            word, _, flags = line.partition(" ")
            if not word:
                continue
            words.add(word)
            if "X" in flags or "U" in flags or "Z" in flags:
                heads.add(word)
            if "Y" in flags:
                tails.add(word)
        self.words, self.heads, self.tails = frozenset(words), frozenset(heads), frozenset(tails)


_lexicon: Lexicon | None = None
_lock = threading.Lock()


def lexicon() -> Lexicon:
    """The Swedish word list (read once per process: about 250,000 words, 0.5 s)."""
    global _lexicon
    if _lexicon is None:
        with _lock:
            if _lexicon is None:
                raw = config_file("lexicon", "sv-words.txt.gz").read_bytes()
                _lexicon = Lexicon(gzip.decompress(raw).decode("utf-8"))
    return _lexicon


def _tail(part: str, lex: Lexicon) -> bool:
    """Whether ``part`` may end a compound: a word allowed last, or an inflected form of one."""
    if part in lex.tails:
        return True
    for ending in _ENDINGS:
        if part.endswith(ending) and len(part) - len(ending) >= MIN_PART:
            base = part[: -len(ending)]
            # "platser" of plats, "olyckor" of olycka, "kvaliteten" of kvalitet
            if base in lex.tails or base + "a" in lex.tails or base + "e" in lex.tails:
                return True
    return False


def _head(part: str, lex: Lexicon) -> str | None:
    """The word ``part`` stands for at the start or in the middle of a compound, or None: a word
    allowed there, a listed word followed by the linking "s" ("parkerings"), or the stem of a
    listed verb or noun ending in -a or -e ("ladd" of "ladda")."""
    if part in lex.heads:
        return part
    if len(part) > MIN_PART + 1 and part.endswith("s") and part[:-1] in lex.words:
        return part[:-1]
    if len(part) > MIN_PART and (part + "a" in lex.words or part + "e" in lex.words):
        return part
    return None


def _split(word: str, lex: Lexicon) -> list[str] | None:
    """The fewest parts ``word`` splits into (as their words: a linking "s" dropped), the longest
    shortest part among equals; None if it does not split."""
    n = len(word)
    # best[i]: (parts, shortest part, the parts) of the best split of word[:i] into heads
    best: list[tuple[int, int, list[str]] | None] = [None] * (n + 1)
    best[0] = (0, n, [])
    for end in range(MIN_PART, n - MIN_PART + 1):
        for start in range(0, end - MIN_PART + 1):
            before = best[start]
            if before is None or before[0] >= MAX_PARTS - 1:
                continue
            head = _head(word[start:end], lex)
            if head is None:
                continue
            cand = (before[0] + 1, min(before[1], end - start), [*before[2], head])
            current = best[end]
            if current is None or (cand[0], -cand[1]) < (current[0], -current[1]):
                best[end] = cand
    chosen: tuple[int, int, list[str]] | None = None
    for start in range(MIN_PART, n - MIN_PART + 1):
        before = best[start]
        if before is None or not _tail(word[start:], lex):
            continue
        cand = (before[0] + 1, min(before[1], n - start), [*before[2], word[start:]])
        if chosen is None or (cand[0], -cand[1]) < (chosen[0], -chosen[1]):
            chosen = cand
    return chosen[2] if chosen is not None else None


@lru_cache(maxsize=200_000)
def parts(word: str) -> tuple[str, ...]:
    """The parts a compound adds to the index (empty for a word that is no compound)."""
    word = word.lower()
    if not MIN_WORD <= len(word) <= MAX_WORD or not word.isalpha():
        return ()
    lex = lexicon()
    found = _split(word, lex)
    if not found:
        return ()
    out: dict[str, None] = dict.fromkeys(found)
    for i in range(len(found)):  # runs of neighbouring parts: "hållplatser" in buss|håll|platser
        for j in range(i + 2, len(found) + 1):
            if j - i < len(found):
                out["".join(found[i:j])] = None
    for part in found:
        if len(part) >= MIN_WORD:
            for sub in _split(part, lex) or ():
                out[sub] = None
    out.pop(word, None)
    return tuple(out)
