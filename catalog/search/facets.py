"""The facet index: which datasets carry which facet value, their sort keys and quality, in NumPy
arrays, and the labels of facet values.

Counting facets with GROUP BY over 20,000+ datasets costs tens of milliseconds per query; a bincount
over these cached arrays costs well under one (docs/decisions/0002-search-and-facets.md). The index
is rebuilt whenever the catalogue's change generation moves (catalog.search.searcher keeps it).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, text

from catalog import vocab
from catalog.search.query import FACETS, STORED_NAMES
from catalog.search.term_index import locate
from catalog.store import runs

PUBLIC_NAMES = {stored: public for public, stored in STORED_NAMES.items()}

# a facet with at most this many values (type, access, a few sources) has every value's datasets as a
# bit set, however few they are
SMALL = 4
# Other values are kept as bit sets when they are this share of the catalogue or more, at most
# PACKED_MOST of them a facet, the largest first: counting a selection of a million datasets is then
# an AND and a bit count over 125 KB a value (about 15 µs), where gathering the selection's mask at a
# value's datasets costs 2–4 ns a dataset (a random read each; a value of 1/128 of a million datasets
# about 20 µs). A bit set costs a bit a dataset: at most 256 × 1/8 byte a dataset a facet.
PACK_SHARE = 1 / 128
PACKED_MOST = 256


def pack(mask: np.ndarray) -> np.ndarray:
    """A boolean mask as a bit set: 64 datasets a uint64 word, the last word padded with zeros."""
    packed = np.packbits(mask)
    words = np.zeros((len(packed) + 7) // 8 * 8, dtype=np.uint8)
    words[: len(packed)] = packed
    return words.view(np.uint64)


def unpack(words: np.ndarray, size: int) -> np.ndarray:
    """The boolean mask of ``size`` datasets of a bit set made by :func:`pack`."""
    return np.unpackbits(words.view(np.uint8), count=size).view(bool)


class Selection:
    """The datasets a facet is counted over, with what counting it costs to prepare and that every
    facet shares: its count, its positions (to gather their values) or its bit set."""

    __slots__ = ("_bits", "_rows", "mask", "selected")

    def __init__(self, mask: np.ndarray, selected: int | None = None) -> None:
        self.mask = mask
        self.selected = int(np.count_nonzero(mask)) if selected is None else selected
        self._rows: np.ndarray | None = None
        self._bits: np.ndarray | None = None

    def rows(self) -> np.ndarray:
        if self._rows is None:
            self._rows = np.flatnonzero(self.mask)
        return self._rows

    def bits(self) -> np.ndarray:
        if self._bits is None:
            self._bits = pack(self.mask)
        return self._bits


@dataclass(slots=True)
class Facet:
    """The datasets of each value of one facet, arranged for filtering and for counting.

    The values kept as bit sets (``packed``) have the first rows, in the order of ``row_values``;
    the others follow in value order, and their datasets are held in a list by value: the
    datasets of the value in row ``r`` are ``indices[indptr[r]:indptr[r + 1]]``, ascending (empty
    for the rows of bit sets).
    """

    values: list[str]
    index: dict[str, int]
    indptr: np.ndarray
    indices: np.ndarray
    row_values: np.ndarray  # the value of each row
    value_rows: np.ndarray  # the row of each value
    packed: np.ndarray  # (values packed) × words: the datasets of the first rows' values as bit sets
    ptr: np.ndarray  # the same pairs by dataset: the values of dataset i are by_doc[ptr[i]:ptr[i + 1]]
    by_doc: np.ndarray
    # a facet of at most one value a dataset (publisher, licence, source): each dataset's value id
    # (len(values) for none), gathered for few datasets; ptr and by_doc are then left empty
    single: np.ndarray | None = None
    size: int = 0  # datasets

    @classmethod
    def build(cls, values: list[str], doc: np.ndarray, val: np.ndarray, size: int) -> Facet:
        """From (dataset position, value id) pairs. Built in narrow dtypes (0010: 4-byte positions
        and offsets, value ids in 1–4 bytes)."""
        doc = np.asarray(doc, dtype=np.int64)
        val = np.asarray(val, dtype=np.int64)
        nv = len(values)
        per_value = np.bincount(val, minlength=nv)
        # the values kept as bit sets: every value of a small facet, else the largest ones
        if nv <= SMALL:
            chosen = np.arange(nv, dtype=np.int64)
        else:
            large = np.flatnonzero(per_value >= max(size * PACK_SHARE, 1))
            chosen = np.sort(large[np.argsort(-per_value[large], kind="stable")[:PACKED_MOST]])
        rest = np.ones(nv, dtype=bool)
        rest[chosen] = False
        row_values = np.concatenate([chosen, np.flatnonzero(rest)]).astype(np.int64)
        value_rows = np.empty(nv, dtype=np.int64)
        value_rows[row_values] = np.arange(nv)
        key = value_rows[val] * size + doc  # row-major: each row's datasets ascending
        key.sort()
        indices = (key % size).astype(np.int32) if size else np.zeros(0, dtype=np.int32)
        indptr = np.zeros(nv + 1, dtype=np.int64)
        np.cumsum(per_value[row_values], out=indptr[1:])
        words = (size + 63) // 64
        packed = np.zeros((len(chosen), words), dtype=np.uint64)
        for r in range(len(chosen)):
            mask = np.zeros(size, dtype=bool)
            mask[indices[indptr[r] : indptr[r + 1]]] = True
            packed[r] = pack(mask)
        # the values held as bit sets keep no list of their datasets: at a million datasets most
        # pairs are of such values (12 of 12.4 million, 46 MiB as positions)
        first = int(indptr[len(chosen)])
        indices = indices[first:].copy()
        indptr = np.maximum(indptr - first, 0)
        np.multiply(doc, max(nv, 1), out=key)  # dataset-major: the values of each dataset
        key += val
        key.sort()
        by_doc = (key % max(nv, 1)).astype(_id_dtype(nv))
        del key
        ptr = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(np.bincount(doc, minlength=size), out=ptr[1:])
        facet = cls(values, {v: i for i, v in enumerate(values)}, _narrow(indptr), indices, row_values,
                    value_rows, packed, _narrow(ptr), by_doc, size=size)
        if nv <= SMALL:  # counted by bits alone
            facet.ptr = facet.by_doc = np.zeros(0, dtype=np.int32)
        elif size and int(np.diff(ptr).max()) <= 1:
            single = np.full(size, nv, dtype=_id_dtype(nv + 1))
            single[doc] = val
            empty = np.zeros(0, dtype=np.int32)
            facet.single, facet.ptr, facet.by_doc = single, empty, empty
        return facet

    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Every (dataset position, value id) pair, as two int64 arrays (those of the values held as
        bit sets first, by value)."""
        docs = [np.flatnonzero(unpack(row, self.size)) for row in self.packed]
        vals = [np.full(len(d), v, dtype=np.int64) for d, v in zip(docs, self.row_values, strict=False)]
        docs.append(self.indices.astype(np.int64))
        vals.append(np.repeat(self.row_values, np.diff(self.indptr)))
        return np.concatenate(docs), np.concatenate(vals)

    def having(self, value_ids: list[int], size: int) -> np.ndarray:
        """The datasets carrying any of the values."""
        mask = np.zeros(size, dtype=bool)
        for v in value_ids:
            r = int(self.value_rows[v])
            if r < len(self.packed):
                mask |= unpack(self.packed[r], size)
            else:
                mask[self.indices[self.indptr[r] : self.indptr[r + 1]]] = True
        return mask

    def _gathered(self, sel: Selection) -> bool:
        """Whether the selection's values are cheaper gathered by dataset than counted by value: by
        the costs measured at a million datasets (gathering 4.4 ns a selected dataset and pair; a bit
        set 1.2 ns a 64-bit word; a value gathered at its datasets about 3 ns a pair)."""
        if not len(self.by_doc) and self.single is None:
            return False  # a small facet: bits alone
        size = len(self.single) if self.single is not None else len(self.ptr) - 1
        per_dataset = 1.0 if self.single is not None else len(self.by_doc) / max(size, 1)
        gathered_pairs = len(self.indices) - int(self.indptr[len(self.packed)])
        by_value = len(self.packed) * ((size + 63) // 64) * 1.2 + gathered_pairs * 3
        return sel.selected * (1 + per_dataset) * 4.4 < by_value

    def counts(self, selection: Selection | np.ndarray) -> np.ndarray:
        """How many selected datasets carry each value.

        Few selected datasets: their values are gathered through ``ptr`` or ``single`` (the cost
        follows the selection). Many: the values held as bit sets count by an AND and a bit count
        each, the others by gathering the selection's mask at their datasets (the cost follows
        their pairs). Which is cheaper decides (:meth:`_gathered`); a small facet (every value a
        bit set, no pairs by dataset) counts by bits.
        """
        sel = selection if isinstance(selection, Selection) else Selection(selection)
        nv = len(self.values)
        packed = len(self.packed)
        if not sel.selected:
            return np.zeros(nv, dtype=np.int64)
        if self._gathered(sel):
            rows = sel.rows()
            if self.single is not None:
                return np.bincount(self.single[rows], minlength=nv + 1)[:nv]
            starts = self.ptr[rows]
            lengths = self.ptr[rows + 1] - starts
            total = int(lengths.sum())
            if not total:
                return np.zeros(nv, dtype=np.int64)
            first = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
            return np.bincount(self.by_doc[first + np.arange(total)], minlength=nv)
        out = np.zeros(nv, dtype=np.int64)
        if packed:
            bits = sel.bits()
            for lo in range(0, packed, 8):  # 8 rows at a time: 1 MB of temporaries at a million datasets
                hi = min(lo + 8, packed)
                out[self.row_values[lo:hi]] = np.bitwise_count(self.packed[lo:hi] & bits).sum(axis=1, dtype=np.int64)
        if packed < nv:
            lo = int(self.indptr[packed])
            found = sel.mask[self.indices[lo:]].view(np.uint8)
            starts = self.indptr[packed:-1] - lo
            ok = starts < self.indptr[packed + 1 :] - lo  # rows with pairs (reduceat needs them)
            if len(found) and ok.any():
                out[self.row_values[packed:][ok]] = np.add.reduceat(found, starts[ok], dtype=np.int64)
        return out


@dataclass(slots=True)
class FacetIndex:
    generation: int
    pks: np.ndarray
    active: np.ndarray
    withdrawn: np.ndarray
    title_rank: np.ndarray
    modified_rank: np.ndarray
    quality: np.ndarray
    facets: dict[str, Facet]
    publisher_names: dict[str, str]
    # a merged publisher's id -> the publisher it is part of: a filter by the old id finds its datasets
    publisher_aliases: dict[str, str] = field(default_factory=dict)
    _status_counts: dict[str, tuple[np.ndarray, int, dict[str, np.ndarray]]] = field(default_factory=dict)
    _orders: dict[str, np.ndarray] = field(default_factory=dict)

    def order(self, sort: str) -> np.ndarray:
        """Every position in the order of a sort that needs no text score ("title", "modified", or
        "quality": by quality, then title), ties by position as a stable sort of the hits gives them;
        computed once per generation (4 bytes a dataset each)."""
        found = self._orders.get(sort)
        if found is None:
            if sort == "title":
                found = np.argsort(self.title_rank, kind="stable")
            elif sort == "modified":
                found = np.lexsort((self.title_rank, -self.modified_rank.astype(np.int64)))
            else:
                found = np.lexsort((self.title_rank, -self.quality))
            found = self._orders[sort] = found.astype(np.int32)
        return found

    def status_mask(self, status: str) -> np.ndarray:
        if status == "all":
            return np.ones(len(self.pks), dtype=bool)
        return self.withdrawn if status == "withdrawn" else self.active

    def status_counts(self, status: str) -> tuple[np.ndarray, int, dict[str, np.ndarray]]:
        """(mask, size, facet counts) of every dataset with a status, computed once per generation."""
        found = self._status_counts.get(status)
        if found is None:
            mask = self.status_mask(status)
            found = self._status_counts[status] = (
                mask, int(np.count_nonzero(mask)), {f: fx.counts(mask) for f, fx in self.facets.items()})
        return found


def _id_dtype(count: int) -> type[np.integer]:
    """The narrowest unsigned type holding ids below ``count``."""
    return np.uint8 if count <= 2**8 else np.uint16 if count <= 2**16 else np.int32


def _narrow(offsets: np.ndarray) -> np.ndarray:
    """Offsets as int32 when they fit (4 bytes a dataset saved per facet)."""
    return offsets.astype(np.int32) if not len(offsets) or int(offsets[-1]) < 2**31 else offsets


def _rank_from_order(pks: np.ndarray, ordered: np.ndarray) -> np.ndarray:
    """Ranks (position in ``ordered``) for each pk of the sorted ``pks``."""
    ranks = np.zeros(len(pks), dtype=np.int32)
    if len(ordered):
        ranks[np.searchsorted(pks, ordered)] = np.arange(len(ordered), dtype=np.int32)
    return ranks


def read_statuses(conn: Connection, sqlite: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pk, active, quality score) of every dataset, read as one joined string of triples, unsorted
    (100,000 rows as Python objects cost a second on a busy machine, three sorted aggregates 2 s; a
    million rows held as Python objects would be some 150 MB). Scores are rounded to a tenth
    (catalog.quality.rules), so their text form is exact."""
    if sqlite:
        raw: Any = conn.connection.driver_connection
        joined = raw.execute("SELECT group_concat(pk || ',' || (status = 'active') || ',' || "
                             "coalesce(quality_score, 0)) FROM dataset").fetchone()[0]
    else:
        joined = conn.execute(text(
            "SELECT string_agg(pk::text || ',' || CASE WHEN status = 'active' THEN '1' ELSE '0' END || ',' || "
            "coalesce(quality_score, 0)::text, ',') FROM dataset")).scalar()
    if not joined:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool), np.zeros(0, dtype=np.float64)
    triples = np.fromstring(joined, dtype=np.float64, sep=",").reshape(-1, 3)
    del joined
    return triples[:, 0].astype(np.int64), triples[:, 1] != 0, triples[:, 2].copy()


def read_order(conn: Connection, sqlite: bool, column: str, nulls: str = "") -> np.ndarray:
    """Every dataset's pk in ``column`` order, then by pk, in byte order (the sort keys are made for
    it; PostgreSQL's locale collations skip punctuation): rows streamed into an array on SQLite, one
    joined string on PostgreSQL, never a list of a million rows."""
    if sqlite:
        raw: Any = conn.connection.driver_connection
        rows = raw.execute(f"SELECT pk FROM dataset ORDER BY {column}{nulls}, pk")
        return np.fromiter((r[0] for r in rows), dtype=np.int64)
    return parse_ids(conn.execute(text(
        f"SELECT string_agg(pk::text, ',' ORDER BY {column} COLLATE \"C\"{nulls}, pk) FROM dataset")).scalar())


def _facet_rows(conn: Connection, sqlite: bool) -> Iterator[Any]:
    """(facet, value, the datasets' pks joined) by facet, streamed: the joined strings of a million
    datasets' facet pairs are some 100 MB, so only one facet's are held at a time."""
    concat = "group_concat(dataset_pk)" if sqlite else "string_agg(dataset_pk::text, ',')"
    sql = f"SELECT facet, value, {concat} FROM dataset_facet GROUP BY facet, value ORDER BY facet"
    if sqlite:
        raw: Any = conn.connection.driver_connection
        yield from raw.execute(sql)
    else:
        yield from conn.execution_options(stream_results=True, yield_per=100).execute(text(sql))


def build_index(engine: Engine) -> FacetIndex:
    """Read the facet table and the sort keys into arrays.

    The database does the grouping and ordering: one row per distinct facet value carrying its
    datasets' keys as a single concatenated string, and the sort orders as ordered key lists, so
    even a million datasets with ten million facet pairs never become a million Python objects.
    """
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        gen = runs.generation(conn)
        row_pks, row_active, row_quality = read_statuses(conn, sqlite)
        order = np.argsort(row_pks)
        pks = row_pks[order]
        active, quality = row_active[order], row_quality[order]
        del row_pks, row_active, row_quality, order
        title_rank = _rank_from_order(pks, read_order(conn, sqlite, "title_sort"))
        # NULLS FIRST: undated datasets sort as the oldest on both databases
        modified_rank = _rank_from_order(pks, read_order(conn, sqlite, "modified", " NULLS FIRST"))
        facets: dict[str, Facet] = {}
        for stored, rows in groupby(_facet_rows(conn, sqlite), key=lambda r: r[0]):
            facet = PUBLIC_NAMES.get(stored, stored)
            if facet not in FACETS or facet in facets:
                continue
            values: list[str] = []
            docs: list[np.ndarray] = []
            for _, value, joined in rows:
                values.append(value)
                pos, ok = locate(pks, parse_ids(joined))  # a pair of a dataset stored since is left out
                docs.append(pos[ok].astype(np.int32))
            val = np.repeat(np.arange(len(values), dtype=np.int64), [len(d) for d in docs])
            facets[facet] = Facet.build(values, np.concatenate(docs), val, len(pks))
            del docs, val
        publisher_rows = conn.execute(text("SELECT id, name, merged_into FROM publisher")).all()
    empty = np.zeros(0, dtype=np.int64)
    facets = {f: facets.get(f) or Facet.build([], empty, empty, len(pks)) for f in FACETS}
    publishers = {r[0]: r[1] for r in publisher_rows}
    aliases = _publisher_roots({r[0]: r[2] for r in publisher_rows if r[2]})
    publishers.update({alias: publishers.get(root, alias) for alias, root in aliases.items()})
    return FacetIndex(
        generation=gen, pks=pks, active=active, withdrawn=~active, title_rank=title_rank,
        modified_rank=modified_rank, quality=quality, facets=facets,
        publisher_names=publishers, publisher_aliases=aliases,
    )


def _publisher_roots(parents: dict[str, str]) -> dict[str, str]:
    """alias -> the publisher at the end of its chain of merges (a loop ends where it started)."""
    roots: dict[str, str] = {}
    for alias in parents:
        root, seen = alias, {alias}
        while root in parents and parents[root] not in seen:
            root = parents[root]
            seen.add(root)
        roots[alias] = root
    return roots


def parse_ids(joined: str | None) -> np.ndarray:
    """Parse a group_concat of integer ids."""
    if not joined:
        return np.zeros(0, dtype=np.int64)
    # NumPy's text parser: 2 ms for 100,000 ids, against 16 ms for split() and array()
    return np.fromstring(joined, dtype=np.int64, sep=",")


# labels of the facet values no EU vocabulary names (the access-right vocabulary labels the rest)
VALUE_LABELS: dict[str, dict[str, dict[str, str]]] = {
    "type": {
        "dataset": {"sv": "Datamängd", "en": "Dataset"},
        "dataservice": {"sv": "Datatjänst (API)", "en": "Data service (API)"},
        "datasetseries": {"sv": "Dataserie", "en": "Dataset series"},
    },
    "access": {
        "open": {"sv": "Öppen", "en": "Open"},
        "restricted": {"sv": "Begränsad (API-nyckel)", "en": "Restricted (API key)"},
        "non-public": {"sv": "Inte offentlig", "en": "Not public"},
    },
}


def facet_label(idx: FacetIndex, facet: str, value: str, lang: str = "sv") -> str:
    """The human label of a facet value in ``lang`` (``sv`` or ``en``): a publisher's name, else as
    :func:`value_label` says."""
    if facet == "publisher":
        return idx.publisher_names.get(value) or value
    return value_label(facet, value, lang)


def value_label(facet: str, value: str, lang: str = "sv") -> str:
    """The label of a theme, format, licence, type, access, HVD category or legislation value in ``lang``,
    falling back to English, then to the value itself (keywords and sources are their own labels)."""
    if facet == "theme":
        return vocab.themes().label(value, lang)
    if facet == "format":
        return vocab.file_types().label(value, lang)
    if facet == "license":
        return vocab.licence_label(value, lang)
    if facet == "hvd_category":
        return vocab.hvd_categories().label(value, lang)
    if facet == "applicable_legislation":
        return vocab.legislation_label(value, lang)
    labels = VALUE_LABELS.get(facet, {}).get(value)
    if labels:
        return labels.get(lang) or labels["en"]
    if facet == "access":  # another EU access-right code (confidential, sensitive …), lower-cased
        return vocab.access_rights().label(value.upper().replace("-", "_"), lang)
    return value
