"""Schedules, the job lifecycle (claim, one live run per source, dead runs), the pool and the scheduler."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select, update
from typer.testing import CliRunner

from api.cli import app as cli_app
from catalog.errors import InvalidInput
from catalog.schedules import normalise_schedule, parse_schedule
from catalog.search import query
from catalog.services import datasets
from catalog.services.jobs import get_job
from catalog.settings import Settings
from catalog.store.tables import HarvestJob, Source, utcnow
from harvester import job_lifecycle
from harvester.runner import harvest_source
from harvester.scheduler import HarvestPool, HarvestScheduler, Leadership, build_trigger, run_job
from tests.conftest import FIXTURES

CATALOG_TTL = (FIXTURES / "dcat" / "catalog.ttl").read_bytes()
JOB = HarvestJob.__table__  # type: ignore[attr-defined]
SRC = Source.__table__  # type: ignore[attr-defined]
STOCKHOLM = ZoneInfo("Europe/Stockholm")
RUN_CEILING = 120.0  # seconds: only a hung scheduler takes this long; waits end on the pool's event


def _fast(settings: Settings, **kw: Any) -> Settings:
    values = {"job_heartbeat_interval": 0.2, "job_dead_after": 2.0, "scheduler_sync_interval": 0.2, **kw}
    return settings.model_copy(update=values)


def _slow_route(body: bytes, delay: float) -> Callable[[], tuple[int, str, bytes]]:
    def route() -> tuple[int, str, bytes]:
        time.sleep(delay)
        return 200, "text/turtle", body

    return route


def _jobs(engine: Engine, source_id: int) -> list[HarvestJob]:
    with engine.connect() as conn:
        rows = conn.execute(select(JOB).where(JOB.c.source_id == source_id).order_by(JOB.c.id)).all()
    return [HarvestJob(**dict(r._mapping)) for r in rows]


def _wait(predicate: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def _assert_no_overlap(runs: list[HarvestJob]) -> None:
    spans = sorted((j.started_at, j.finished_at) for j in runs if j.started_at and j.finished_at)
    for (_s1, e1), (s2, _e2) in zip(spans, spans[1:], strict=False):
        assert e1 <= s2, f"runs overlap: one ended {e1}, the next started {s2}"


# -- schedule syntax (pure) -------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("15m", 900), ("6h", 21600), ("1d", 86400),
                                               (" 2H ", 7200)])
def test_interval_schedules_parse_to_seconds_and_normalise(text: str, seconds: int) -> None:
    schedule = parse_schedule(text)
    assert schedule is not None and schedule.kind == "interval"
    assert schedule.interval_seconds == seconds
    assert schedule.text == text.strip().lower()


def test_blank_schedule_means_manual_only() -> None:
    assert parse_schedule(None) is None
    assert parse_schedule("  ") is None
    assert normalise_schedule("") is None


def test_cron_sunday_is_sunday_although_apscheduler3_counts_from_monday() -> None:
    monday = datetime(2025, 3, 3, 12, 0, tzinfo=STOCKHOLM)
    for text in ("0 3 * * 0", "0 3 * * 7", "0 3 * * sun", "@weekly"):
        schedule = parse_schedule(text)
        assert schedule is not None and schedule.kind == "cron"
        fire = build_trigger(schedule, STOCKHOLM).get_next_fire_time(None, monday)
        assert fire is not None and fire.strftime("%A") == "Sunday", text
        assert (fire.hour, fire.minute) == ((0, 0) if text == "@weekly" else (3, 0))


def test_cron_weekday_ranges_and_steps_fire_on_the_cron_days() -> None:
    start = datetime(2025, 3, 2, 23, 0, tzinfo=STOCKHOLM)  # a Sunday evening
    for text, days in [("30 6 * * 1-5", ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Monday"]),
                       ("0 12 * * */2", ["Tuesday", "Thursday", "Saturday", "Sunday", "Tuesday", "Thursday"])]:
        schedule = parse_schedule(text)
        assert schedule is not None
        trigger = build_trigger(schedule, STOCKHOLM)
        seen: list[str] = []
        now: datetime = start
        for _ in range(len(days)):
            fire = trigger.get_next_fire_time(None, now)
            assert fire is not None
            seen.append(fire.strftime("%A"))
            now = fire + timedelta(minutes=1)
        assert seen == days, text


def test_cron_month_names_and_aliases_normalise() -> None:
    schedule = parse_schedule("0 8 1 JAN,jul *")
    assert schedule is not None and schedule.text == "0 8 1 jan,jul *"
    assert schedule.cron == {"minute": "0", "hour": "8", "day": "1", "month": "1,7", "day_of_week": "*"}
    assert normalise_schedule("@daily") == "0 0 * * *"


@pytest.mark.parametrize(("text", "message"), [
    ("61 * * * *", "minute 61 is out of range 0-59"),
    ("0 24 * * *", "hour 24 is out of range 0-23"),
    ("0 0 * 13 *", "month 13 is out of range 1-12"),
    ("* * *", "has 3 fields; a cron expression has 5"),
    ("10-5 * * * *", "range '10-5' runs backwards"),
    ("*/0 * * * *", "step in the minute field must be a whole number from 1"),
    ("0 0 1 * 1", "a day of month or a day of week, not both"),
    ("0 0 * * fun", "'fun' is not a valid day of week"),
    ("5x", "'5x' is not an interval"),
    ("0s", "at least 1 second"),
    ("400d", "at most 366 days"),
])
def test_invalid_schedules_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_schedule(text)
    assert message in info.value.message
    assert info.value.message.startswith("schedule: ")


def test_register_source_stores_the_normalised_schedule_and_refuses_a_bad_one(add_source, http_server) -> None:
    source = add_source("planned", http_server.url("dcat/catalog.ttl"), schedule=" 0  3 * * MON ")
    assert source.schedule == "0 3 * * mon"
    with pytest.raises(InvalidInput, match="hour 25 is out of range"):
        add_source("broken", http_server.url("dcat/catalog.ttl"), schedule="0 25 * * *")


def test_cli_source_add_validates_the_schedule(db_url: str, http_server) -> None:
    runner = CliRunner()
    env = {"DATAKATALOG_ALLOW_PRIVATE_SOURCES": "1"}
    bad = runner.invoke(cli_app, ["source", "add", "x", "--kind", "dcat", "--url", http_server.url("dcat/catalog.ttl"),
                                  "--schedule", "every day", "--db", db_url], env=env)
    assert bad.exit_code == 1
    assert "schedule: 'every day' has 2 fields" in bad.output
    good = runner.invoke(cli_app, ["source", "add", "x", "--kind", "dcat", "--url",
                                   http_server.url("dcat/catalog.ttl"), "--schedule", "6H", "--db", db_url], env=env)
    assert good.exit_code == 0, good.output
    listed = runner.invoke(cli_app, ["source", "list", "--json", "--db", db_url], env=env)
    assert [s["schedule"] for s in json.loads(listed.output)] == ["6h"]


# -- the job lifecycle --------------------------------------------------------------------------------


def test_a_second_claim_for_a_source_is_answered_with_the_live_job(engine, add_source, http_server) -> None:
    source = add_source("fx", http_server.url("dcat/catalog.ttl"))
    first = job_lifecycle.claim(engine, source.id, trigger="manual", dead_after=60)
    assert first.status == "queued" and first.worker == job_lifecycle.worker_id()
    with pytest.raises(job_lifecycle.JobInProgress) as info:
        job_lifecycle.claim(engine, source.id, trigger="schedule", status="running", dead_after=60)
    assert info.value.job.id == first.id
    assert info.value.status == 409
    assert [j.id for j in _jobs(engine, source.id)] == [first.id]  # nothing doubled


def test_harvest_source_does_not_run_beside_a_live_job(engine, settings, add_source, http_server) -> None:
    source = add_source("fx", http_server.url("dcat/catalog.ttl"))
    live = job_lifecycle.claim(engine, source.id, trigger="schedule", status="running", dead_after=60)
    with pytest.raises(job_lifecycle.JobInProgress) as info:
        harvest_source(engine=engine, source=source, settings=settings)
    assert info.value.job.id == live.id
    assert http_server.hits == []  # nothing fetched


def test_a_job_whose_worker_stopped_beating_is_failed_and_does_not_block(
    engine, settings, add_source, http_server
) -> None:
    source = add_source("fx", http_server.url("dcat/catalog.ttl"))
    dead = job_lifecycle.claim(engine, source.id, trigger="schedule", status="running", dead_after=60, worker="gone:1")
    with engine.begin() as conn:
        conn.execute(update(JOB).where(JOB.c.id == dead.id).values(heartbeat_at=utcnow() - timedelta(seconds=30)))
    job = harvest_source(engine=engine, source=source, settings=_fast(settings, job_dead_after=10))
    assert job.status == "succeeded" and job.added == 8
    old = job_lifecycle.load(engine, dead.id)
    assert (old.status, old.message) == ("failed", "worker died")
    assert old.finished_at is not None


def test_an_interrupted_run_fails_its_job_so_the_next_run_is_not_blocked(
    engine, settings, add_source, http_server
) -> None:
    source = add_source("fx", http_server.url("dcat/catalog.ttl"))

    def interrupt(_page: Any, _counts: Any) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        harvest_source(engine=engine, source=source, settings=settings, progress=interrupt)
    (stopped,) = _jobs(engine, source.id)
    assert (stopped.status, stopped.message) == ("failed", "interrupted")
    assert datasets.search_datasets(engine, query.parse_query())["total"] == 0  # rolled back
    again = harvest_source(engine=engine, source=source, settings=settings)
    assert again.status == "succeeded" and again.added == 8


def test_a_running_job_beats_so_it_is_not_taken_for_dead(engine, settings, add_source, http_server) -> None:
    url = http_server.url("slow.ttl")
    http_server.routes["/slow.ttl"] = _slow_route(CATALOG_TTL, 1.2)
    source = add_source("slow", url)
    fast = _fast(settings, job_heartbeat_interval=0.1, job_dead_after=0.6)
    pool = HarvestPool(engine, fast)
    try:
        job = job_lifecycle.claim(engine, source.id, trigger="manual", dead_after=fast.job_dead_after)
        future = pool.submit(job)
        time.sleep(0.9)  # longer than dead_after: only the heartbeat keeps the job alive
        assert job_lifecycle.recover_dead(engine, dead_after=fast.job_dead_after) == []
        with pytest.raises(job_lifecycle.JobInProgress):
            job_lifecycle.claim(engine, source.id, trigger="manual", dead_after=fast.job_dead_after)
        done = future.result(timeout=10)
    finally:
        pool.shutdown()
    assert done.status == "succeeded" and done.added == 8


def test_run_job_runs_a_queued_job_to_the_end(engine, settings, add_source, http_server) -> None:
    source = add_source("fx", http_server.url("dcat/catalog.ttl"))
    queued = job_lifecycle.claim(engine, source.id, trigger="schedule", dead_after=60)
    done = run_job(engine, settings, queued)
    assert done.id == queued.id
    report = get_job(engine, queued.id)
    assert report["status"] == "succeeded" and report["trigger"] == "schedule" and not report["live"]
    assert report["counts"]["added"] == 8 and report["counts"]["invalid"] == 1
    assert report["worker"] == job_lifecycle.worker_id()
    assert report["started_at"] >= report["created_at"] and report["finished_at"] >= report["started_at"]
    assert {g["rule"] for g in report["problems"]} >= {"dataset-title"}
    titles = {i["title"] for i in datasets.search_datasets(engine, query.parse_query(per_page=50))["items"]}
    assert "Badplatser" in titles


def test_run_job_of_a_job_failed_as_dead_meanwhile_does_nothing(engine, settings, add_source, http_server) -> None:
    source = add_source("fx", http_server.url("dcat/catalog.ttl"))
    queued = job_lifecycle.claim(engine, source.id, trigger="schedule", dead_after=60)
    with engine.begin() as conn:
        conn.execute(update(JOB).where(JOB.c.id == queued.id).values(status="failed", message="worker died"))
    done = run_job(engine, settings, queued)
    assert (done.status, done.message, done.started_at) == ("failed", "worker died", None)
    assert http_server.hits == []


def test_job_report_of_a_queued_job_says_it_is_live(engine, add_source, http_server) -> None:
    source = add_source("fx", http_server.url("dcat/catalog.ttl"))
    queued = job_lifecycle.claim(engine, source.id, trigger="manual", dead_after=60)
    report = get_job(engine, queued.id)
    assert (report["status"], report["live"], report["source"]) == ("queued", True, "fx")
    assert report["started_at"] is None and report["duration_seconds"] is None
    assert report["worker"] == job_lifecycle.worker_id() and report["heartbeat_at"]


def test_cli_job_shows_a_running_job_and_harvest_reports_it_instead_of_doubling(
    engine, db_url, add_source, http_server
) -> None:
    source = add_source("fx", http_server.url("dcat/catalog.ttl"))
    live = job_lifecycle.claim(engine, source.id, trigger="schedule", status="running", dead_after=600,
                               worker="elsewhere:7")
    runner = CliRunner()
    shown = runner.invoke(cli_app, ["job", str(live.id), "--db", db_url])
    assert shown.exit_code == 0, shown.output
    assert f"job {live.id} of fx: running since" in shown.output and "worker elsewhere:7" in shown.output
    ran = runner.invoke(cli_app, ["harvest", "fx", "--db", db_url], env={"DATAKATALOG_ALLOW_PRIVATE_SOURCES": "1"})
    assert ran.exit_code == 0, ran.output
    assert f"fx: being harvested already — job {live.id} is running (worker elsewhere:7)" in ran.output
    assert [j.id for j in _jobs(engine, source.id)] == [live.id]


# -- the pool ---------------------------------------------------------------------------------------


def test_many_due_sources_wait_queued_in_a_bounded_pool(engine, settings, add_source, http_server) -> None:
    http_server.routes["/slow.ttl"] = _slow_route(CATALOG_TTL, 0.3)
    sources = [add_source(f"s{i}", http_server.url("slow.ttl") + f"?n={i}") for i in range(3)]
    pool = HarvestPool(engine, _fast(settings, harvest_workers=1))
    try:
        claimed = [job_lifecycle.claim(engine, s.id, trigger="schedule", dead_after=60) for s in sources]
        futures = [pool.submit(j) for j in claimed]
        assert _wait(lambda: job_lifecycle.load(engine, claimed[0].id).status == "running", 5)
        waiting = [job_lifecycle.load(engine, j.id).status for j in claimed[1:]]
        assert waiting == ["queued", "queued"]
        done = [f.result(timeout=20) for f in futures]
    finally:
        pool.shutdown()
    assert [d.status for d in done] == ["succeeded"] * 3
    _assert_no_overlap([job_lifecycle.load(engine, j.id) for j in claimed])  # one worker: one run at a time


def test_a_pool_of_two_harvests_two_sources_sharing_publishers_at_once(
    engine, settings, add_source, http_server, db_url
) -> None:
    for i in range(2):  # different datasets, the same publishers
        body = CATALOG_TTL.replace(b"https://fixtures.example.se/", f"https://fixtures.example.se/s{i}/".encode())
        http_server.routes[f"/s{i}.ttl"] = _slow_route(body, 0.3)
    sources = [add_source(f"s{i}", http_server.url(f"s{i}.ttl")) for i in range(2)]
    pool = HarvestPool(engine, _fast(settings, harvest_workers=2))
    try:
        claimed = [job_lifecycle.claim(engine, s.id, trigger="schedule", dead_after=60) for s in sources]
        done = [f.result(timeout=20) for f in [pool.submit(j) for j in claimed]]
    finally:
        pool.shutdown()
    assert [(d.status, d.added) for d in done] == [("succeeded", 8)] * 2, [d.message for d in done]
    assert pool.workers == (1 if db_url.startswith("sqlite") else 2)
    runs = [job_lifecycle.load(engine, j.id) for j in claimed]
    if pool.workers == 2:  # the two runs did overlap in time
        assert runs[0].started_at < runs[1].finished_at and runs[1].started_at < runs[0].finished_at


def test_pool_shutdown_fails_jobs_still_waiting(engine, settings, add_source, http_server) -> None:
    http_server.routes["/slow.ttl"] = _slow_route(CATALOG_TTL, 0.5)
    a = add_source("a", http_server.url("slow.ttl"))
    b = add_source("b", http_server.url("dcat/catalog.ttl"))
    pool = HarvestPool(engine, _fast(settings, harvest_workers=1))
    first = job_lifecycle.claim(engine, a.id, trigger="manual", dead_after=60)
    second = job_lifecycle.claim(engine, b.id, trigger="manual", dead_after=60)
    pool.submit(first)
    pool.submit(second)
    assert _wait(lambda: job_lifecycle.load(engine, first.id).status == "running", 5)
    pool.shutdown(wait=True)
    assert job_lifecycle.load(engine, first.id).status == "succeeded"
    cancelled = job_lifecycle.load(engine, second.id)
    assert (cancelled.status, cancelled.message) == ("failed", "cancelled: the server stopped")


# -- the scheduler ----------------------------------------------------------------------------------


@pytest.fixture
def scheduler(engine: Engine, settings: Settings) -> Iterator[HarvestScheduler]:
    sched = HarvestScheduler(engine, _fast(settings)).start()
    yield sched
    sched.shutdown()


def test_an_interval_schedule_runs_the_source_every_second_without_overlap(
    engine, scheduler, add_source, http_server
) -> None:
    http_server.routes["/slow.ttl"] = _slow_route(CATALOG_TTL, 0.2)
    source = add_source("ticking", http_server.url("slow.ttl"), schedule="1s")
    # woken by the pool as each run ends, however slow the machine; the ceiling only stops a hang
    assert scheduler.pool.wait_finished(2, timeout=RUN_CEILING)
    runs = _jobs(engine, source.id)
    assert [j.status for j in runs[:2]] == ["succeeded", "succeeded"]
    assert {j.trigger for j in runs} == {"schedule"}
    assert runs[0].added == 8 and runs[1].unchanged == 8
    _assert_no_overlap([j for j in runs if j.finished_at])
    assert scheduler.scheduled() == {source.id: "1s"}


def test_a_schedule_changed_or_removed_elsewhere_is_picked_up_by_the_resync(
    engine, scheduler, add_source, http_server
) -> None:
    source = add_source("later", http_server.url("dcat/catalog.ttl"), schedule="0 3 * * *")
    assert _wait(lambda: scheduler.scheduled() == {source.id: "0 3 * * *"}, 3)
    assert _jobs(engine, source.id) == []  # a cron schedule waits for its time
    with engine.begin() as conn:  # as the CLI or another process would
        conn.execute(update(SRC).where(SRC.c.id == source.id).values(schedule="1s"))
    assert scheduler.pool.wait_finished(1, timeout=RUN_CEILING)
    assert _jobs(engine, source.id)[0].status == "succeeded"
    with engine.begin() as conn:
        conn.execute(update(SRC).where(SRC.c.id == source.id).values(schedule=None))
    assert _wait(lambda: scheduler.scheduled() == {}, 3)
    time.sleep(0.3)  # a run that was due just before may still finish
    count = len(_jobs(engine, source.id))
    time.sleep(1.5)
    assert len(_jobs(engine, source.id)) == count


def test_sync_source_applies_a_deletion_at_once(engine, settings, add_source, http_server) -> None:
    sched = HarvestScheduler(engine, _fast(settings, scheduler_sync_interval=60)).start()
    try:
        assert sched.synced.wait(3)  # leading, and the first re-sync is done
        source = add_source("gone", http_server.url("dcat/catalog.ttl"), schedule="6h")
        assert sched.scheduled() == {}  # the next re-sync is a minute away
        sched.sync_source(source.id)
        assert sched.scheduled() == {source.id: "6h"}
        with engine.begin() as conn:
            conn.execute(update(SRC).where(SRC.c.id == source.id).values(deleted=True))
        from harvester.scheduler import sync_source

        sync_source(source.id)  # the module function the API calls reaches this process's scheduler
        assert sched.scheduled() == {}
    finally:
        sched.shutdown()


def test_an_interval_counts_from_the_last_run_so_restarts_do_not_repeat_it(
    engine, settings, add_source, http_server
) -> None:
    source = add_source("recent", http_server.url("dcat/catalog.ttl"))
    harvest_source(engine=engine, source=source, settings=settings)
    with engine.begin() as conn:
        conn.execute(update(SRC).where(SRC.c.id == source.id).values(schedule="2s"))
    sched = HarvestScheduler(engine, _fast(settings)).start()
    try:
        assert _wait(lambda: sched.scheduled() == {source.id: "2s"}, 3)
        time.sleep(0.5)
        assert len(_jobs(engine, source.id)) == 1  # not at once: the last run was under 2 s ago
        assert sched.pool.wait_finished(1, timeout=RUN_CEILING)
        assert len(_jobs(engine, source.id)) == 2
    finally:
        sched.shutdown()


def test_only_one_scheduler_leads_a_catalogue(engine: Engine, db_url: str) -> None:
    first, second = Leadership(engine), Leadership(engine)
    try:
        assert first.hold()
        if db_url.startswith("sqlite"):
            assert second.hold()  # SQLite: one serve process is assumed, and it leads
            return
        assert not second.hold() and not second.held
        assert first.hold()  # keeps it
        first.release()
        assert second.hold()
        assert not first.hold()
    finally:
        first.release()
        second.release()


# -- several serve processes on one PostgreSQL database ---------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(db_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATAKATALOG_ALLOW_PRIVATE_SOURCES": "1", "DATAKATALOG_SCHEDULER_SYNC_INTERVAL": "0.3",
           "DATAKATALOG_JOB_HEARTBEAT_INTERVAL": "0.3", "DATAKATALOG_JOB_DEAD_AFTER": "2"}
    cmd = [sys.executable, "-c", "from api.cli import main; main()", "serve", "--db", db_url,
           "--port", str(_free_port())]
    with open(log, "wb") as fh:
        return subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT,
                                cwd=Path(__file__).resolve().parents[2])


def test_two_serve_processes_harvest_a_source_once_at_a_time_and_the_follower_takes_over(
    engine, db_url, add_source, http_server, tmp_path
) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("several serve processes need PostgreSQL; on SQLite one serve process is assumed")
    http_server.routes["/slow.ttl"] = _slow_route(CATALOG_TTL, 0.4)
    source = add_source("shared", http_server.url("slow.ttl"), schedule="1s")
    procs = [_serve(db_url, tmp_path / "a.log"), _serve(db_url, tmp_path / "b.log")]
    try:
        assert _wait(lambda: len([j for j in _jobs(engine, source.id) if j.finished_at]) >= 3, 60, 0.1), \
            (tmp_path / "a.log").read_text() + (tmp_path / "b.log").read_text()
        before = _jobs(engine, source.id)
        # on PostgreSQL either process may claim a queued run (harvester/job_lifecycle.claim_queued), but
        # never two at once
        _assert_no_overlap(before)
        # kill the process running a run in the middle of it: that run must be recognised as dead, not block
        assert _wait(lambda: any(j.status == "running" for j in _jobs(engine, source.id)), 5, 0.02)
        running = next(j for j in _jobs(engine, source.id) if j.status == "running")
        leader_pid = int((running.worker or "").rsplit(":", 1)[1])
        leader = next(p for p in procs if p.pid == leader_pid)
        follower = next(p for p in procs if p.pid != leader_pid)
        leader.send_signal(signal.SIGKILL)
        leader.wait(5)
        killed = [j for j in _jobs(engine, source.id) if j.status == "running"]
        last_before = max(j.id or 0 for j in _jobs(engine, source.id))

        def taken_over() -> bool:
            return any(j.worker == f"{socket.gethostname()}:{follower.pid}" and j.status == "succeeded"
                       for j in _jobs(engine, source.id) if (j.id or 0) > last_before)

        assert _wait(taken_over, 15, 0.2), (tmp_path / "b.log").read_text()
        after = {j.id: j for j in _jobs(engine, source.id)}
        assert killed, "the leader was killed between runs"
        for job in killed:  # the run killed with its leader was failed as dead, and blocked nothing
            assert (after[job.id].status, after[job.id].message) == ("failed", "worker died")
            assert after[job.id].worker == f"{socket.gethostname()}:{leader_pid}"
        _assert_no_overlap([j for j in after.values() if j.message != "worker died"])
        assert len([j for j in after.values() if j.status in ("queued", "running")]) <= 1
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


def test_scheduled_run_is_followed_by_shacl_validation_of_what_changed(engine, settings, add_source,
                                                                      http_server) -> None:
    import orjson
    from sqlalchemy import select

    from catalog.store.tables import Dataset

    source = add_source("shacl", http_server.url("dcat/catalog.ttl"))
    job = job_lifecycle.claim(engine, source.id, trigger="schedule", dead_after=60)
    done = run_job(engine, settings, job)
    assert done.status == "succeeded" and done.added == 8
    with engine.connect() as conn:
        rows = conn.execute(select(Dataset.__table__.c.uri, Dataset.__table__.c.violations)).all()
    shacl = {uri: [v for v in orjson.loads(viol) if v.get("source") == "shacl"] for uri, viol in rows}
    untitled = shacl["https://fixtures.example.se/dataset/utan-titel"]
    assert any("title" in (v.get("path") or "") and v["severity"] == "violation" for v in untitled)
    assert not any(v["severity"] == "violation" for v in shacl["https://fixtures.example.se/dataset/badplatser"])
