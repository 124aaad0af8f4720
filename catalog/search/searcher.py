"""Searching: text matches, facet filters and counts, ranking and paging.

Text matching and ranking run in the database's own full-text index (SQLite FTS5, PostgreSQL
tsvector), or for words that match much in the in-memory term index (catalog.search.term_index);
facet filtering and counting run on the facet index (catalog.search.facets), which is rebuilt
whenever the catalogue's change generation moves. docs/decisions/0002-search-and-facets.md and
0003 have the figures.

Facets follow the usual multi-select rule: values within one facet OR together, facets AND
together, and each facet's counts respect every filter except its own.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, text

from catalog.search import expansion, incremental, ranking, serving, term_index
from catalog.search.facets import Facet, FacetIndex, Selection, build_index, facet_label, parse_ids
from catalog.search.query import FACETS, SearchQuery
from catalog.search.stemming import word_stems
from catalog.search.term_index import locate, release_free_memory
from catalog.store import runs

log = logging.getLogger(__name__)

BM25_LIMIT = 2000
TERMS_IN_BACKGROUND = 20_000

_TOKEN = re.compile(r"\w+", re.UNICODE)  # the same tokens as catalog.stemming
_PHRASE = re.compile(r'"([^"]*)"')


@dataclass(frozen=True, slots=True)
class IndexState:
    """The indexes a process's searcher holds in memory (:meth:`Searcher.held`, :func:`held_state`)."""

    facets: int | None  # the generation of the facet index held (None: none yet)
    terms: int | None  # the generation of the term index held, which may lag the facet index's
    datasets: int  # datasets in the facet index
    term_index: str  # "ready" (of the facet index's generation), "building", "failed" or "none"


@dataclass(slots=True)
class SearchHits:
    """Matching dataset primary keys in result order, plus facet counts."""

    total: int
    pks: list[int]
    facets: dict[str, list[dict[str, Any]]]
    index: FacetIndex | None = None  # the facet index searched (its generation's service links: links())


