"""Keeping the search indexes current after a change without rebuilding them.

A harvest of a 100,000-dataset catalogue that changes a few datasets used to cost every serving
process a full rebuild: the facet index in 2–7 s (every search waiting for it) and the term index in
4 s on SQLite and 10–15 s on PostgreSQL, during which words that match much took the database's slow
path. Instead, when the generation moves, the searcher reads which datasets changed and applies only
them (docs/decisions/0006-search-speed-incremental.md):

- **What changed** comes from the revisions: every stored change of a dataset (added, updated,
  restored, withdrawn, taken over) writes one, in the transaction that bumps the generation. The
  searcher keeps a mark (the highest revision id it applied and how many revisions lie at or below
  it); the revisions above the mark are the change. A run that committed late, with revision ids
  below the mark, shows up as more revisions at or below it than counted: then the indexes are
  rebuilt. Changes that write no revision (a publisher merge) say so with :func:`require_rebuild`;
  quality scores (the SHACL check after a harvest writes no revision) and statuses are re-read
  for every dataset at each update.
- **The facet index** keeps every position: datasets added since get the next positions (primary keys
  only grow), the changed ones get their facet values, status and quality re-read, and the sort orders
  are read again.
- **The term index** drops the changed datasets' postings and merges in theirs, read with the
  database's own tokenizer (on SQLite through a temporary FTS5 table of the same definition; on
  PostgreSQL from their tsvectors), so the result equals a fresh build's (the tests compare them).

Anything unexpected (too many changes, a primary key below the highest, a dataset gone, a count that
does not add up) returns None, and the searcher rebuilds as before.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from sqlalchemy import Connection, func, select, text

from catalog.chunks import chunked
from catalog.search import term_index
from catalog.search.facets import (
    PUBLIC_NAMES,
    Facet,
    FacetIndex,
    _publisher_roots,
    _rank_from_order,
    read_order,
    read_statuses,
)
from catalog.search.term_index import TermIndex, locate
from catalog.store import runs
from catalog.store.tables import DS, REV, STATE

REBUILD_KEY = "search_rebuild_generation"
# more changed datasets than this (or than this share of the catalogue) are rebuilt instead
MAX_CHANGED = 20_000
MAX_SHARE = 0.25
CHUNK = 500


@dataclass(frozen=True, slots=True)
class Mark:
    """How far the revisions are applied: the highest id, and how many revisions lie at or below it."""

    revision: int
    count: int


def require_rebuild(conn: Connection) -> None:
    """Call after bumping the generation, in the same transaction, for a change that writes no
    revision per changed dataset (facet values or texts changed some other way)."""
    gen = str(runs.generation(conn))
    if conn.execute(select(STATE.c.key).where(STATE.c.key == REBUILD_KEY)).first() is None:
        conn.execute(STATE.insert().values(key=REBUILD_KEY, value=gen))
    else:
        conn.execute(STATE.update().where(STATE.c.key == REBUILD_KEY).values(value=gen))


def mark(conn: Connection) -> Mark:
    """The revisions stored so far (read before a full build: what comes after is applied later)."""
    top = conn.execute(select(func.max(REV.c.id))).scalar() or 0
    return Mark(top, _count_upto(conn, top))


def _count_upto(conn: Connection, top: int) -> int:
    return int(conn.execute(select(func.count()).select_from(REV).where(REV.c.id <= top)).scalar() or 0)


@dataclass(slots=True)
class Update:
    index: FacetIndex
    mark: Mark
    changed: np.ndarray  # positions (in ``index``) of the datasets whose texts or facets changed
    added: int  # datasets new to the index


def changed_pks(conn: Connection, since: FacetIndex, at: Mark) -> tuple[np.ndarray, Mark] | None:
    """Primary keys of the datasets changed since ``at`` (None: unknown, rebuild)."""
    rebuild = conn.execute(select(STATE.c.value).where(STATE.c.key == REBUILD_KEY)).scalar()
    if rebuild and int(rebuild) > since.generation:
        return None
    if _count_upto(conn, at.revision) != at.count:
        return None  # a run committed late below the mark: its changes are not above it
    limit = min(MAX_CHANGED, max(1000, int(len(since.pks) * MAX_SHARE)))
    rows = conn.execute(select(REV.c.id, REV.c.dataset_id).where(REV.c.id > at.revision)
                        .order_by(REV.c.id).limit(limit * 4 + 1)).all()
    if len(rows) > limit * 4:
        return None
    ids = sorted({r.dataset_id for r in rows})
    if len(ids) > limit:
        return None
    new_mark = Mark(rows[-1].id, at.count + len(rows)) if rows else at
    pks: list[int] = []
    for chunk in chunked(ids, CHUNK):
        pks += conn.execute(select(DS.c.pk).where(DS.c.id.in_(chunk))).scalars().all()
    if len(pks) != len(ids):
        return None  # a dataset is gone
    return np.unique(np.asarray(pks, dtype=np.int64)), new_mark


def update_facets(conn: Connection, old: FacetIndex, changed: np.ndarray, generation: int) -> Update | None:
    """``old`` with the changed datasets re-read; None when positions would have to move."""
    sqlite = conn.dialect.name == "sqlite"
    new_pks = changed[~locate(old.pks, changed)[1]]
    if len(new_pks) and len(old.pks) and int(new_pks.min()) <= int(old.pks[-1]):
        return None
    pks = np.concatenate([old.pks, new_pks]) if len(new_pks) else old.pks
    n = len(pks)
    # statuses and quality scores of every dataset: a quality check changes scores without revisions
    row_pks, row_active, row_quality = read_statuses(conn, sqlite)
    if len(row_pks) != n:
        return None  # a dataset added or removed without a revision
    pos, ok = locate(pks, row_pks)
    if not ok.all():
        return None
    active = np.zeros(n, dtype=bool)
    active[pos] = row_active
    quality = np.zeros(n, dtype=np.float64)
    quality[pos] = row_quality
    if len(changed):
        title_order = read_order(conn, sqlite, "title_sort")
        modified_order = read_order(conn, sqlite, "modified", " NULLS FIRST")
        if len(title_order) != n or len(modified_order) != n:
            return None
        title_rank, modified_rank = _rank_from_order(pks, title_order), _rank_from_order(pks, modified_order)
    else:
        title_rank, modified_rank = old.title_rank, old.modified_rank
    changed_pos = locate(pks, changed)[0]
    facets = _update_facets(conn, old, pks, changed, changed_pos) if len(changed) else old.facets
    publisher_rows = conn.execute(text("SELECT id, name, merged_into FROM publisher")).all()
    publishers = {r[0]: r[1] for r in publisher_rows}
    aliases = _publisher_roots({r[0]: r[2] for r in publisher_rows if r[2]})
    publishers.update({alias: publishers.get(root, alias) for alias, root in aliases.items()})
    index = FacetIndex(generation=generation, pks=pks, active=active, withdrawn=~active, title_rank=title_rank,
                       modified_rank=modified_rank, quality=quality, facets=facets, publisher_names=publishers,
                       publisher_aliases=aliases)
    return Update(index=index, mark=Mark(0, 0), changed=changed_pos, added=len(new_pks))


def _update_facets(conn: Connection, old: FacetIndex, pks: np.ndarray, changed: np.ndarray,
                   changed_pos: np.ndarray) -> dict[str, Facet]:
    n = len(pks)
    fresh: dict[str, list[tuple[int, str]]] = {f: [] for f in old.facets}
    for chunk in chunked([int(p) for p in changed], CHUNK):
        for pk, stored, value in conn.execute(
                text("SELECT dataset_pk, facet, value FROM dataset_facet WHERE dataset_pk IN "
                     f"({','.join(str(p) for p in chunk)})")):
            facet = PUBLIC_NAMES.get(stored, stored)  # a facet stored under a shorter name
            if facet in fresh:
                fresh[facet].append((pk, value))
    dropped = np.zeros(n, dtype=bool)
    dropped[changed_pos] = True
    out: dict[str, Facet] = {}
    for facet, fx in old.facets.items():
        doc, val = fx.pairs()
        keep = ~dropped[doc]
        values, index = list(fx.values), dict(fx.index)
        pairs = fresh[facet]
        add_doc = locate(pks, np.fromiter((p for p, _ in pairs), dtype=np.int64, count=len(pairs)))[0]
        add_val = np.empty(len(pairs), dtype=np.int64)
        for i, (_, value) in enumerate(pairs):
            vid = index.get(value)
            if vid is None:
                vid = index[value] = len(values)
                values.append(value)
            add_val[i] = vid
        out[facet] = Facet.build(values, np.concatenate([doc[keep], add_doc]),
                                 np.concatenate([val[keep], add_val]), n)
    return out


def update_terms(conn: Connection, old: TermIndex, update: Update) -> TermIndex:
    """``old`` without the changed datasets' postings and with their current ones."""
    idx = update.index
    if not len(update.changed):  # scores or statuses only (a quality check): the same postings
        return replace(old, generation=idx.generation)
    pks = idx.pks[update.changed]
    rows, split = _sqlite_rows(conn, pks) if conn.dialect.name == "sqlite" else _postgres_rows(conn, pks)
    builder = term_index._Builder(idx.pks, split)
    for term, joined in rows:
        builder.add(term, joined)
    delta = builder.finish(idx.generation)
    return merge(old, delta, update.changed, len(idx.pks), idx.generation)


