"""Search replicas on PostgreSQL stay current: a harvest a worker runs is found by a search on another serve
process, without restarting it (issue 17). The processes are started from the units of docs/deploy/, as in
tests/harvester/test_workers.py."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select, text

from catalog.store.engine import make_read_engine
from catalog.store.tables import HarvestJob
from tests.api.test_read_replica import REPLICA_URL, read_only_url, standby_url
from tests.conftest import wait_until
from tests.harvester.test_workers import ENV, ROOT, Cluster, env_file, unit_command

JOB = HarvestJob.__table__  # type: ignore[attr-defined]
ADMIN = "replica-test-admin"
READER = "replica-b-reads"  # the application_name of serve-b's read-only connections
CATCH_UP = 30.0  # seconds a replica may take to show a finished harvest (it checks the generation per search)

PREFIXES = """@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct:  <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix ptype: <http://purl.org/adms/publishertype/> .
"""


def catalogue(titles: dict[str, str]) -> bytes:
    """A DCAT catalogue of one publisher with a dataset (and a CSV distribution) per slug -> title."""
    base = "https://replica.example.se"
    parts = [PREFIXES, f"<{base}/catalog> a dcat:Catalog ; dct:title \"Replikkatalogen\"@sv ;\n"
             f"    dct:description \"Katalog för replikprovet.\"@sv ; dct:publisher <{base}/org> ;\n"
             f"    dcat:dataset {', '.join(f'<{base}/dataset/{slug}>' for slug in titles)} .\n",
             f"<{base}/org> a foaf:Organization ; foaf:name \"Replikkommunen\"@sv ; dct:type ptype:LocalAuthority .\n"]
    for slug, title in titles.items():
        parts.append(
            f"<{base}/dataset/{slug}> a dcat:Dataset ; dct:title \"{title}\"@sv ;\n"
            f"    dct:description \"{title}: uppgifter från Replikkommunen.\"@sv ; dct:publisher <{base}/org> ;\n"
            f"    dcat:distribution <{base}/distribution/{slug}> .\n"
            f"<{base}/distribution/{slug}> a dcat:Distribution ; dcat:accessURL <{base}/filer/{slug}.csv> .\n")
    return "".join(parts).encode()


BEFORE = {"parkering": "Parkeringsautomater vid Zebrafinkstorget", "snorojning": "Snöröjningsrutter",
          "belysning": "Gatubelysning", "cykel": "Cykelparkeringar"}
# parkering is withdrawn, snorojning renamed, two new datasets; belysning and cykel unchanged
AFTER = {"snorojning": "Snöröjningsrutter över Pelikanbron", "belysning": "Gatubelysning",
         "cykel": "Cykelparkeringar", "pelikan-nord": "Pelikanbron norra fästet",
         "pelikan-syd": "Pelikanbron södra fästet"}


class Replicas(Cluster):
    """test_workers' cluster, whose processes also get ``extra`` settings and whose serve ports are known."""

    def __init__(self, db_url: str, logs: Path, extra: dict[str, str]) -> None:
        super().__init__(db_url, logs)
        self.extra = extra
        self.ports: dict[str, int] = {}

    def start(self, name: str, unit: str, instance: str, **settings: str) -> None:
        cmd = unit_command(unit, instance)
        if "--port" in cmd:
            self.ports[name] = int(cmd[cmd.index("--port") + 1])
        env = {**os.environ, **env_file(), **ENV, "DATAKATALOG_DATABASE_URL": self.db_url, **self.extra, **settings}
        with open(self.logs / f"{name}.log", "wb") as fh:
            self.procs[name] = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT)

    def base_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"


def read_url(db_url: str) -> str:
    """serve-b's DATABASE_READ_URL, its connections named READER."""
    url = standby_url(db_url) if REPLICA_URL else read_only_url(db_url)
    return f"{url}&application_name={READER}"


