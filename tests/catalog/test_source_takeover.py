"""Sources that list the same datasets: the first keeps them, a deleted or withdrawing keeper lets them
go to a source that still lists them, and nothing moves between two active sources by itself.

Every test counts the rows before and after (datasets by status and source, revisions, claims): a
takeover moves rows, it never adds or loses one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from catalog.services import changes, jobs, sources
from catalog.services.organisations import Principal
from catalog.settings import Settings
from catalog.store import runs
from catalog.store.prepared import prepare
from catalog.store.tables import CLAIM, DS, JOBREC, REV, SRC
from harvester.adapters.base import SourceSpec
from harvester.adapters.dcat import DcatAdapter
from harvester.fetch import Fetcher
from harvester.registration import remove_source
from tests.conftest import FixtureHTTPServer, HarvestFn

ADMIN = Principal(actor="test-admin", admin=True)
DS_URI = "https://ex.se/ds/{}"


def catalogue(numbers: range | list[int], edition: str = "") -> str:
    """A Turtle catalogue of datasets https://ex.se/ds/<n> (``edition`` changes every title)."""
    out = ["@prefix dcat: <http://www.w3.org/ns/dcat#> .", "@prefix dct: <http://purl.org/dc/terms/> .",
           "@prefix foaf: <http://xmlns.com/foaf/0.1/> .",
           "<https://ex.se/org> a foaf:Organization ; foaf:name \"Exempelkommunen\"@sv ."]
    for n in numbers:
        out.append(f"<{DS_URI.format(n)}> a dcat:Dataset ; dct:title \"Datamängd {n}{edition}\"@sv ; "
                   f"dct:description \"Beskrivning {n}\"@sv ; dct:publisher <https://ex.se/org> .")
    return "\n".join(out) + "\n"


def rows(engine: Engine) -> dict[str, Any]:
    """What a takeover may change: datasets by (source name, status), revisions by change, claims."""
    with engine.connect() as conn:
        by_source = {f"{name}/{status}": n for name, status, n in conn.execute(
            select(SRC.c.name, DS.c.status, func.count()).join(SRC, SRC.c.id == DS.c.source_id)
            .group_by(SRC.c.name, DS.c.status))}
        revisions = dict(conn.execute(select(REV.c.change, func.count()).group_by(REV.c.change)).all())
        return {"datasets": conn.execute(select(func.count()).select_from(DS)).scalar_one(),
                "by_source": by_source, "revisions": revisions,
                "claims": conn.execute(select(func.count()).select_from(CLAIM)).scalar_one()}


def keepers(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return {r.uri: r.name for r in conn.execute(select(DS.c.uri, SRC.c.name).join(SRC, SRC.c.id == DS.c.source_id))}


def group(report: dict[str, Any], rule: str) -> dict[str, Any]:
    return next(g for g in report["problems"] if g["rule"] == rule)


def test_registering_a_deleted_sources_url_again_takes_its_datasets_back(
    http_server: FixtureHTTPServer, add_source: Callable[..., Any], harvest: HarvestFn, engine: Engine,
) -> None:
    url = http_server.set("a.ttl", catalogue(range(6)))
    first = add_source("kommunen", url)
    assert harvest("kommunen").added == 6
    assert first.id is not None
    remove_source(engine, actor=ADMIN, source_id=first.id)
    before = rows(engine)
    assert before == {"datasets": 6, "by_source": {"kommunen/withdrawn": 6},
                      "revisions": {"added": 6, "withdrawn": 6}, "claims": 0}

    add_source("kommunen-ny", url)
    job = harvest("kommunen-ny")

    assert (job.status, job.seen, job.added, job.updated) == ("succeeded", 6, 0, 6)
    after = rows(engine)
    assert after == {"datasets": 6, "by_source": {"kommunen-ny/active": 6},
                     "revisions": {"added": 6, "withdrawn": 6, "restored": 6}, "claims": 0}
    report = jobs.get_job(engine, job.id or 0)
    assert len(report["changes"]["restored"]) == 6
    taken = group(report, "taken_over")
    assert taken["count"] == 6 and taken["severity"] == "info"
    assert "taken over from source 'kommunen' (deleted)" in taken["records"][0]["message"]
    assert all(g["rule"] != "duplicate" for g in report["problems"])
    # the revision names the source the dataset came from, in the change feed
    feed = changes.change_feed(engine, limit=100)["items"]
    restored = [i for i in feed if i["change"] == "restored"]
    assert len(restored) == 6 and {i["previous_source"] for i in restored} == {"kommunen"}
    assert {i["previous_source"] for i in feed if i["change"] != "restored"} == {None}


def test_a_deleted_sources_name_is_released_and_the_new_source_gets_the_datasets(
    http_server: FixtureHTTPServer, add_source: Callable[..., Any], harvest: HarvestFn, engine: Engine,
) -> None:
    url = http_server.set("a.ttl", catalogue(range(3)))
    old = add_source("kommunen", url)
    harvest("kommunen")
    assert old.id is not None
    remove_source(engine, actor=ADMIN, source_id=old.id)

    new = add_source("kommunen", url)
    assert new.id != old.id
    assert sources.get_source(engine, "kommunen").id == new.id
    assert [s.id for s in sources.list_sources(engine)] == [new.id]
    job = harvest("kommunen")
    assert (job.seen, job.added, job.updated) == (3, 0, 3)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(SRC)).scalar_one() == 2  # the deleted row stays
        assert set(conn.execute(select(DS.c.source_id)).scalars()) == {new.id}