MERGE_BLOCK = 1 << 22  # old postings handled at a time (a few MB of temporaries)


def merge(old: TermIndex, delta: TermIndex, changed: np.ndarray, size: int, generation: int) -> TermIndex:
    """The postings of ``old`` outside ``changed`` (positions) and all of ``delta``'s, in one index of
    ``size`` datasets. Words whose postings all went stay in the vocabulary, empty, until a rebuild.

    Two passes over the old postings, a block at a time (what each word keeps; then the kept ones
    copied out with the new ones inserted), so that beside the old and the new index only a
    block's temporaries are held: the new postings' places are found word by word, among the few
    words the changed datasets have.
    """
    dropped = np.zeros(size, dtype=bool)
    dropped[changed] = True
    added = [w for w in delta.words if not _has(old.words, w)]
    words = sorted(old.words + added) if added else old.words
    total = len(old.doc)
    # postings each old word keeps
    removed = np.zeros(len(old.words), dtype=np.int64)
    for lo in range(0, total, MERGE_BLOCK):
        gone_at = lo + np.flatnonzero(dropped[old.doc[lo:lo + MERGE_BLOCK]])
        if len(gone_at):
            removed += np.bincount(np.searchsorted(old.ptr, gone_at, side="right") - 1, minlength=len(old.words))
    counts = np.diff(old.ptr) - removed
    kept_ptr = np.zeros(len(old.words) + 1, dtype=np.int64)
    np.cumsum(counts, out=kept_ptr[1:])
    # where each delta word's postings go among the kept ones, and the new per-word counts
    places: list[np.ndarray] = []
    new_counts = np.zeros(len(words), dtype=np.int64)
    # an old word's new position: itself plus the added words sorting before it
    inserted = np.fromiter((bisect_left(old.words, w) for w in added), dtype=np.int64, count=len(added))
    old_at = np.arange(len(old.words)) + np.cumsum(np.bincount(inserted, minlength=len(old.words) + 1))[:-1]
    new_counts[old_at] = counts
    for i, word in enumerate(delta.words):
        docs = delta.doc[delta.ptr[i]:delta.ptr[i + 1]]
        j = bisect_left(old.words, word)
        if j < len(old.words) and old.words[j] == word:
            held = old.doc[old.ptr[j]:old.ptr[j + 1]]
            places.append(kept_ptr[j] + np.searchsorted(held[~dropped[held]], docs))
        else:  # a new word: its postings go where the old words after it start
            places.append(np.full(len(docs), kept_ptr[j], dtype=np.int64))
        new_counts[bisect_left(words, word)] += len(docs)
    at = np.concatenate(places) if places else np.zeros(0, dtype=np.int64)
    order = np.argsort(at, kind="stable")  # as np.insert: equal places keep the delta's order
    at, new_doc, new_bits = at[order], delta.doc[order], delta.bits[order]
    kept_total = int(kept_ptr[-1])
    doc = np.empty(kept_total + len(at), dtype=old.doc.dtype)
    bits = np.empty(kept_total + len(at), dtype=old.bits.dtype)
    out = kept = 0  # written so far; kept postings passed so far
    for lo in range(0, total, MERGE_BLOCK):
        keep = ~dropped[old.doc[lo:lo + MERGE_BLOCK]]
        block_doc, block_bits = old.doc[lo:lo + MERGE_BLOCK][keep], old.bits[lo:lo + MERGE_BLOCK][keep]
        first, last = np.searchsorted(at, [kept, kept + len(block_doc)])
        if last > first:
            block_doc = np.insert(block_doc, at[first:last] - kept, new_doc[first:last])
            block_bits = np.insert(block_bits, at[first:last] - kept, new_bits[first:last])
        doc[out:out + len(block_doc)] = block_doc
        bits[out:out + len(block_bits)] = block_bits
        out += len(block_doc)
        kept += int(np.count_nonzero(keep))
    first = int(np.searchsorted(at, kept))  # those after every kept posting
    doc[out:] = new_doc[first:]
    bits[out:] = new_bits[first:]
    ptr = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum(new_counts, out=ptr[1:])
    return TermIndex(generation=generation, size=size, words=words, ptr=ptr, doc=doc, bits=bits)


