"""An in-memory inverted index of the database's own full-text tokens, for words that match much.

FTS5 and PostgreSQL's GIN index answer rare words in a millisecond, but a word in most of a
100,000-dataset catalogue ("data", "kommun") makes them decode and return 100,000 rows: 15–25 ms
before any facet is counted. This index holds, for every term, the sorted positions of the datasets
that contain it (positions in the facet index of the same catalogue generation) and a bit per field
it occurs in, so such a word becomes a NumPy slice (under a millisecond; prefixes are a contiguous
range of the sorted vocabulary).

The terms are the database's own: read from FTS5's vocabulary (``fts5vocab``, instance level) on
SQLite and by unnesting the tsvector on PostgreSQL, so a word matches here exactly the datasets the
database would return. docs/decisions/0002-search-and-facets.md has the figures.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, text

from catalog.store import runs

TITLE, KEYWORDS, DESCRIPTION, PUBLISHER, STEMS = 1, 2, 4, 8, 16
ANY = TITLE | KEYWORDS | DESCRIPTION | PUBLISHER | STEMS
# the first letter of an FTS5 column name is unique: t(itle) k(eywords) d(escription) p(ublisher) s(tems)
_FTS5_COLUMN_BITS = {ord("t"): TITLE, ord("k"): KEYWORDS, ord("d"): DESCRIPTION, ord("p"): PUBLISHER,
                     ord("s"): STEMS}
_LAST = "\U0010ffff"
CODES_KEPT = 16  # words' codes a term index keeps (16 MB at a million datasets)
# TermIndex.codes: a byte a dataset, FOUND where it matches and a bit for each ranked field every word
# occurs in, title above keywords above publisher, so that a larger code is a better match (the
# searcher's scores, title 10, keywords 4, publisher 2, order them the same way)
FOUND, CODE_TITLE, CODE_KEYWORDS, CODE_PUBLISHER = 0x80, 4, 2, 1
_CODE_BITS = ((TITLE, CODE_TITLE), (KEYWORDS, CODE_KEYWORDS), (PUBLISHER, CODE_PUBLISHER))



def locate(sorted_keys: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(position, found) of each of ``keys`` in ``sorted_keys``; use ``position[found]``."""
    pos = np.searchsorted(sorted_keys, keys)
    if not len(sorted_keys):
        return pos, np.zeros(len(keys), dtype=bool)
    return pos, sorted_keys[np.minimum(pos, len(sorted_keys) - 1)] == keys


