"""The rules that protect data (docs/architecture.md): stable ids, revisions, all-or-nothing runs, safe
withdrawals, kept-and-flagged invalid records, cheap re-harvests."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from catalog.search.searcher import SearchQuery
from catalog.services import datasets, jobs, sources
from catalog.store.tables import Dataset, Distribution, JobRecord, Revision
from tests.conftest import FIXTURES, FixtureHTTPServer, HarvestFn

FX = "https://fixtures.example.se/dataset/"
PAGED_IDS = [f"https://fixtures.example.se/paged/d{i}" for i in range(1, 10)]


def _datasets(engine: Engine) -> dict[str, Dataset]:
    with Session(engine) as session:
        return {d.uri or d.id: d for d in session.execute(select(Dataset)).scalars()}


def _catalog_without(*names: str) -> str:
    """catalog.ttl minus the named datasets' dcat:Dataset typing (the source stops listing them)."""
    text = (FIXTURES / "dcat/catalog.ttl").read_text()
    for name in names:
        text = text.replace(f"<{FX}{name}> a dcat:Dataset", f"<{FX}{name}> a <urn:x-not:listed>")
        text = text.replace(f"fx:{name} a dcat:Dataset", f"fx:{name} a <urn:x-not:listed>")
    return text


def test_first_harvest_stores_every_record_and_flags_the_invalid_one(
    http_server: FixtureHTTPServer, add_source: Callable, harvest: HarvestFn, engine: Engine
) -> None:
    add_source("fx", http_server.url("dcat/catalog.ttl"))
    job = harvest("fx")
    assert job.status == "succeeded"
    assert (job.added, job.invalid, job.failed) == (8, 1, 0)
    stored = _datasets(engine)
    untitled = stored[FX + "utan-titel"]
    assert untitled.valid is False and untitled.status == "active"
    assert '"dataset-title"' in untitled.violations
    report = jobs.get_job(engine, job.id or 0)
    [group] = [g for g in report["problems"] if g["rule"] == "dataset-title"]
    assert group["count"] == 1 and group["records"][0]["ref"] == FX + "utan-titel"
    assert group["message_sv"].startswith("Datamängden saknar titel")


def test_ids_are_stable_across_harvests_and_databases(
    http_server: FixtureHTTPServer, add_source: Callable, harvest: HarvestFn, engine: Engine
) -> None:
    add_source("fx", http_server.url("dcat/catalog.ttl"))
    harvest("fx")
    first = {uri: d.id for uri, d in _datasets(engine).items()}
    with Session(engine) as session:
        dist_first = set(session.execute(select(Distribution.id)).scalars())
    harvest("fx", full=True)
    assert {uri: d.id for uri, d in _datasets(engine).items()} == first
    with Session(engine) as session:
        assert set(session.execute(select(Distribution.id)).scalars()) == dist_first
    # derived from the URI alone, so the same in every installation
    from catalog.ids import _digest

    assert first[FX + "badplatser"] == _digest("uri", FX + "badplatser")


def test_unchanged_reharvest_stores_nothing_new(
    http_server: FixtureHTTPServer, add_source: Callable, harvest: HarvestFn, engine: Engine
) -> None:
    add_source("fx", http_server.url("dcat/catalog.ttl"))
    harvest("fx")
    with Session(engine) as session:
        revisions = session.execute(select(func.count()).select_from(Revision)).scalar_one()
    for full in (False, True):
        job = harvest("fx", full=full)
        assert (job.status, job.added, job.updated, job.unchanged, job.withdrawn) == ("succeeded", 0, 0, 8, 0)
        assert job.invalid == 1  # the report stays complete even when nothing changed
    with Session(engine) as session:
        assert session.execute(select(func.count()).select_from(Revision)).scalar_one() == revisions


def test_changed_dataset_gets_a_revision_and_keeps_its_id(
    http_server: FixtureHTTPServer, add_source: Callable, harvest: HarvestFn, engine: Engine
) -> None:
    text = (FIXTURES / "dcat/catalog.ttl").read_text()
    url = http_server.set("cat.ttl", text)
    add_source("fx", url)
    harvest("fx")
    before = _datasets(engine)[FX + "badplatser"]
    http_server.set("cat.ttl", text.replace('"Badplatser"@sv', '"Badplatser och strandbad"@sv'))
    job = harvest("fx")
    assert (job.added, job.updated, job.unchanged) == (0, 1, 7)
    after = _datasets(engine)[FX + "badplatser"]
    assert after.id == before.id and after.content_hash != before.content_hash
    assert after.title == "Badplatser och strandbad"
    detail = datasets.get_dataset(engine, after.id)
    assert [r["change"] for r in detail["revisions"]] == ["added", "updated"]
    hits = datasets.search_datasets(engine, SearchQuery(q="strandbad"))
    # the changed title ranks first (expansion may add related datasets below it)
    assert hits["items"][0]["id"] == after.id