def _has(words: list[str], word: str) -> bool:
    i = bisect_left(words, word)
    return i < len(words) and words[i] == word


def _sqlite_rows(conn: Connection, pks: np.ndarray) -> tuple[Any, term_index.Split]:
    """The changed datasets' tokens: their stored texts copied into a temporary FTS5 table made
    from dataset_fts's own definition (the same tokenizer), read through its vocabulary."""
    raw: Any = conn.connection.driver_connection
    sql = raw.execute("SELECT sql FROM sqlite_master WHERE name = 'dataset_fts'").fetchone()[0]
    columns = sql[sql.index("(") + 1:]
    raw.execute("DROP TABLE IF EXISTS temp.dk_fts_delta")
    raw.execute(f"CREATE VIRTUAL TABLE temp.dk_fts_delta USING fts5({columns}")
    raw.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.dk_fts_delta_vocab "
                "USING fts5vocab(temp, dk_fts_delta, instance)")
    for chunk in chunked([int(p) for p in pks], CHUNK):
        raw.execute("INSERT INTO temp.dk_fts_delta (rowid, title, keywords, description, publisher, stems) "
                    "SELECT rowid, title, keywords, description, publisher, stems FROM main.dataset_fts "
                    f"WHERE rowid IN ({','.join(str(p) for p in chunk)})")
    rows = raw.execute("SELECT term, group_concat(doc * 128 + unicode(col)) "
                       "FROM temp.dk_fts_delta_vocab GROUP BY term ORDER BY term").fetchall()
    raw.execute("DROP TABLE temp.dk_fts_delta")
    return rows, term_index._sqlite_split()


def _postgres_rows(conn: Connection, pks: np.ndarray) -> tuple[Any, term_index.Split]:
    rows = conn.execute(text(term_index.POSTGRES_TERMS.format(where="WHERE d.pk = ANY(:pks)")),
                        {"pks": [int(p) for p in pks]}).all()
    return rows, term_index._postgres_split