def test_a_dataset_its_keeper_withdrew_goes_to_the_source_that_still_lists_it(
    http_server: FixtureHTTPServer, add_source: Callable[..., Any], harvest: HarvestFn, engine: Engine,
) -> None:
    a_url = http_server.set("a.ttl", catalogue(range(6)))
    b_url = http_server.set("b.ttl", catalogue(range(6), edition=" (B)"))
    add_source("a", a_url)
    add_source("b", b_url)
    harvest("a")
    skipped = harvest("b")
    assert (skipped.seen, skipped.added) == (0, 0)
    assert rows(engine) == {"datasets": 6, "by_source": {"a/active": 6}, "revisions": {"added": 6}, "claims": 6}

    http_server.set("a.ttl", catalogue(range(4)))  # a stops listing 4 and 5
    withdrew = harvest("a")
    assert withdrew.withdrawn == 2
    before = rows(engine)
    assert before == {"datasets": 6, "by_source": {"a/active": 4, "a/withdrawn": 2},
                      "revisions": {"added": 6, "withdrawn": 2}, "claims": 6}

    # b's page has not changed a byte since its last run; the released datasets make it read it anyway
    job = harvest("b")

    assert (job.status, job.seen, job.added, job.updated, job.unchanged) == ("succeeded", 2, 0, 2, 0)
    assert rows(engine) == {"datasets": 6, "by_source": {"a/active": 4, "b/active": 2},
                            "revisions": {"added": 6, "withdrawn": 2, "restored": 2}, "claims": 4}
    held_by = keepers(engine)
    assert {held_by[DS_URI.format(n)] for n in (4, 5)} == {"b"}
    assert {held_by[DS_URI.format(n)] for n in range(4)} == {"a"}
    report = jobs.get_job(engine, job.id or 0)
    assert "withdrawn there" in group(report, "taken_over")["records"][0]["message"]
    assert group(report, "duplicate")["count"] == 4
    with engine.connect() as conn:
        title = conn.execute(select(DS.c.title).where(DS.c.uri == DS_URI.format(4))).scalar_one()
    assert title == "Datamängd 4 (B)"  # b's own record, not a's last one

    # a lists them again: they stay with b now, and a's report says so
    http_server.set("a.ttl", catalogue(range(6)))
    again = harvest("a")
    assert (again.added, again.updated) == (0, 0)
    assert rows(engine)["by_source"] == {"a/active": 4, "b/active": 2}
    assert "already harvested from source 'b'; kept there" in group(
        jobs.get_job(engine, again.id or 0), "duplicate")["records"][0]["message"]


def test_two_active_sources_the_first_keeps_it_and_both_reports_say_so(
    http_server: FixtureHTTPServer, add_source: Callable[..., Any], harvest: HarvestFn, engine: Engine,
) -> None:
    add_source("a", http_server.set("a.ttl", catalogue(range(3))))
    add_source("b", http_server.set("b.ttl", catalogue(range(2, 5))))
    harvest("a")
    b_job = harvest("b")
    a_job = harvest("a")

    assert rows(engine) == {"datasets": 5, "by_source": {"a/active": 3, "b/active": 2},
                            "revisions": {"added": 5}, "claims": 1}
    b_report = jobs.get_job(engine, b_job.id or 0)
    dup = group(b_report, "duplicate")
    assert dup["count"] == 1 and dup["records"][0]["ref"] == DS_URI.format(2)
    assert dup["records"][0]["message"] == "already harvested from source 'a'; kept there"
    assert "1 listed datasets are kept by source 'a'" in (b_report["message"] or "")
    a_report = jobs.get_job(engine, a_job.id or 0)
    note = group(a_report, "listed_elsewhere")
    assert note["count"] == 1 and note["severity"] == "info"
    assert note["records"][0]["ref"] == DS_URI.format(2)
    assert "also listed by source 'b'" in note["records"][0]["message"]
    # a's page did not change: its report says the same without reading the page
    a_again = jobs.get_job(engine, harvest("a").id or 0)
    assert group(a_again, "listed_elsewhere")["count"] == 1
    b_again = jobs.get_job(engine, harvest("b").id or 0)
    assert group(b_again, "duplicate")["count"] == 1
    assert keepers(engine)[DS_URI.format(2)] == "a"