class Searcher:
    """Answers searches for one engine, keeping the facet index in step with the catalogue.

    Words that match more than ``memory_threshold`` datasets are answered from an in-memory term
    index (catalog.term_index) of the same catalogue generation; smaller match sets, and every
    query while that index is being built, come from the database and are ranked by BM25 there.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self.memory_threshold = BM25_LIMIT
        # Large catalogues get their term index built in the background only in serving processes
        # (warm() turns this on); a one-shot command lets the database answer instead.
        self.background_terms = False
        self._index: FacetIndex | None = None
        self._terms: term_index.TermIndex | None = None
        self._terms_thread: threading.Thread | None = None  # a background build
        self._terms_failed: int | None = None  # the generation whose build failed (not retried)
        self._lock = threading.Lock()
        self._terms_lock = threading.Lock()
        self._links: serving.ServiceLinks | None = None
        self._links_lock = threading.Lock()
        self._mark: incremental.Mark | None = None  # the revisions the indexes hold
        # how the indexes followed the catalogue: full builds of each, and updates in place
        self.facet_builds = 0
        self.term_builds = 0
        self.updates = 0

    def index(self, conn: Connection | None = None) -> FacetIndex:
        """The facet index of the catalogue's current generation (read through ``conn`` if given:
        on PostgreSQL every pool checkout costs a round trip)."""
        if conn is not None:
            gen = runs.generation(conn)
        else:
            with self.engine.connect() as own:
                gen = runs.generation(own)
        current = self._index
        if current is not None and current.generation == gen:
            return current
        del current  # an index of an older generation is let go as soon as it is replaced (below)
        with self._lock:
            if self._index is None or self._index.generation != gen:
                self._index = self._next_index()
            current = self._index
        self.terms_for(current)  # built at once for small catalogues, else started in the background
        return current

    def _next_index(self) -> FacetIndex:
        """The index of the catalogue's current generation: the held one with the changed datasets
        applied (and the term index with it), or else built anew (catalog.search.incremental)."""
        if self._index is not None and self._mark is not None:
            try:
                updated = self._update_in_place(self._index, self._mark)
            except Exception:  # rebuilt instead
                log.exception("updating the search indexes in place failed; rebuilding them")
            else:
                if updated is not None:
                    release_free_memory()
                    return updated
        # A full build. No search of the new generation uses the old indexes (searches wait for this
        # one, and a term index must be of the facet index's generation), so they are let go first
        # instead of being held beside the new ones: that was the rebuild's peak.
        old, self._index = self._index, None
        with self._terms_lock:
            if old is not None and self._terms is not None and self._terms.generation <= old.generation:
                self._terms = None
        del old
        release_free_memory()
        with self.engine.connect() as conn:
            mark = incremental.mark(conn)  # before reading: what comes after it is applied next time
        index = build_index(self.engine)
        self._mark = mark
        self.facet_builds += 1
        release_free_memory()
        return index

    def _update_in_place(self, old: FacetIndex, at: incremental.Mark) -> FacetIndex | None:
        """``old`` moved to the current generation by applying the changed datasets, and the term index
        with it; None when the change cannot be applied in place."""
        started = time.perf_counter()
        with self.engine.connect() as conn:
            gen = runs.generation(conn)
            found = incremental.changed_pks(conn, old, at)
            update = incremental.update_facets(conn, old, found[0], gen) if found is not None else None
            if found is None or update is None:
                return None
            terms = self._terms
            if terms is not None and terms.generation == old.generation and terms.size == len(old.pks):
                terms = incremental.update_terms(conn, terms, update)
                with self._terms_lock:
                    self._terms = terms
        self._mark = found[1]
        self.updates += 1
        log.info("search indexes of generation %s: %d datasets changed (%d new), updated in %.2f s",
                 gen, len(update.changed), update.added, time.perf_counter() - started)
        return update.index

    def links(self, conn: Connection | None = None, idx: FacetIndex | None = None) -> serving.ServiceLinks:
        """Which services serve which datasets, for the index's generation (read once per generation)."""
        idx = idx or self.index(conn)
        current = self._links
        if current is not None and current.generation == idx.generation:
            return current
        with self._links_lock:
            current = self._links
            if current is None or current.generation != idx.generation:
                current = self._links = serving.build(self.engine, idx.generation, idx.pks)
        return current

    def held(self) -> IndexState:
        """What the searcher holds in memory now, without building or reading anything."""
        idx, terms = self._index, self._terms
        if idx is not None and terms is not None and terms.generation == idx.generation:
            term_state = "ready"
        else:
            thread = self._terms_thread
            if thread is not None and thread.is_alive():
                term_state = "building"
            elif idx is not None and self._terms_failed == idx.generation:
                term_state = "failed"  # the log says why; the database answers every search
            else:
                term_state = "none"
        return IndexState(facets=idx.generation if idx is not None else None,
                          terms=terms.generation if terms is not None else None,
                          datasets=len(idx.pks) if idx is not None else 0, term_index=term_state)

    def state(self) -> dict[str, Any]:
        """What the searcher holds, for /healthz: the generation and whether words that match much
        are answered from memory yet."""
        held = self.held()
        return {"generation": held.facets, "datasets": held.datasets, "term_index": held.term_index}

    def terms_for(self, idx: FacetIndex, *, wait: bool = False) -> term_index.TermIndex | None:
        """The term index of ``idx``'s generation, or None while it is being built.

        Small catalogues build it at once (well under a second below TERMS_IN_BACKGROUND
        datasets); larger ones build it in a thread while the database answers, so a harvest that
        changed the catalogue never makes a search wait for it. ``wait`` waits for that thread.
        """
        for _ in range(2):  # a second round when the running build was for an older generation
            terms = self._terms
            if terms is not None and terms.generation == idx.generation and terms.size == len(idx.pks):
                return terms
            if len(idx.pks) < TERMS_IN_BACKGROUND:
                with self._terms_lock:
                    terms = self._terms
                    if terms is None or terms.generation != idx.generation:
                        terms = term_index.build(self.engine, idx.pks, idx.generation)
                        self.term_builds += 1
                        if terms is not None:
                            self._terms = terms
                return terms if terms is not None and terms.generation == idx.generation else None
            if not (wait or self.background_terms):
                return None
            with self._terms_lock:
                thread = self._terms_thread
                if (thread is None or not thread.is_alive()) and self._terms_failed == idx.generation:
                    return None
                if thread is None or not thread.is_alive():
                    thread = self._terms_thread = threading.Thread(
                        target=self._build_terms, args=(idx,), daemon=True, name="datakatalog-term-index")
                    thread.start()
            if not wait:
                return None
            thread.join()
        return None

    def _build_terms(self, idx: FacetIndex) -> None:
        try:
            # first what the generation computes once at its first use (a million datasets: 0.3-0.8 s a
            # sort order), so that no search waits for it
            for sort in ("quality", "modified", "title"):
                idx.order(sort)
            idx.status_counts("active")
            started = time.perf_counter()
            terms = term_index.build(self.engine, idx.pks, idx.generation)
            self.term_builds += 1
            if terms is not None:
                with self._terms_lock:
                    held = self._terms  # an update in place may have moved past this build's generation
                    if held is None or held.generation <= terms.generation:
                        self._terms = terms
                    del held
                log.info("term index of generation %s: %d datasets, %d terms, built in %.1f s",
                         idx.generation, len(idx.pks), len(terms.words), time.perf_counter() - started)
            del terms
            release_free_memory()
        except Exception:  # the database answers every search of this generation instead
            self._terms_failed = idx.generation
            log.exception("building the term index of generation %s failed", idx.generation)

    # -- text -------------------------------------------------------------------------------

    def _expanded_matches(self, q: str, idx: FacetIndex) -> ranking.Matches | None:
        """The query's matches, then those of its synonyms and translations (catalog.search.expansion),
        each tier ranked below the ones before; None = no query."""
        found = self._text_matches(q, idx)
        variants = expansion.expand(q)
        if found is None or not variants:
            return found
        tiers = [found]
        for tier in (1, 2):
            alternatives = self._any_matches([v.q for v in variants if v.tier == tier], idx)
            if alternatives is not None:
                tiers.append(alternatives)
        if all(isinstance(t, ranking.Coded) for t in tiers):  # all from the term index: a byte a dataset
            return ranking.combine_coded([t.codes for t in tiers])  # type: ignore[union-attr]
        n = len(idx.pks)
        return ranking.Listed(*expansion.combine(n, [t.listed() for t in tiers]), n)

    def _any_matches(self, qs: list[str], idx: FacetIndex) -> ranking.Matches | None:
        """Datasets matching any of several queries (one tier of alternatives), each at its best
        score: those matching much from the term index, the rest from one database query ORing
        them; None = no query."""
        parsed = [p for p in map(_parse, qs) if p is not None]
        if not parsed:
            return None
        found: list[tuple[np.ndarray, np.ndarray]] = []
        scores: list[np.ndarray] = []  # from the term index: a code a dataset (the larger, the better)
        terms = self.terms_for(idx)
        rest = []
        for phrases, words, trailing_prefix in parsed:
            # ranked by field from memory however few they are: BM25 would only order them among
            # themselves, below the query's own matches, and costs a database query each
            memory = (self._memory_matches(terms, idx, phrases, words, trailing_prefix, threshold=-1)
                      if terms is not None and words else None)
            if memory is not None:
                scores.append(memory.codes)
            else:
                rest.append(self._db_expression(phrases, words, trailing_prefix))
        n = len(idx.pks)
        if not rest:
            return ranking.Coded(np.maximum.reduce(scores) if len(scores) > 1 else scores[0])
        pks, db_scores = self._db_run(" OR ".join(f"({e})" for e in rest) if self.sqlite
                                      else " | ".join(f"({e})" for e in rest))
        found += [ranking.Coded(sc).listed() for sc in scores]
        pos, ok = locate(idx.pks, pks)
        found.append((pos[ok], db_scores[ok]))
        return ranking.Listed(np.concatenate([p for p, _ in found]), np.concatenate([sc for _, sc in found]), n)

    def _text_matches(self, q: str, idx: FacetIndex) -> ranking.Matches | None:
        """The datasets matching the text with their scores, higher = better; None = no query."""
        parsed = _parse(q)
        if parsed is None:
            return None
        phrases, words, trailing_prefix = parsed
        if words:
            terms = self.terms_for(idx)
            if terms is not None:
                found = self._memory_matches(terms, idx, phrases, words, trailing_prefix)
                if found is not None:
                    return found
        pks, scores = self._db_matches(phrases, words, trailing_prefix)
        pos, ok = locate(idx.pks, pks)
        return ranking.Listed(pos[ok], scores[ok], len(idx.pks))

    def _memory_matches(
        self, terms: term_index.TermIndex, idx: FacetIndex, phrases: list[list[str]], words: list[str],
        trailing_prefix: bool, threshold: int | None = None,
    ) -> ranking.Coded | None:
        """The same matches as the database's, from memory; None when they are few enough for
        the database to rank them by BM25 (it does that fast for small match sets): at most
        ``threshold`` (default ``memory_threshold``)."""
        threshold = self.memory_threshold if threshold is None else threshold
        n = len(idx.pks)
        # a byte a dataset: whether every word occurs, and the ranked fields every word occurs in
        codes: np.ndarray | None = None
        for i, w in enumerate(words):
            word = terms.codes(n, w, prefix=trailing_prefix and i == len(words) - 1, stems=word_stems(w))
            if codes is None:
                codes = word
            else:
                codes &= word
        if codes is None or int(np.count_nonzero(codes)) <= threshold:
            return None
        if phrases:
            pks, _ = self._db_matches(phrases, [], False)
            pos, ok = locate(idx.pks, pks)
            in_phrases = np.zeros(n, dtype=bool)
            in_phrases[pos[ok]] = True
            codes *= in_phrases
            if int(np.count_nonzero(codes)) <= threshold:
                return None
        # ranked by the fields every word occurs in: title 10, keywords 4, publisher 2, elsewhere 1
        return ranking.Coded(codes)

    def _db_matches(
        self, phrases: list[list[str]], words: list[str], trailing_prefix: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        """(pks, scores) from the database's full-text index."""
        return self._db_run(self._db_expression(phrases, words, trailing_prefix))

    def _db_expression(self, phrases: list[list[str]], words: list[str], trailing_prefix: bool) -> str:
        """The query as an FTS5 expression (SQLite) or a tsquery (PostgreSQL)."""
        # A word matches itself (as a prefix while it is being typed: the last word) or any of its
        # Swedish and English stems; a quoted phrase matches as written.
        if self.sqlite:
            parts = ['"' + " ".join(p) + '"' for p in phrases]
            for i, w in enumerate(words):
                star = "*" if trailing_prefix and i == len(words) - 1 else ""
                stems = " OR ".join(f'"{s}"' for s in word_stems(w))
                parts.append(f'("{w}"{star} OR {{stems}} : ({stems}))' if stems else f'"{w}"{star}')
            return " AND ".join(parts)
        terms = [" <-> ".join(p) for p in phrases]
        for i, w in enumerate(words):
            star = ":*" if trailing_prefix and i == len(words) - 1 else ""
            terms.append(" | ".join([w + star, *(f"{s}:D" for s in word_stems(w))]))
        return " & ".join(f"({t})" for t in terms)

    def _db_run(self, expr: str) -> tuple[np.ndarray, np.ndarray]:
        """(pks, scores) of an expression of :meth:`_db_expression` (or several ORed)."""
        with self.engine.connect() as conn:
            if self.sqlite:
                return self._fts5_ranked(conn, expr)
            # (pk, rank) pairs as one joined string, parsed by NumPy: a common word's 570,000 rows
            # of a million datasets as Python rows were some 160 MB while the term index was built
            joined = conn.execute(
                text("SELECT string_agg(pk::text || ',' || ts_rank('{0.1, 0.2, 0.4, 1.0}', search_vector, q)::text, "
                     "',') FROM dataset, to_tsquery('simple', :q) q WHERE search_vector @@ q"),
                {"q": expr}).scalar()
        if not joined:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        pairs = np.fromstring(joined, dtype=np.float64, sep=",").reshape(-1, 2)
        return pairs[:, 0].astype(np.int64), pairs[:, 1].copy()

    def _fts5_ranked(self, conn: Any, expr: str) -> tuple[np.ndarray, np.ndarray]:
        """FTS5 matches with a score. BM25 costs a few microseconds per matching row, which is
        what made common words slow (70 ms for 20,000 matches), so large match sets are ranked by
        the fields they match in instead (title 10, keywords 4, publisher 2, elsewhere 1): a column
        filter costs about a millisecond. Row ids come back as one group_concat string, parsed by
        NumPy: 20,000 ids cost 2 ms that way instead of 12 ms as Python rows."""
        raw = conn.connection.driver_connection
        match = "SELECT group_concat(rowid) FROM dataset_fts WHERE dataset_fts MATCH ?"
        pks = parse_ids(raw.execute(match, (expr,)).fetchone()[0])
        if len(pks) <= BM25_LIMIT:
            rows = raw.execute("SELECT rowid, -bm25(dataset_fts, 10.0, 4.0, 1.0, 2.0, 0.5) FROM dataset_fts "
                               "WHERE dataset_fts MATCH ?", (expr,)).fetchall()
            return (np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)),
                    np.fromiter((r[1] for r in rows), dtype=np.float64, count=len(rows)))
        scores = np.ones(len(pks), dtype=np.float64)
        for column, weight in (("title", 10.0), ("keywords", 4.0), ("publisher", 2.0)):
            hits = parse_ids(raw.execute(match, (f"{{{column}}} : ({expr})",)).fetchone()[0])
            if len(hits):
                scores[np.isin(pks, hits, assume_unique=True)] += weight
        return pks, scores

    # -- the query --------------------------------------------------------------------------

    def search(self, query: SearchQuery, conn: Connection | None = None) -> SearchHits:
        idx = self.index(conn)
        n = len(idx.pks)
        base = idx.status_mask(query.status).copy()
        if query.min_quality is not None:
            base &= idx.quality >= query.min_quality
        matches = self._expanded_matches(query.q, idx) if query.q else None
        if matches is not None:
            base &= matches.mask()
        filter_masks: dict[str, np.ndarray] = {}
        if idx.publisher_aliases and query.filters.get("publisher"):
            # a merged publisher's old id (a bookmarked link) finds what is now stored under its publisher
            query = replace(query, filters={**query.filters, "publisher": list(dict.fromkeys(
                idx.publisher_aliases.get(v, v) for v in query.filters["publisher"]))})
        for facet, wanted in query.filters.items():
            fx = idx.facets.get(facet)
            if fx is None or not wanted:
                continue
            filter_masks[facet] = fx.having([fx.index[v] for v in wanted if v in fx.index], n)
        final = base.copy()
        for mask in filter_masks.values():
            final &= mask
        counted: dict[int, _Selection] = {}
        facets = {f: self._facet_counts(idx, f, self._selection(f, base, final, filter_masks), counted, query)
                  for f in FACETS}
        if query.collapse == "services":  # facet counts stay those of every matching record
            final = serving.collapse(self.links(idx=idx), final)
        hits = np.flatnonzero(final)
        total = int(len(hits))
        start = max(query.page - 1, 0) * query.per_page
        if start >= total:
            return SearchHits(total=total, pks=[], facets=facets, index=idx)
        if (matches is None or query.sort != "relevance") and total * 16 >= n:
            # an order that needs no text score, of many hits: the generation's order of every
            # dataset, filtered (sorting 570,000 hits' keys cost 10 ms at a million datasets)
            sort = "quality" if query.sort == "relevance" else query.sort
            chosen = _first_in_order(idx.order(sort), final, start + query.per_page)[start:]
        else:
            primary, title = self._sort_keys(idx, hits, matches, query)
            order = _first(primary, title, start + query.per_page)
            chosen = hits[order[start : start + query.per_page]]
        return SearchHits(total=total, pks=[int(p) for p in idx.pks[chosen]], facets=facets, index=idx)

    def _sort_keys(
        self, idx: FacetIndex, hits: np.ndarray, matches: ranking.Matches | None, query: SearchQuery
    ) -> tuple[np.ndarray, np.ndarray]:
        """(primary key, title rank) of the hits, both ascending. The title rank orders by title
        and then by dataset pk, so it breaks every tie and paging is stable."""
        title = idx.title_rank[hits]
        if query.sort == "title":
            return title, title
        if query.sort == "modified":
            return -idx.modified_rank[hits], title
        if query.sort == "quality":
            return -idx.quality[hits], title
        if matches is not None:
            # relevance: text rank, with quality as a gentle boost
            return -(matches.score_at(hits) * (1.0 + idx.quality[hits] / 200.0)), title
        return -idx.quality[hits], title

    @staticmethod
    def _selection(facet: str, base: np.ndarray, final: np.ndarray, filter_masks: dict[str, np.ndarray]
                   ) -> np.ndarray:
        """The datasets a facet is counted over: every filter but its own (the final selection for
        a facet nobody filters by, shared by all of them)."""
        if facet not in filter_masks:
            return final
        mask = base.copy()
        for other, m in filter_masks.items():
            if other != facet:
                mask &= m
        return mask

    def _facet_counts(
        self, idx: FacetIndex, facet: str, mask: np.ndarray, counted: dict[int, _Selection], query: SearchQuery,
    ) -> list[dict[str, Any]]:
        fx = idx.facets[facet]
        if not fx.values:
            return []
        # A selection of most of the catalogue (match-all, a word in every description) is counted
        # as what it leaves out, subtracted from the per-generation counts of the whole status.
        # ``counted`` keeps that choice per selection (holding the selection, so that its id stays
        # its own): the facets sharing one decide it once.
        every, size, every_counts = idx.status_counts(query.status)
        found = counted.get(id(mask))
        if found is None:
            found = counted[id(mask)] = _Selection(mask, every, size)
        counts = found.counts(fx)
        if found.left_out:
            counts = every_counts[facet] - counts
        nonzero = np.flatnonzero(counts)
        if len(nonzero) > query.facet_limit:
            top = nonzero[np.argpartition(-counts[nonzero], query.facet_limit - 1)[: query.facet_limit]]
        else:
            top = nonzero
        chosen = {int(v) for v in top}
        for value in query.filters.get(facet, []):
            if value in fx.index:
                chosen.add(fx.index[value])
        entries = [(fx.values[v], int(counts[v])) for v in chosen]
        entries.sort(key=lambda e: (-e[1], e[0]))
        return [{"value": v, "label": facet_label(idx, facet, v), "count": c} for v, c in entries]