@pytest.fixture
def replicas(db_url: str, engine: Engine, tmp_path: Path) -> Iterator[Replicas]:
    """serve-a and serve-b (serve --no-harvest) and one worker on one PostgreSQL database; serve-b reads through
    DATABASE_READ_URL: a connection that refuses writes as a streaming replica would, or a real hot standby
    when DATAKATALOG_TEST_POSTGRES_REPLICA_URL names one."""
    if db_url.startswith("sqlite"):
        pytest.skip("replicas need PostgreSQL; on SQLite one serve process answers every search")
    c = Replicas(db_url, tmp_path, {"DATAKATALOG_ADMIN_TOKEN": ADMIN})
    try:
        c.start("serve-a", "datakatalog-serve@.service", "01")
        c.start("serve-b", "datakatalog-serve@.service", "02", DATAKATALOG_DATABASE_READ_URL=read_url(db_url))
        c.start("worker", "datakatalog-worker@.service", "1")
        yield c
    finally:
        c.stop()
        print(c.all_logs())  # shown when the test fails


def _succeeded(engine: Engine, source_id: int) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(JOB).where(JOB.c.source_id == source_id, JOB.c.status == "succeeded")
                                 .order_by(JOB.c.id)))


def _titles(base: str, q: str) -> set[str] | None:
    """The titles replica ``base`` finds for ``q`` (None while it does not answer yet)."""
    try:
        answer = httpx.get(f"{base}/api/datasets", params={"q": q, "per_page": 50}, timeout=10)
    except httpx.TransportError:
        return None
    if answer.status_code != 200:
        return None
    return {item["title"] for item in answer.json()["items"]}


def test_a_search_on_another_replica_sees_a_harvest_without_a_restart(
    replicas: Replicas, engine: Engine, db_url: str, add_source, http_server
) -> None:
    http_server.set("replica/catalog.ttl", catalogue(BEFORE))
    source = add_source("replika", http_server.url("replica/catalog.ttl"), schedule="1d")
    a, b = replicas.base_url("serve-a"), replicas.base_url("serve-b")

    # 1. the first harvest, run by the worker (due at once), is found on replica B
    wait_until(lambda: len(_succeeded(engine, source.id)) == 1, "the first harvest", 90)
    wait_until(lambda: _titles(b, "zebrafink") == {BEFORE["parkering"]}, "replica B to find the first harvest",
               CATCH_UP)
    assert _titles(b, "pelikanbron") == set()
    pid_b = replicas.procs["serve-b"].pid

    # 2. the source changes and is harvested again, triggered on replica A and run by the worker
    # (A listens once it has started: on a loaded machine that may be after B found the first harvest)
    wait_until(lambda: _titles(a, "zebrafink") is not None, "replica A to answer", CATCH_UP)
    http_server.set("replica/catalog.ttl", catalogue(AFTER))
    queued = httpx.post(f"{a}/api/sources/{source.id}/harvest", headers={"Authorization": f"Bearer {ADMIN}"},
                        timeout=10)
    assert queued.status_code == 202, queued.text
    wait_until(lambda: len(_succeeded(engine, source.id)) == 2, "the second harvest", 90)
    second = _succeeded(engine, source.id)[-1]
    assert (second.added, second.updated, second.withdrawn) == (2, 1, 1)
    assert replicas.name_of(second.worker) == "worker"
    finished = time.monotonic()

    # 3. replica B, not restarted, finds the new and renamed datasets and no longer the withdrawn one
    pelikan = {AFTER["snorojning"], AFTER["pelikan-nord"], AFTER["pelikan-syd"]}
    wait_until(lambda: _titles(b, "pelikanbron") == pelikan and _titles(b, "zebrafink") == set(),
               "replica B to show the second harvest", CATCH_UP)
    lag = time.monotonic() - finished
    assert replicas.procs["serve-b"].pid == pid_b and replicas.procs["serve-b"].poll() is None
    assert replicas.log("serve-b").count("Serving datakatalog on") == 1  # one start: never restarted
    assert "read-only transaction" not in replicas.log("serve-b")
    assert "searches and pages read from" in replicas.log("serve-b")  # it says where it reads
    assert "searches and pages read from" not in replicas.log("serve-a")
    reader = make_read_engine(read_url(db_url))  # the server B reads from: its sessions there are B's
    try:
        with reader.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :a "
                                     "AND pid <> pg_backend_pid()"), {"a": READER}).scalar()
    finally:
        reader.dispose()
    # the withdrawn dataset is still there for whoever asks for withdrawn ones
    withdrawn = httpx.get(f"{b}/api/datasets", params={"q": "zebrafink", "status": "withdrawn"}, timeout=10).json()
    assert [i["title"] for i in withdrawn["items"]] == [BEFORE["parkering"]]
    print(f"replica B showed the second harvest {lag:.2f} s after its job had finished")