@pytest.mark.parametrize("when", ["page", "swap"])
def test_a_run_that_loses_a_takeover_race_leaves_the_dataset_with_the_winner(
    http_server: FixtureHTTPServer, add_source: Callable[..., Any], harvest: HarvestFn, engine: Engine,
    settings: Settings, when: str,
) -> None:
    """b takes dataset 3 over while a's run is under way, before a reads the page that lists it or after
    a staged it and before a's swap: the swap writes only rows a still keeps (catalog/store/runs.py), so
    b keeps it and a reports it kept there."""
    a_url = http_server.set("a.ttl", catalogue(range(4)))
    add_source("a", a_url)
    b = add_source("b", http_server.set("b.ttl", catalogue([3], edition=" (B)")))
    harvest("a")
    http_server.set("a.ttl", catalogue(range(3)))
    assert harvest("a").withdrawn == 1  # a withdraws 3; b has not run yet
    a = sources.get_source(engine, "a")
    records = list(DcatAdapter(SourceSpec("a", "dcat", http_server.set("a3.ttl", catalogue(range(4)))),
                               Fetcher(settings), settings).pages({}))[0].records
    prepared = [prepare(ref, rec, "a") for ref, rec in records if not isinstance(rec, Exception)]
    assert b.id is not None and a.id is not None
    with engine.connect() as conn:
        # a's run has read its datasets (3 withdrawn, its own) when b's run takes 3 over and commits
        writer = runs.RunWriter(conn, source_id=a.id, source_name="a", job_id=999_999)
        try:
            assert writer.existing[runs_id(prepared, 3)][2] == "withdrawn"
            if when == "page":
                assert harvest("b").updated == 1
                before = rows(engine)
            kept = writer.write_page(prepared)
            if when == "swap":
                assert harvest("b").updated == 1
                before = rows(engine)
            writer.finish()
            writer.commit(state="{}")
        finally:
            writer.close()
    assert len(kept) == 4  # a read 3 as its own: the swap finds that b has it now
    assert rows(engine) == {**before, "claims": 1}
    assert keepers(engine)[DS_URI.format(3)] == "b"
    assert writer.kept_elsewhere == {runs_id(prepared, 3): "b"}
    assert writer.counts.seen == 3 and writer.counts.updated == 0 and writer.counts.unchanged == 3
    with engine.connect() as conn:
        title = conn.execute(select(DS.c.title).where(DS.c.uri == DS_URI.format(3))).scalar_one()
        report = conn.execute(select(JOBREC.c.outcome, JOBREC.c.rule).where(
            JOBREC.c.job_id == 999_999, JOBREC.c.dataset_id == runs_id(prepared, 3))).all()
    assert title == "Datamängd 3 (B)"
    assert [tuple(r) for r in report] == [("skipped", "duplicate")]


def runs_id(prepared: list[Any], n: int) -> str:
    return next(p.id for p in prepared if p.rec.uri == DS_URI.format(n))


def test_an_administrator_hands_datasets_over_between_two_active_sources(
    http_server: FixtureHTTPServer, add_source: Callable[..., Any], harvest: HarvestFn, engine: Engine,
) -> None:
    add_source("a", http_server.set("a.ttl", catalogue(range(3))))
    b = add_source("b", http_server.set("b.ttl", catalogue(range(1, 4), edition=" (B)")))
    a = sources.get_source(engine, "a")
    harvest("a")
    harvest("b")
    before = rows(engine)
    assert before == {"datasets": 4, "by_source": {"a/active": 3, "b/active": 1},
                      "revisions": {"added": 4}, "claims": 2}
    assert a.id is not None and b.id is not None

    result = sources.hand_over(engine, to_source=b.id, from_source=a.id, actor=ADMIN)

    assert result["source"] == "b" and result["from_source"] == "a"
    assert len(result["taken_over"]) == 2
    # b's two claims stay until its next run; a now lists two datasets b keeps
    assert rows(engine) == {"datasets": 4, "by_source": {"a/active": 1, "b/active": 3},
                            "revisions": {"added": 4, "updated": 2}, "claims": 4}
    assert {keepers(engine)[DS_URI.format(n)] for n in (1, 2)} == {"b"}
    feed = changes.change_feed(engine, limit=100)["items"]
    assert [i["previous_source"] for i in feed if i["change"] == "updated"] == ["a", "a"]
    # b's next run reads its page again and stores its own records; a's says they are kept by b now
    job = harvest("b")
    assert (job.seen, job.updated, job.unchanged) == (3, 2, 1)
    assert rows(engine)["claims"] == 2
    a_job = harvest("a")  # its page is unchanged: not read, and still reported in full
    assert (a_job.seen, a_job.unchanged, a_job.withdrawn) == (1, 1, 0)
    assert group(jobs.get_job(engine, a_job.id or 0), "duplicate")["count"] == 2
    assert rows(engine) == {"datasets": 4, "by_source": {"a/active": 1, "b/active": 3},
                            "revisions": {"added": 4, "updated": 4}, "claims": 2}