class _Selection:
    """One selection the facets are counted over, with what its counting shares between facets
    (its count, positions or bit set: at a million datasets each a pass)."""

    __slots__ = ("counting", "left_out", "mask")

    def __init__(self, mask: np.ndarray, every: np.ndarray, size: int) -> None:
        self.mask = mask  # held, so that its id stays its own while the facets are counted
        selected = int(np.count_nonzero(mask))
        self.left_out = selected * 4 > size * 3
        self.counting = Selection(every & ~mask, size - selected) if self.left_out else Selection(mask, selected)

    def counts(self, fx: Facet) -> np.ndarray:
        return fx.counts(self.counting)


def _first_in_order(order: np.ndarray, final: np.ndarray, k: int) -> np.ndarray:
    """The first ``k`` positions of ``order`` (every position) that ``final`` holds: for a selection
    of at least 1/16 of the catalogue, found within the first few thousand of the order as a rule."""
    found: list[np.ndarray] = []
    got, lo, step = 0, 0, max(16 * k, 4096)
    while lo < len(order) and got < k:
        chunk = order[lo:lo + step]
        chunk = chunk[final[chunk]]
        found.append(chunk)
        got += len(chunk)
        lo += step
        step *= 2
    return np.concatenate(found)[:k] if found else order[:0]


