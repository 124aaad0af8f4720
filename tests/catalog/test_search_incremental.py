"""After a harvest that changes a few datasets, a searcher updates its facet and term indexes in
place (no full rebuild) and answers exactly as freshly built indexes do."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from sqlalchemy import Engine

from catalog.search import incremental
from catalog.search.query import SearchQuery
from catalog.search.searcher import Searcher
from catalog.store import runs
from tests.catalog.test_term_index import QUERIES, catalogue
from tests.conftest import FixtureHTTPServer, HarvestFn

NEW = ('<https://x.example/d/new> a dcat:Dataset ; dct:title "Fjärrvärme i Lund"@sv ; '
       'dcat:keyword "energi"@sv , "data"@sv ; dct:publisher <https://x.example/org/c> ; '
       'dct:description "Ledningar för fjärrvärme och data om kommunen."@sv .\n'
       '<https://x.example/org/c> a foaf:Agent ; foaf:name "Lunds energi"@sv .\n')


def changed_catalogue() -> str:
    text = catalogue(NEW)
    text = text.replace('"Badplatser i Malmö"@sv', '"Vattenkvalitet i Malmö"@sv')  # a new title
    text = text.replace('dct:title "Luftkvalitet i Lund"@sv ; dcat:keyword "luft"@sv',
                        'dct:title "Luftkvalitet i Lund"@sv ; dcat:keyword "partiklar"@sv')  # a new keyword
    lines = [line for line in text.splitlines(keepends=True) if "Parkeringar i Umeå" not in line]  # withdrawn
    return "".join(lines)


SEARCHES = [SearchQuery(q=q, per_page=1000, status=status) for q in [*QUERIES, "vattenkvalitet", "fjärrvärme ",
                                                                     "partiklar", "luft ", "energi", "parkeringar"]
            for status in ("active", "all", "withdrawn")] + [
    SearchQuery(sort=sort, per_page=1000, status="all") for sort in ("title", "modified", "quality")] + [
    SearchQuery(q="data", filters={"keyword": ["energi", "bad"]}, per_page=1000),
    SearchQuery(filters={"publisher": ["lunds-energi"]}, per_page=1000),
    SearchQuery(q="i", sort="title", page=2, per_page=7)]


def answers(searcher: Searcher, threshold: int) -> list[tuple[int, list[int], dict]]:
    searcher.memory_threshold = threshold
    out = []
    for query in SEARCHES:
        hits = searcher.search(query)
        out.append((hits.total, hits.pks, hits.facets))
    return out


def postings(searcher: Searcher) -> dict[str, list[tuple[int, int]]]:
    idx = searcher.index()
    terms = searcher.terms_for(idx)
    assert terms is not None
    return {w: sorted(zip(idx.pks[terms.doc[terms.ptr[i]:terms.ptr[i + 1]]].tolist(),
                          terms.bits[terms.ptr[i]:terms.ptr[i + 1]].tolist(), strict=True))
            for i, w in enumerate(terms.words) if terms.ptr[i + 1] > terms.ptr[i]}


@pytest.fixture
def harvested(http_server: FixtureHTTPServer, add_source: Callable, harvest: HarvestFn) -> Callable[[str], None]:
    add_source("many", http_server.set("many.ttl", catalogue()))
    assert harvest("many").added == 30

    def again(body: str) -> None:
        http_server.set("many.ttl", body)
        assert harvest("many").status == "succeeded"

    return again


def test_a_second_harvest_updates_the_indexes_in_place(harvested: Callable[[str], None], engine: Engine) -> None:
    searcher = Searcher(engine)
    before = searcher.index()
    assert searcher.terms_for(before) is not None
    assert (searcher.facet_builds, searcher.term_builds, searcher.updates) == (1, 1, 0)
    harvested(changed_catalogue())
    after = searcher.index()
    assert after.generation > before.generation and len(after.pks) == len(before.pks) + 1
    assert searcher.terms_for(after) is not None
    assert (searcher.facet_builds, searcher.term_builds, searcher.updates) == (1, 1, 1)
    fresh = Searcher(engine)
    for threshold in (-1, 2000):  # from the term index, and from the database
        assert answers(searcher, threshold) == answers(fresh, threshold)
    assert postings(searcher) == postings(fresh)
    assert np.array_equal(searcher.index().title_rank, fresh.index().title_rank)
    found = searcher.search(SearchQuery(q="fjärrvärme", per_page=5))
    assert found.total == 1
    # a harvest that changes nothing moves nothing; one that changes the same datasets back updates again
    harvested(changed_catalogue())
    searcher.index()
    harvested(catalogue())
    searcher.index()
    assert (searcher.facet_builds, searcher.term_builds) == (1, 1) and searcher.updates >= 2
    fresh = Searcher(engine)
    assert answers(searcher, -1) == answers(fresh, -1)
    assert postings(searcher) == postings(fresh)


def test_a_change_without_revisions_rebuilds(harvested: Callable[[str], None], engine: Engine) -> None:
    searcher = Searcher(engine)
    searcher.terms_for(searcher.index())
    with engine.begin() as conn:
        runs.bump_generation(conn)
        incremental.require_rebuild(conn)
    searcher.terms_for(searcher.index())
    assert (searcher.facet_builds, searcher.term_builds, searcher.updates) == (2, 2, 0)


def test_a_run_committed_below_the_mark_rebuilds(harvested: Callable[[str], None], engine: Engine) -> None:
    searcher = Searcher(engine)
    searcher.terms_for(searcher.index())
    assert searcher._mark is not None
    # as if a run's revisions (ids below the mark) had committed after the mark was taken
    searcher._mark = incremental.Mark(searcher._mark.revision, searcher._mark.count - 1)
    harvested(changed_catalogue())
    searcher.terms_for(searcher.index())
    assert (searcher.facet_builds, searcher.updates) == (2, 0)
    assert answers(searcher, -1) == answers(Searcher(engine), -1)


def test_a_publisher_merge_rebuilds(harvested: Callable[[str], None], engine: Engine) -> None:
    from sqlalchemy import text

    from catalog.services import organisations, publishers_identity

    searcher = Searcher(engine)
    searcher.terms_for(searcher.index())
    with engine.connect() as conn:
        keep, other = conn.execute(text("SELECT id FROM publisher ORDER BY id")).scalars().all()[:2]
    publishers_identity.merge(engine, keep, other, actor=organisations.Principal(actor="test-admin", admin=True))
    searcher.index()
    assert (searcher.facet_builds, searcher.updates) == (2, 0)
    assert answers(searcher, -1) == answers(Searcher(engine), -1)


def test_a_quality_check_updates_scores_in_place(harvested: Callable[[str], None], engine: Engine) -> None:
    from sqlalchemy import text

    searcher = Searcher(engine)
    searcher.terms_for(searcher.index())
    with engine.begin() as conn:  # as the SHACL check after a harvest: scores change, no revision
        conn.execute(text("UPDATE dataset SET quality_score = 99.0 WHERE pk = (SELECT min(pk) FROM dataset)"))
        runs.bump_generation(conn)
    idx = searcher.index()
    assert searcher.terms_for(idx) is not None
    assert (searcher.facet_builds, searcher.term_builds, searcher.updates) == (1, 1, 1)
    assert idx.quality.max() == 99.0
    assert answers(searcher, -1) == answers(Searcher(engine), -1)