def test_failed_run_keeps_everything_stored_before(
    http_server: FixtureHTTPServer, add_source: Callable, harvest: HarvestFn, engine: Engine
) -> None:
    text = (FIXTURES / "dcat/catalog.ttl").read_text()
    url = http_server.set("cat.ttl", text)
    add_source("fx", url)
    harvest("fx")
    before = {uri: (d.content_hash, d.status) for uri, d in _datasets(engine).items()}
    for status, body, ctype in (
        (500, "Internal error", "text/plain"),
        (200, text[: text.index("dct:title", len(text) // 2) + 10], "text/turtle"),
        (200, "<html><body>Maintenance</body></html>", "text/html"),
    ):
        http_server.set("cat.ttl", body, ctype, status)
        job = harvest("fx")
        assert job.status == "failed" and job.message
        assert (job.added, job.updated, job.withdrawn) == (0, 0, 0)
        assert {uri: (d.content_hash, d.status) for uri, d in _datasets(engine).items()} == before


def test_failed_page_of_a_paged_source_withdraws_nothing(
    http_server: FixtureHTTPServer, add_source: Callable, harvest: HarvestFn, engine: Engine
) -> None:
    pages = {n: (FIXTURES / f"dcat/paged/page{n}.ttl").read_text() for n in (1, 2, 3)}
    for n, body in pages.items():
        http_server.set(f"p/page{n}.ttl", body)
    add_source("paged", http_server.url("p/page1.ttl"))
    assert harvest("paged").added == 9
    http_server.set("p/page3.ttl", "oops", "text/plain", 503)
    job = harvest("paged")
    assert job.status == "failed" and "503" in (job.message or "")
    assert sorted(u for u, d in _datasets(engine).items() if d.status == "active") == PAGED_IDS


def test_withdrawn_only_after_complete_run(
    http_server: FixtureHTTPServer, add_source: Callable, harvest: HarvestFn, engine: Engine
) -> None:
    url = http_server.set("cat.ttl", (FIXTURES / "dcat/catalog.ttl").read_text())
    add_source("fx", url)
    harvest("fx")
    http_server.set("cat.ttl", _catalog_without("geodata"))
    job = harvest("fx")
    assert (job.status, job.withdrawn, job.unchanged) == ("succeeded", 1, 7)
    geodata = _datasets(engine)[FX + "geodata"]
    assert geodata.status == "withdrawn" and geodata.withdrawn_at is not None
    assert datasets.search_datasets(engine, SearchQuery(q="kommungränser"))["total"] == 0
    assert datasets.search_datasets(engine, SearchQuery(q="kommungränser", status="withdrawn"))["total"] == 1
    # listed again: restored, same id, with a revision saying so
    http_server.set("cat.ttl", (FIXTURES / "dcat/catalog.ttl").read_text())
    job = harvest("fx")
    assert job.updated == 1
    again = _datasets(engine)[FX + "geodata"]
    assert again.status == "active" and again.id == geodata.id
    changes = [r["change"] for r in datasets.get_dataset(engine, again.id)["revisions"]]
    assert changes == ["added", "withdrawn", "restored"]


def test_mass_withdrawal_is_held(
    http_server: FixtureHTTPServer, add_source: Callable, harvest: HarvestFn, engine: Engine
) -> None:
    url = http_server.set("cat.ttl", (FIXTURES / "dcat/catalog.ttl").read_text())
    add_source("fx", url)
    harvest("fx")
    http_server.set("cat.ttl", _catalog_without("badplatser", "hallplatser", "luftkvalitet", "overformyndare",
                                                "geodata"))
    job = harvest("fx")
    assert job.status == "held" and job.held == 5 and job.withdrawn == 0
    assert "held" in (job.message or "")
    assert all(d.status == "active" for d in _datasets(engine).values())


def test_empty_run_withdraws_nothing(
    http_server: FixtureHTTPServer, add_source: Callable, harvest: HarvestFn, engine: Engine
) -> None:
    url = http_server.set("cat.ttl", (FIXTURES / "dcat/catalog.ttl").read_text())
    add_source("fx", url)
    harvest("fx")
    http_server.set("cat.ttl", "@prefix dcat: <http://www.w3.org/ns/dcat#> .\n<https://x.example/c> a dcat:Catalog .")
    job = harvest("fx")
    assert job.status == "held" and job.withdrawn == 0 and job.held == 8
    assert "no datasets" in (job.message or "")
    assert sum(1 for d in _datasets(engine).values() if d.status == "active") == 8


def test_one_bad_record_never_sinks_the_run(
    http_server: FixtureHTTPServer, add_source: Callable, harvest: HarvestFn, engine: Engine
) -> None:
    # a dataset whose byte size is not a number and whose dates are nonsense is still stored
    text = (FIXTURES / "dcat/catalog.ttl").read_text() + """
<https://fixtures.example.se/dataset/konstig> a dcat:Dataset ;
    dct:title "Konstiga värden"@sv ; dct:description "Datum och storlek som inte går att läsa."@sv ;
    dct:issued "förra året" ; dct:publisher <http://dataportal.se/organisation/SE2120000142> ;
    dcat:distribution [ a dcat:Distribution ; dcat:accessURL <https://x.example/f> ;
                        dcat:byteSize "stor" ; dct:format "csv" ] .
"""
    add_source("fx", http_server.set("cat.ttl", text))
    job = harvest("fx")
    assert job.status == "succeeded" and job.added == 9
    odd = _datasets(engine)[FX + "konstig"]
    detail = datasets.get_dataset(engine, odd.id)
    assert detail["issued"] == "förra året"
    assert any("stor" in n for n in detail["notes"])


def test_same_dataset_in_two_sources_stays_with_the_first(
    http_server: FixtureHTTPServer, add_source: Callable, harvest: HarvestFn, engine: Engine
) -> None:
    add_source("first", http_server.url("dcat/catalog.ttl"))
    add_source("second", http_server.url("dcat/catalog.nt"))
    harvest("first")
    job = harvest("second")
    # the blank-node dataset's id includes its source, so only it is new in the second source
    assert job.status == "succeeded" and job.added == 1
    with Session(engine) as session:
        skipped = session.execute(select(JobRecord).where(JobRecord.job_id == job.id,
                                                          JobRecord.rule == "duplicate")).scalars().all()
    assert len(skipped) == 7
    assert all("first" in (r.message or "") for r in skipped)
    first = sources.get_source(engine, "first")
    assert _datasets(engine)[FX + "badplatser"].source_id == first.id


def test_conditional_get_not_modified_costs_one_request(
    http_server: FixtureHTTPServer, add_source: Callable, harvest: HarvestFn, engine: Engine
) -> None:
    # the fixture server serves files with Last-Modified and answers If-Modified-Since with 304
    add_source("fx", http_server.url("dcat/catalog.ttl"))
    first = harvest("fx")
    assert first.added == 8
    hits_before = len(http_server.hits)
    job = harvest("fx")
    assert job.status == "succeeded" and job.pages == 1 and len(http_server.hits) == hits_before + 1
    assert "not modified" in (job.message or "")
    assert (job.unchanged, job.added, job.updated, job.withdrawn) == (8, 0, 0, 0)
    assert job.invalid == 1  # the report still lists the untitled dataset


def test_etag_is_sent_back_and_a_changed_document_is_harvested(
    http_server: FixtureHTTPServer, add_source: Callable, harvest: HarvestFn, engine: Engine
) -> None:
    body = (FIXTURES / "dcat/catalog.ttl").read_text()
    state = {"etag": '"v1"', "body": body}
    sent: list[str | None] = []

    def route() -> tuple[int, str, bytes, dict[str, str]]:
        sent.append(http_server.last_headers.get("if-none-match"))
        if http_server.last_headers.get("if-none-match") == state["etag"]:
            return 304, "", b"", {"ETag": state["etag"]}
        return 200, "text/turtle", state["body"].encode(), {"ETag": state["etag"]}

    http_server.routes["/etag.ttl"] = route
    add_source("fx", http_server.url("etag.ttl"))
    assert harvest("fx").added == 8
    assert "not modified" in (harvest("fx").message or "")
    state["body"], state["etag"] = body.replace('"Badplatser"@sv', '"Badplatser 2025"@sv'), '"v2"'
    job = harvest("fx")
    assert job.updated == 1 and job.unchanged == 7 and "not modified" not in (job.message or "")
    assert sent == [None, '"v1"', '"v1"']