@dataclass(slots=True)
class TermIndex:
    generation: int
    size: int  # datasets in the facet index the positions refer to
    words: list[str]  # sorted
    ptr: np.ndarray  # postings of words[i] are doc[ptr[i]:ptr[i + 1]]
    doc: np.ndarray  # dataset positions, ascending within a word
    bits: np.ndarray  # the fields the word occurs in, per posting
    # the codes (:meth:`codes`) of the last few words in an eighth of the datasets or more
    _codes: dict[tuple[str, bool, tuple[str, ...]], np.ndarray] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def _range(self, word: str, prefix: bool) -> tuple[int, int]:
        lo = bisect_left(self.words, word)
        if prefix:
            return int(self.ptr[lo]), int(self.ptr[bisect_left(self.words, word + _LAST)])
        if lo < len(self.words) and self.words[lo] == word:
            return int(self.ptr[lo]), int(self.ptr[lo + 1])
        return 0, 0

    def mark(self, mask: np.ndarray, word: str, *, prefix: bool = False, fields: int = ANY) -> None:
        """Set ``mask`` at the datasets where ``word`` (or a word it begins, if ``prefix``) occurs
        in one of ``fields``."""
        lo, hi = self._range(word, prefix)
        if lo == hi:
            return
        docs = self.doc[lo:hi]
        if fields != ANY:
            docs = docs[(self.bits[lo:hi] & fields) != 0]
        mask[docs] = True

    def codes(self, size: int, word: str, *, prefix: bool = False, stems: tuple[str, ...] | list[str] = ()
              ) -> np.ndarray:
        """A byte a dataset: ``FOUND`` where ``word`` (or a word it begins, if ``prefix``) occurs in any
        field or one of ``stems`` occurs among the stems, and ``CODE_TITLE``, ``CODE_KEYWORDS`` and
        ``CODE_PUBLISHER`` where the word itself occurs in that field (:meth:`mark` and :meth:`mark_fields`
        in one array). A word has one posting a dataset, so they are written in one pass; the several
        words of a prefix share datasets, so their fields are ORed in, a field at a time. The codes of
        a word in an eighth of the catalogue or more are kept for the next search of it (the last
        ``CODES_KEPT``); the caller gets its own copy."""
        lo, hi = self._range(word, prefix)
        common = size > 0 and hi - lo >= size // 8  # writing its codes costs a millisecond or more
        key = (word, prefix, tuple(stems))
        if common:
            held = self._codes.get(key)
            if held is not None and len(held) == size:
                return held.copy()
        out = np.zeros(size, dtype=np.uint8)
        if lo < hi:
            docs, bits = self.doc[lo:hi], self.bits[lo:hi]
            if not prefix or self._words_in(word, prefix) == 1:
                # the code of each posting, by shifts (TITLE 1 -> 4, KEYWORDS 2 -> 2, PUBLISHER 8 -> 1)
                out[docs] = FOUND | ((bits & TITLE) << 2) | (bits & KEYWORDS) | ((bits & PUBLISHER) >> 3)
            else:
                out[docs] = FOUND
                for field, code in _CODE_BITS:
                    out[docs[(bits & field) != 0]] |= code
        for stem in stems:
            if stem.startswith(word) if prefix else stem == word:
                continue  # its postings are the word's own (or among its prefix's): all marked already
            lo, hi = self._range(stem, False)
            if lo < hi:
                out[self.doc[lo:hi][(self.bits[lo:hi] & STEMS) != 0]] |= FOUND
        if common:  # kept for the next search (the oldest let go): a byte a dataset each
            with contextlib.suppress(KeyError, StopIteration, RuntimeError):  # another thread's eviction
                while len(self._codes) >= CODES_KEPT:
                    self._codes.pop(next(iter(self._codes)))
            self._codes[key] = out.copy()
        return out

    def _words_in(self, word: str, prefix: bool) -> int:
        lo = bisect_left(self.words, word)
        return bisect_left(self.words, word + _LAST) - lo if prefix else 1

    def mark_fields(self, size: int, word: str, fields: tuple[int, ...], *, prefix: bool = False) -> list[np.ndarray]:
        """For each of ``fields``, the datasets where ``word`` (or a word it begins) occurs in it: as
        :meth:`mark` once per field, with one pass over the word's postings instead of one a field
        (a word in most of a million datasets has some 600,000)."""
        masks = [np.zeros(size, dtype=bool) for _ in fields]
        lo, hi = self._range(word, prefix)
        if lo == hi:
            return masks
        bits = self.bits[lo:hi]
        wanted = 0
        for f in fields:
            wanted |= f
        rich = np.flatnonzero(bits & wanted)
        docs, bits = self.doc[lo:hi][rich], bits[rich]
        for mask, f in zip(masks, fields, strict=True):
            mask[docs[(bits & f) != 0]] = True
        return masks


def build(engine: Engine, pks: np.ndarray, generation: int) -> TermIndex | None:
    """Read the full-text tokens of the catalogue at ``generation`` (None if it moved meanwhile).

    The database sends one row per term with every occurrence of it (dataset and field), ordered
    by dataset; rows are turned into postings a batch of about 260,000 occurrences at a time, so
    the peak memory stays near the size of the finished index.
    """
    with engine.connect() as conn:
        if runs.generation(conn) != generation:
            return None
        rows, split = _sqlite_terms(conn) if engine.dialect.name == "sqlite" else _postgres_terms(conn, len(pks))
        builder = _Builder(pks, split)
        for term, joined in rows:
            builder.add(term, joined)
        if runs.generation(conn) != generation:
            return None
    return builder.finish(generation)


Split = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]  # occurrence codes -> (dataset pks, field bits)


def _sqlite_terms(conn: Connection) -> tuple[Iterable[Any], Split]:
    raw: Any = conn.connection.driver_connection
    raw.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.dk_fts_vocab USING fts5vocab(main, dataset_fts, instance)")
    # every occurrence as dataset rowid * 128 + the first letter of its column's name
    rows = raw.execute("SELECT term, group_concat(doc * 128 + unicode(col)) "
                       "FROM temp.dk_fts_vocab GROUP BY term ORDER BY term")
    return rows, _sqlite_split()