def _first(primary: np.ndarray, tiebreak: np.ndarray, k: int) -> np.ndarray:
    """Indexes of the first ``k`` items by (primary, tiebreak), in order.

    Sorting 100,000 hits to show twenty cost 9 ms. Here everything is linear except sorting the
    ``k`` chosen: items before the k-th primary value are in, and of the items tied with it (with
    a common word most hits tie) the ones first by ``tiebreak`` fill the rest.
    """
    if k >= len(primary) // 4:
        return np.lexsort((tiebreak, primary))[:k]
    kth = _kth_smallest(primary, k)
    before = np.flatnonzero(primary < kth)
    tied = np.flatnonzero(primary == kth)
    need = k - len(before)
    if need < len(tied):
        tied = tied[_smallest(tiebreak[tied], need)]
    chosen = np.concatenate([before, tied])
    return chosen[np.lexsort((tiebreak[chosen], primary[chosen]))]


def _smallest(values: np.ndarray, k: int) -> np.ndarray:
    """Indexes of the ``k`` smallest of ``values``, non-negative integers (title ranks), in order.

    ``np.argpartition`` took 2–5 ms for 100,000 tied hits; the ranks are spread over the catalogue,
    so a bound that about ``k`` of them fall under is guessed from their count and maximum and
    doubled until it holds (one linear pass as a rule), and only those are sorted.
    """
    top = int(values.max())
    bound = max(k, int(k * (top + 1) / len(values) * 2))
    while True:
        under = np.flatnonzero(values < bound)
        if len(under) >= k or bound > top:
            return under[np.argsort(values[under], kind="stable")[:k]]
        bound *= 2


