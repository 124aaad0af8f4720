"""FETCH_DEADLINE holds against a source that trickles: slower than nothing, faster than the read timeout.

Each byte arrives before the read timeout runs out, so only the total deadline can end the
response; the run must fail within the deadline plus a margin, not when the server gives up.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from catalog.services import sources
from catalog.settings import Settings
from catalog.store.tables import Source
from harvester.errors import SourceTimeout
from harvester.fetch import Fetcher
from harvester.runner import harvest_source
from tests.conftest import FIXTURES
from tests.harvester import misbehaving
from tests.harvester.misbehaving import MisbehavingServer

GOOD = (FIXTURES / "dcat/catalog.ttl").read_bytes()
DEADLINE = 3.0
SLOW: dict[str, Any] = dict(fetch_timeout=2.0, fetch_deadline=DEADLINE, fetch_retries=0)
TRICKLE_FOR = 20.0  # seconds the server keeps trickling; far longer than the deadline


@pytest.fixture
def slow() -> Settings:
    """Fetch settings alone: the fetcher needs no database, so these tests run once, not per backend."""
    return Settings(allow_private_sources=True, user_agent="datakatalog-tests", **SLOW)


@pytest.fixture
def bad() -> Iterator[MisbehavingServer]:
    with misbehaving.running() as server:
        yield server


def _trickle_for(server: MisbehavingServer, path: str, *, every: float, seconds: float,
                 headers_too: bool = False, chunked: bool = False) -> str:
    """One byte every ``every`` s for ``seconds`` s, then the connection closes. ``chunked``: no
    Content-Length, the body ends when the connection does (``Connection: close``)."""

    def run(h: Any) -> None:
        ends = time.monotonic() + seconds
        if headers_too:
            data = b"HTTP/1.1 200 OK\r\nContent-Type: text/turtle\r\nX-Slow: " + b"x" * 10_000
        else:
            h.send_response(200)
            h.send_header("Content-Type", "text/turtle")
            if chunked:
                h.send_header("Connection", "close")
                h.close_connection = True
            else:
                h.send_header("Content-Length", "1000000")
            h.end_headers()
            h.wfile.flush()
            data = b"# " + b"." * 1_000_000
        for i in range(len(data)):
            if time.monotonic() >= ends or server.stopping.wait(every):
                return
            h.wfile.write(data[i : i + 1])
            h.wfile.flush()

    return server.route(path, run)


@pytest.mark.parametrize("shape", ["body", "body-without-length", "headers"])
def test_a_body_trickling_faster_than_the_read_timeout_is_cut_at_the_deadline(
    slow: Settings, bad: MisbehavingServer, shape: str,
) -> None:
    url = _trickle_for(bad, "/slow.ttl", every=1.0, seconds=TRICKLE_FOR, headers_too=shape == "headers",
                       chunked=shape == "body-without-length")
    fetcher = Fetcher(slow)
    started = time.monotonic()
    with pytest.raises(SourceTimeout, match=r"did not arrive within the 3 s deadline"):
        fetcher.get(url)
    elapsed = time.monotonic() - started
    assert elapsed < DEADLINE + 5, f"took {elapsed:.1f} s"


def test_a_harvest_of_a_trickling_source_fails_within_the_deadline_and_says_so(
    engine: Engine, settings: Settings, add_source: Callable[..., Source], bad: MisbehavingServer,
) -> None:
    url = bad.serve("/cat.ttl", GOOD)
    add_source("kommun", url)
    _trickle_for(bad, "/cat.ttl", every=1.0, seconds=TRICKLE_FOR, chunked=True)
    started = time.monotonic()
    job = harvest_source(engine=engine, source=sources.get_source(engine, "kommun"),
                         settings=settings.model_copy(update=SLOW))
    elapsed = time.monotonic() - started
    assert job.status == "failed"
    assert job.message and "did not arrive within the 3 s deadline" in job.message, job.message
    assert elapsed < DEADLINE + 5, f"took {elapsed:.1f} s: {job.message}"


def test_the_deadline_holds_in_a_thread_other_than_the_main_one(slow: Settings, bad: MisbehavingServer) -> None:
    # serve runs harvests in worker threads: no signal-based timeout could reach them
    url = _trickle_for(bad, "/slow.ttl", every=1.0, seconds=TRICKLE_FOR, chunked=True)
    outcome: list[BaseException | None] = []

    def fetch() -> None:
        try:
            Fetcher(slow).get(url)
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            outcome.append(exc)

    started = time.monotonic()
    worker = threading.Thread(target=fetch)
    worker.start()
    worker.join(DEADLINE + 5)
    assert not worker.is_alive(), "the fetch outlived the deadline"
    assert isinstance(outcome[0], SourceTimeout), outcome
    assert time.monotonic() - started < DEADLINE + 5


def test_a_slow_but_steady_answer_within_the_deadline_arrives_whole(slow: Settings, bad: MisbehavingServer) -> None:
    body = b"# " + b"." * 40 + b"\n"

    def run(h: Any) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/turtle")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.flush()
        for i in range(0, len(body), 4):
            time.sleep(0.1)
            h.wfile.write(body[i : i + 4])
            h.wfile.flush()

    url = bad.route("/steady.ttl", run)
    assert Fetcher(slow).get(url).body == body


def test_the_deadline_also_cuts_a_trickle_over_https(slow: Settings, tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key),
                    "-out", str(cert)], check=True, capture_output=True)
    with misbehaving.running(tls=(cert, key)) as server:
        url = _trickle_for(server, "/slow.ttl", every=1.0, seconds=TRICKLE_FOR, chunked=True)
        fetcher = Fetcher(slow)
        fetcher.session.verify = str(cert)
        started = time.monotonic()
        with pytest.raises(SourceTimeout, match=r"did not arrive within the 3 s deadline"):
            fetcher.get(url)
        assert time.monotonic() - started < DEADLINE + 5
