"""The facet index: which datasets carry which facet value, their sort keys and quality, in NumPy
arrays, and the labels of facet values.

Counting facets with GROUP BY over 20,000+ datasets costs tens of milliseconds per query; a bincount
over these cached arrays costs well under one (docs/decisions/0002-search-and-facets.md). The index
is rebuilt whenever the catalogue's change generation moves (catalog.search.searcher keeps it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sqlalchemy import Engine, text

from catalog import vocab
from catalog.search.query import FACETS, STORED_NAMES
from catalog.search.term_index import locate
from catalog.store import runs

PUBLIC_NAMES = {stored: public for public, stored in STORED_NAMES.items()}

# a facet with at most this many values (type, access, a few sources) is counted with one boolean
# mask per value: ANDing and counting a few masks costs a fifth of a sparse matrix-vector product
SMALL = 4


@dataclass(slots=True)
class Facet:
    """The datasets of each value of one facet, arranged for filtering and for counting."""

    values: list[str]
    index: dict[str, int]
    # value × dataset, 1 where the dataset carries the value: row v's column indices are the
    # positions of the datasets with value v
    matrix: sparse.csr_matrix
    ptr: np.ndarray  # the same pairs by dataset: the values of dataset i are by_doc[ptr[i]:ptr[i + 1]]
    by_doc: np.ndarray
    dense: list[np.ndarray] | None = None  # small facets: the datasets of each value as a mask

    @classmethod
    def build(cls, values: list[str], doc: np.ndarray, val: np.ndarray, size: int) -> Facet:
        order = np.argsort(doc, kind="stable")
        ptr = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(np.bincount(doc, minlength=size), out=ptr[1:])
        matrix = sparse.csr_matrix((np.ones(len(doc)), (val, doc)), shape=(len(values), size))
        facet = cls(values, {v: i for i, v in enumerate(values)}, matrix, ptr, val[order].astype(np.intp))
        if len(values) <= SMALL:
            facet.dense = [facet.having([v], size) for v in range(len(values))]
        return facet

    def having(self, value_ids: list[int], size: int) -> np.ndarray:
        """The datasets carrying any of the values."""
        mask = np.zeros(size, dtype=bool)
        for v in value_ids:
            mask[self.matrix.indices[self.matrix.indptr[v] : self.matrix.indptr[v + 1]]] = True
        return mask

    def counts(self, mask: np.ndarray) -> np.ndarray:
        """How many selected datasets carry each value.

        Few selected datasets: their values are gathered through ``ptr`` (the cost follows the
        selection). Many: one sparse matrix-vector product, which at 100,000 datasets counts all
        six facets in about a millisecond (NumPy's gather, compaction and bincount took five).
        A small facet ANDs its value masks with the selection instead.
        """
        if self.dense is not None:
            return np.array([np.count_nonzero(mask & d) for d in self.dense], dtype=np.int64)
        rows = np.flatnonzero(mask)
        if len(rows) * 16 < len(mask):
            starts = self.ptr[rows]
            lengths = self.ptr[rows + 1] - starts
            total = int(lengths.sum())
            if not total:
                return np.zeros(len(self.values), dtype=np.int64)
            first = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
            return np.bincount(self.by_doc[first + np.arange(total)], minlength=len(self.values))
        return np.rint(self.matrix @ mask.astype(np.float64)).astype(np.int64)


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


def _rank_from_order(pks: np.ndarray, ordered: np.ndarray) -> np.ndarray:
    """Ranks (position in ``ordered``) for each pk of the sorted ``pks``."""
    ranks = np.zeros(len(pks), dtype=np.int64)
    if len(ordered):
        ranks[np.searchsorted(pks, ordered)] = np.arange(len(ordered), dtype=np.int64)
    return ranks


def build_index(engine: Engine) -> FacetIndex:
    """Read the facet table and the sort keys into arrays.

    The database does the grouping and ordering: one row per distinct facet value carrying its
    datasets' keys as a single concatenated string, and the sort orders as ordered key lists, so
    even 100,000 datasets with a million facet pairs never become a million Python objects.
    """
    sqlite = engine.dialect.name == "sqlite"
    concat = "group_concat(dataset_pk)" if sqlite else "string_agg(dataset_pk::text, ',')"
    concat_pk = "group_concat(pk)" if sqlite else "string_agg(pk::text, ',' ORDER BY pk)"
    with engine.connect() as conn:
        gen = runs.generation(conn)
        pks = np.sort(parse_ids(conn.execute(text(f"SELECT {concat_pk} FROM dataset")).scalar()))
        active_pks = parse_ids(conn.execute(text(f"SELECT {concat_pk} FROM dataset WHERE status = 'active'")).scalar())
        # byte order: the sort keys are made for it (PostgreSQL's locale collations skip punctuation)
        collate = "" if sqlite else ' COLLATE "C"'
        title_order = np.array(conn.execute(text(f"SELECT pk FROM dataset ORDER BY title_sort{collate}, pk"))
                               .scalars().all(), dtype=np.int64)
        # NULLS FIRST: undated datasets sort as the oldest on both databases
        modified_order = np.array(conn.execute(text(
            f"SELECT pk FROM dataset ORDER BY modified{collate} NULLS FIRST, pk")).scalars().all(), dtype=np.int64)
        quality_rows = conn.execute(text("SELECT pk, quality_score FROM dataset")).all()
        facet_rows = conn.execute(text(
            f"SELECT facet, value, {concat} FROM dataset_facet GROUP BY facet, value")).all()
        publisher_rows = conn.execute(text("SELECT id, name, merged_into FROM publisher")).all()
    quality = np.zeros(len(pks), dtype=np.float64)
    if quality_rows:
        q_pks = np.fromiter((r[0] for r in quality_rows), dtype=np.int64, count=len(quality_rows))
        q_val = np.fromiter((r[1] or 0.0 for r in quality_rows), dtype=np.float64, count=len(quality_rows))
        quality[np.searchsorted(pks, q_pks)] = q_val
    grouped: dict[str, tuple[list[str], list[np.ndarray]]] = {f: ([], []) for f in FACETS}
    for stored, value, joined in facet_rows:
        facet = PUBLIC_NAMES.get(stored, stored)
        if facet in grouped:
            grouped[facet][0].append(value)
            grouped[facet][1].append(parse_ids(joined))
    facets: dict[str, Facet] = {}
    for facet, (values, id_lists) in grouped.items():
        if id_lists:
            doc_pks = np.concatenate(id_lists)
            val = np.repeat(np.arange(len(values), dtype=np.int64), [len(x) for x in id_lists])
            pos, ok = locate(pks, doc_pks)
            doc, val = pos[ok], val[ok]
        else:
            doc = val = np.zeros(0, dtype=np.int64)
        facets[facet] = Facet.build(values, doc, val, len(pks))
    publishers = {r[0]: r[1] for r in publisher_rows}
    aliases = _publisher_roots({r[0]: r[2] for r in publisher_rows if r[2]})
    publishers.update({alias: publishers.get(root, alias) for alias, root in aliases.items()})
    active = np.zeros(len(pks), dtype=bool)
    if len(active_pks):
        active[np.searchsorted(pks, active_pks)] = True
    return FacetIndex(
        generation=gen, pks=pks, active=active, withdrawn=~active,
        title_rank=_rank_from_order(pks, title_order),
        modified_rank=_rank_from_order(pks, modified_order), quality=quality, facets=facets,
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