def _kth_smallest(values: np.ndarray, k: int, rounds: int = 4) -> Any:
    """The ``k``-th smallest of ``values`` (k ≥ 1).

    Scores tie a lot (a common word: every hit with the same fields and quality), and
    ``np.partition`` is slow on ties: 7 of 11 ms for "kommun" at 100,000 datasets (57,122 hits,
    two distinct scores). The smallest few distinct values are found by linear passes instead
    (0.1 ms each); only when the ``k``-th lies beyond them does partitioning decide.
    """
    rest, below = values, 0
    for _ in range(rounds):
        low = rest.min()
        ties = rest == low
        tied = int(np.count_nonzero(ties))
        if below + tied >= k:
            return low
        below += tied
        rest = rest[~ties]
    return np.partition(rest, k - 1 - below)[k - 1 - below]


def _tokens(text_: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(text_)]


def _parse(q: str) -> tuple[list[list[str]], list[str], bool] | None:
    """(quoted phrases, other words, whether the last word is still being typed); None = no words."""
    phrases = [p for p in (_tokens(x) for x in _PHRASE.findall(q)) if p]
    words = _tokens(_PHRASE.sub(" ", q))
    if not phrases and not words:
        return None
    return phrases, words, bool(words) and not q.rstrip().endswith('"') and not q.endswith(" ")


