"""SHACL after a harvest runs in a child process of its own, bumps the search generation once, and
stores its findings; a pool's shutdown waits for it (issue 15, problem 6)."""

from __future__ import annotations

import os
import time

import orjson
from sqlalchemy import select

from catalog.quality import checks
from catalog.store import runs
from catalog.store.tables import Dataset
from harvester import job_lifecycle
from harvester.scheduler import HarvestPool, run_job
from harvester.shacl_worker import ShaclChecks

DS = Dataset.__table__
PREFIXES = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<https://big.example.se/org> a foaf:Organization ; foaf:name "Storkommun"@sv .
"""


def _catalogue(count: int) -> str:
    """``count`` datasets; every hundredth has no title (a SHACL violation)."""
    parts = [PREFIXES]
    for i in range(count):
        title = "" if i % 100 == 7 else f'dct:title "Datamängd {i}"@sv ; '
        parts.append(f'<https://big.example.se/ds/{i}> a dcat:Dataset ; {title}'
                     f'dct:description "Beskrivning av datamängd {i}"@sv ; '
                     f'dct:publisher <https://big.example.se/org> .\n')
    return "".join(parts)


def _generation(engine) -> int:
    with engine.connect() as conn:
        return runs.generation(conn)


def _shacl_found(engine) -> dict[str, list[dict]]:
    with engine.connect() as conn:
        rows = conn.execute(select(DS.c.uri, DS.c.violations)).all()
    return {uri: [v for v in orjson.loads(viol or "[]") if v.get("source") == "shacl"] for uri, viol in rows}


def test_check_of_three_chunks_runs_in_a_child_and_bumps_the_generation_once(
        engine, settings, add_source, http_server) -> None:
    count = 2 * checks.CHUNK + 50  # three chunks: before, three bumps
    source = add_source("big", http_server.set("big.ttl", _catalogue(count)))
    quiet = settings.model_copy(update={"shacl_after_harvest": False})
    job = job_lifecycle.claim(engine, source.id, trigger="manual", dead_after=60)
    before = _generation(engine)
    done = run_job(engine, quiet, job)
    assert done.status == "succeeded" and done.added == count
    harvested = _generation(engine)
    assert harvested > before
    assert not any(_shacl_found(engine).values())  # shacl_after_harvest off: nothing checked yet

    worker = ShaclChecks(engine.url.render_as_string(hide_password=False), settings.base_url)
    try:
        result = worker.submit(done.id).result(timeout=300)
    finally:
        worker.shutdown()
    assert result["checked"] == count and result["with_violations"] == 5
    assert result["pid"] != os.getpid()  # another process did the work
    assert _generation(engine) == harvested + 1  # once for the whole check, not once per chunk
    found = _shacl_found(engine)
    assert any(v["rule"] == "dcat-ap:Dataset/dct:title/minCount" for v in found["https://big.example.se/ds/7"])
    assert not any(v["severity"] == "violation" for v in found["https://big.example.se/ds/8"])


def test_pool_hands_the_check_to_a_child_and_its_shutdown_waits_for_it(
        engine, settings, add_source, http_server) -> None:
    source = add_source("fx", http_server.url("dcat/catalog.ttl"))
    pool = HarvestPool(engine, settings)
    try:
        job = job_lifecycle.claim(engine, source.id, trigger="manual", dead_after=60)
        done = pool.submit(job).result(timeout=60)
        assert done.status == "succeeded" and done.added == 8
        assert pool.shacl is not None
        (job_id, future), = pool.shacl.recent
        assert job_id == done.id
        deadline = time.monotonic() + 60
        while not future.running() and not future.done() and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        pool.shutdown(wait=True)  # the check under way is waited for
    assert future.done() and not future.cancelled()
    assert future.result()["pid"] != os.getpid() and future.result()["checked"] == 8
    found = _shacl_found(engine)  # stored before shutdown returned
    assert any(v["severity"] == "violation" for v in found["https://fixtures.example.se/dataset/utan-titel"])


def test_shutdown_drops_queued_checks_and_refuses_new_ones(engine, settings) -> None:
    worker = ShaclChecks(engine.url.render_as_string(hide_password=False), settings.base_url)
    worker.shutdown()
    assert worker.submit(1).cancelled()


def test_a_check_that_fails_in_the_child_reports_why(engine, settings) -> None:
    worker = ShaclChecks(engine.url.render_as_string(hide_password=False), settings.base_url)
    try:
        future = worker.submit(987654)  # no such job
        error = future.exception(timeout=120)
    finally:
        worker.shutdown()
    assert error is not None and "no job 987654" in str(error)