def _sqlite_split() -> Split:
    lut = np.zeros(128, dtype=np.uint8)
    for code, bit in _FTS5_COLUMN_BITS.items():
        lut[code] = bit
    return lambda codes: (codes >> 7, lut[codes & 127])


# tsvector weights: A title, B keywords and publisher, C description, D stems ({where}: which datasets).
# The occurrences come sorted by (lexeme, dataset) from one sort, and string_agg takes them in that
# order: a 100,000-dataset build took 20 s where ``string_agg(… ORDER BY d.pk)`` (a sort per
# lexeme after the sort by lexeme) took 28–30 s on a busy machine. The builder checks the order
# anyway (a plan that aggregated in parallel would not keep it) and sorts a batch that is not.
# In a large catalogue a lexeme's occurrences come a row for each 65,536 of them (its array of codes
# sliced: a row of every occurrence of a word in a million datasets was some 9 MB of text, and the
# build's temporaries grew with it: 0010's peak). Consecutive rows of one lexeme are one word to the
# builder. At 100,000 datasets (psql, a busy machine) the sliced query took 18 s against 16 s whole
# (a third sort key, grouping by blocks of dataset keys, took 21 s).
_TERMS = (
    'SELECT u.lexeme COLLATE "C" AS lexeme, d.pk * 32 + '
    "(CASE WHEN 'A' = ANY(u.weights) THEN 1 ELSE 0 END) + "
    "(CASE WHEN 'B' = ANY(u.weights) THEN 2 ELSE 0 END) + "
    "(CASE WHEN 'C' = ANY(u.weights) THEN 4 ELSE 0 END) + "
    "(CASE WHEN 'D' = ANY(u.weights) THEN 16 ELSE 0 END) AS code "
    "FROM dataset d, unnest(d.search_vector) u {where} ORDER BY 1, d.pk")
POSTGRES_TERMS = f"SELECT lexeme, string_agg(code::text, ',') FROM ({_TERMS}) o GROUP BY lexeme ORDER BY lexeme"
POSTGRES_TERMS_CHUNKED = (
    "SELECT lexeme, array_to_string(codes[i:i + 65535], ',') FROM ("
    f"SELECT lexeme, array_agg(code) AS codes FROM ({_TERMS}) o GROUP BY lexeme) g, "
    "generate_series(1, cardinality(codes), 65536) i ORDER BY lexeme, i")
CHUNKED_FROM = 250_000  # datasets: a word in all of them is 2.3 MB of text as one row


def _postgres_terms(conn: Connection, datasets: int) -> tuple[Iterable[Any], Split]:
    # a few rows a fetch: a row holds the occurrences of its term (in a large catalogue 65,536 of
    # them) as text, up to some 2 MB, and a thousand rows a fetch held most of the catalogue's
    # occurrences as strings at once (the build's peak: 0010)
    rows = conn.execution_options(stream_results=True, yield_per=4).execute(
        text((POSTGRES_TERMS_CHUNKED if datasets >= CHUNKED_FROM else POSTGRES_TERMS).format(where="")))
    return rows, _postgres_split