# An engine's searcher lives on the engine itself, so that it goes when the engine does (a
# process-wide dict keyed by id(engine) kept every engine a process had ever searched, with its
# pool and indexes, alive: a test run's thousands of engines, or a replaced engine's index).
_SEARCHER = "_datakatalog_searcher"
_searchers_lock = threading.Lock()


def _held_searcher(engine: Engine) -> Searcher | None:
    found = engine.__dict__.get(_SEARCHER)
    return found if isinstance(found, Searcher) else None


def forget(engine: Engine) -> None:
    """Let an engine's searcher go (the next search builds a new one): for a catalogue that was
    replaced behind the engine's back, and for tests that need a searcher of their own."""
    with _searchers_lock:
        engine.__dict__.pop(_SEARCHER, None)


def warm(engine: Engine) -> threading.Thread:
    """Build the search indexes of a server's catalogue before its first search asks for them."""

    def run() -> None:
        try:
            searcher = searcher_for(engine)
            searcher.background_terms = True
            searcher.terms_for(searcher.index(), wait=True)
        except Exception:  # the first search builds them instead
            log.exception("warming the search indexes failed")

    thread = threading.Thread(target=run, daemon=True, name="datakatalog-search-warmup")
    thread.start()
    return thread


def held_state(engine: Engine) -> IndexState | None:
    """What this process's searcher of ``engine`` holds, or None if it has none: building nothing
    (a metrics scrape must never start an index build)."""
    with _searchers_lock:
        found = _held_searcher(engine)
    return None if found is None else found.held()


def searcher_for(engine: Engine) -> Searcher:
    """The process-wide searcher of an engine (its facet index is shared by every request)."""
    with _searchers_lock:
        found = _held_searcher(engine)
        if found is None:
            found = Searcher(engine)
            engine.__dict__[_SEARCHER] = found
        return found