def _postgres_split(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    bits = (codes & 31).astype(np.uint8)
    bits[bits == 0] = ANY  # a lexeme without positions carries no weight
    return codes >> 5, bits


_BATCH = 1 << 18  # occurrences a flush (its temporaries: some 20 MB)


class _Builder:
    """Postings, a batch of about ``_BATCH`` occurrences at a time. A term may come in several
    consecutive rows (its occurrences in dataset order across them): they are one word."""

    def __init__(self, pks: np.ndarray, split: Split) -> None:
        self.pks = pks
        self.split = split
        self.words: list[str] = []
        self.counts: list[np.ndarray] = []  # postings per word, per flushed batch
        self.docs: list[np.ndarray] = []
        self.bits: list[np.ndarray] = []
        self._batch: list[np.ndarray] = []
        self.pending = 0

    def add(self, term: str, joined: str) -> None:
        codes = np.fromstring(joined, dtype=np.int64, sep=",")
        self.words.append(term)
        self._batch.append(codes)
        self.pending += len(codes)
        if self.pending > _BATCH:
            self.flush()

    def flush(self) -> None:
        if not self._batch:
            return
        lengths = np.fromiter((len(c) for c in self._batch), dtype=np.int64, count=len(self._batch))
        codes = np.concatenate(self._batch)
        self._batch, self.pending = [], 0
        doc_pk, bits = self.split(codes)
        del codes
        term = np.repeat(np.arange(len(lengths), dtype=np.int32), lengths)  # the row of each occurrence
        # dataset positions in the facet index; occurrences in datasets it does not hold are dropped
        pos, ok = locate(self.pks, doc_pk)
        term, pos, bits = term[ok], pos[ok], bits[ok]
        if len(term) > 1 and bool(np.any((term[1:] == term[:-1]) & (pos[1:] < pos[:-1]))):
            order = np.lexsort((pos, term))  # a term's occurrences not by dataset
            term, pos, bits = term[order], pos[order], bits[order]
        # a term's occurrences come by dataset: merge those of one dataset, OR-ing their fields
        if len(term):
            first = np.flatnonzero(np.r_[True, (term[1:] != term[:-1]) | (pos[1:] != pos[:-1])])
            bits = np.bitwise_or.reduceat(bits, first)
            term, pos = term[first], pos[first]
        self.counts.append(np.bincount(term, minlength=len(lengths)))
        self.docs.append(pos.astype(np.int32))
        del pos, term
        self.bits.append(bits.astype(np.uint8))

    def finish(self, generation: int) -> TermIndex:
        self.flush()
        counts = np.concatenate(self.counts) if self.counts else np.zeros(0, dtype=np.int64)
        doc, bits = _joined(self.docs, np.int32), _joined(self.bits, np.uint8)
        words = self.words
        if any(a > b for a, b in zip(words, words[1:], strict=False)):
            # not in Python's string order (a collation the database chose): reorder the postings,
            # since a prefix must be one contiguous range of the vocabulary
            order = sorted(range(len(words)), key=words.__getitem__)
            starts = np.zeros(len(words) + 1, dtype=np.int64)
            np.cumsum(counts, out=starts[1:])
            take = np.concatenate([np.arange(starts[i], starts[i + 1]) for i in order]) if order else starts[:0]
            doc, bits, counts = doc[take], bits[take], counts[np.asarray(order, dtype=np.int64)]
            words = [words[i] for i in order]
        if len(words) > 1:  # a term in several rows (in dataset order): one word
            firsts = [0, *(i for i in range(1, len(words)) if words[i] != words[i - 1])]
            if len(firsts) < len(words):
                counts = np.add.reduceat(counts, firsts)
                words = [words[i] for i in firsts]
        ptr = np.zeros(len(words) + 1, dtype=np.int64)
        np.cumsum(counts, out=ptr[1:])
        return TermIndex(generation=generation, size=len(self.pks), words=words, ptr=ptr, doc=doc, bits=bits)


def _joined(parts: list[np.ndarray], dtype: type[np.generic]) -> np.ndarray:
    """``np.concatenate(parts)``, emptying ``parts`` as it goes: the batches are let go one by one
    instead of all being held beside the whole (at a million datasets that doubling was 400 MB).
    The batches are small allocations that the C library keeps when freed, so what they held is
    handed back every 8 MB copied."""
    out = np.empty(sum(len(p) for p in parts), dtype=dtype)
    at = since_release = 0
    parts.reverse()
    while parts:
        part = parts.pop()
        out[at:at + len(part)] = part
        at += len(part)
        since_release += part.nbytes
        del part
        if since_release > 8 * 2**20:
            release_free_memory()
            since_release = 0
    return out


_malloc_trim: Any = None


def release_free_memory() -> None:
    """Hand back to the system the memory a build or an update freed. glibc keeps freed heap memory
    for reuse (with NumPy's temporaries of a 100,000-dataset build, some 50 MB a process kept
    resident for nothing); ``malloc_trim`` returns it. Nothing happens on other C libraries."""
    global _malloc_trim
    if _malloc_trim is None:
        try:
            _malloc_trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _malloc_trim = False
    if _malloc_trim:
        _malloc_trim(0)
