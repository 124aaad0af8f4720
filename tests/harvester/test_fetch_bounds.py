"""Fetching is bounded and safe: every misbehaving source ends in a failed job, quickly, losing nothing.

Each case harvests a good document first, then points the same source URL at a bad answer from
a real misbehaving server (tests/harvester/misbehaving.py), harvests again and checks the job
failed with a one-line reason, within a time bound, with every stored dataset unchanged.
"""

from __future__ import annotations

import ipaddress
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from catalog.errors import ParseError
from catalog.services import sources
from catalog.settings import Settings
from catalog.store.tables import Source
from harvester.errors import FetchError, SourceHTTPError, SourceRefused, SourceTimeout, SourceUnreachable
from harvester.fetch import Fetcher, check_address, retry_after
from harvester.runner import harvest_source
from tests.conftest import FIXTURES, serve_generated_pages, wait_until
from tests.harvester import misbehaving
from tests.harvester.misbehaving import MisbehavingServer

ROOT = Path(__file__).resolve().parents[2]
GOOD = (FIXTURES / "dcat/catalog.ttl").read_bytes()

# Small bounds so a misbehaving source fails in about a second.
TIGHT: dict[str, Any] = dict(fetch_timeout=0.5, fetch_deadline=1.0, fetch_retries=1, fetch_backoff=0.05,
                             fetch_retry_after_max=0.2)


def tight(settings: Settings, **kw: Any) -> Settings:
    return settings.model_copy(update={**TIGHT, **kw})


def stored(engine: Engine) -> list[tuple[Any, ...]]:
    """Every stored dataset with what a failed run must not touch, plus distribution and revision counts."""
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text(
            "SELECT id, status, content_hash, job_id, title FROM dataset ORDER BY id"))]
        extra = conn.execute(text(
            "SELECT (SELECT count(*) FROM distribution), (SELECT count(*) FROM revision)")).one()
    return [*rows, tuple(extra)]


def run(engine: Engine, name: str, settings: Settings) -> Any:
    return harvest_source(engine=engine, source=sources.get_source(engine, name), settings=settings)


Breaker = Callable[[MisbehavingServer, str], None]


def _context(server: MisbehavingServer, path: str) -> None:
    server.serve("/context.jsonld", '{"@context": {"dcat": "http://www.w3.org/ns/dcat#"}}', "application/ld+json")
    server.serve(path, misbehaving.remote_context_jsonld(server.url("/context.jsonld")), "application/ld+json")


CASES: list[Any] = [
    pytest.param(lambda s, p: s.never_answer(p), r"no answer within 0\.5 s", {}, id="never-answers"),
    pytest.param(lambda s, p: s.trickle(p, every=0.1), r"did not arrive within the 1 s deadline", {},
                 id="trickles-body"),
    pytest.param(lambda s, p: s.trickle(p, every=0.1, headers_too=True), r"did not arrive within the 1 s deadline",
                 {}, id="trickles-headers"),
    pytest.param(lambda s, p: s.huge(p, 2_000_000), r"2,000,000 bytes declared, over the 100,000-byte limit",
                 {"fetch_max_bytes": 100_000}, id="too-large-declared"),
    pytest.param(lambda s, p: s.huge(p, 2_000_000, declare_length=False), r"body over the 100,000-byte limit",
                 {"fetch_max_bytes": 100_000}, id="too-large-streamed"),
    pytest.param(lambda s, p: s.error(p, 500, retry_after="3600"), r"HTTP 500 after 3 attempts",
                 {"fetch_retries": 2}, id="http-500s"),
    pytest.param(lambda s, p: s.redirect_loop(p, "/elsewhere"), r"more than 5 redirects", {}, id="redirect-loop"),
    pytest.param(lambda s, p: s.redirect(p, "http://169.254.169.254/latest/meta-data/"),
                 r"169\.254\.169\.254, a link-local or cloud-metadata address: refused", {}, id="redirect-to-metadata"),
    pytest.param(lambda s, p: s.serve(p, misbehaving.truncated(GOOD)), r"not valid Turtle: .*line \d+", {},
                 id="truncated-turtle"),
    pytest.param(lambda s, p: s.serve(p, misbehaving.html_page(), "text/turtle"),
                 r"the document is HTML, not RDF \(served as text/turtle\)", {}, id="html-as-turtle"),
    pytest.param(lambda s, p: s.serve(p, misbehaving.entity_bomb(), "application/rdf+xml"),
                 r"declares an XML entity at line \d+", {}, id="rdfxml-entity-bomb"),
    pytest.param(_context, r"remote contexts are never fetched", {}, id="jsonld-remote-context"),
]


@pytest.mark.parametrize(("breaker", "reason", "overrides"), CASES)
def test_misbehaving_source_fails_its_job_quickly_and_keeps_every_stored_dataset(
    engine: Engine, settings: Settings, add_source: Callable[..., Source], bad: MisbehavingServer,
    breaker: Breaker, reason: str, overrides: dict[str, Any],
) -> None:
    url = bad.serve("/cat.ttl", GOOD)
    add_source("kommun", url)
    first = run(engine, "kommun", settings)
    assert first.status == "succeeded", first.message
    before = stored(engine)
    assert len(before) > 5

    breaker(bad, "/cat.ttl")
    started = time.monotonic()
    job = run(engine, "kommun", tight(settings, **overrides))
    elapsed = time.monotonic() - started

    assert job.status == "failed"
    assert job.message and "\n" not in job.message
    assert "/cat.ttl" in job.message
    assert re.search(reason, job.message), job.message
    assert elapsed < 3.0, f"took {elapsed:.1f} s: {job.message}"
    assert stored(engine) == before
    assert "/context.jsonld" not in bad.hits  # never fetched, in any case


def test_server_errors_are_retried_the_configured_number_of_times(
    settings: Settings, bad: MisbehavingServer,
) -> None:
    url = bad.error("/cat.ttl", 503, retry_after="3600")
    with pytest.raises(SourceHTTPError, match="HTTP 503 after 3 attempts") as info:
        Fetcher(tight(settings, fetch_retries=2)).get(url)
    assert info.value.status_code == 503
    assert bad.count("/cat.ttl") == 3


def test_retry_after_is_honoured_then_the_document_is_fetched(settings: Settings, bad: MisbehavingServer) -> None:
    url = bad.error("/cat.ttl", 429, retry_after="1", then=(GOOD, "text/turtle"), times=1)
    started = time.monotonic()
    resp = Fetcher(tight(settings, fetch_retry_after_max=5.0)).get(url)
    assert time.monotonic() - started >= 0.95
    assert resp.body == GOOD
    assert bad.count("/cat.ttl") == 2


def test_connection_errors_are_retried_with_backoff(settings: Settings) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(SourceUnreachable, match="connection failed") as info:
        Fetcher(tight(settings, fetch_retries=2, fetch_backoff=0.2, fetch_retry_after_max=5.0)).get(
            f"http://127.0.0.1:{port}/x")
    assert "\n" not in info.value.message
    assert time.monotonic() - started >= 0.2 + 0.4  # backoff doubled between the three attempts


def test_client_errors_are_not_retried(settings: Settings, bad: MisbehavingServer) -> None:
    url = bad.serve("/gone.ttl", "", status=404)
    with pytest.raises(SourceHTTPError, match="HTTP 404$"):
        Fetcher(tight(settings, fetch_retries=3)).get(url)
    assert bad.count("/gone.ttl") == 1


def test_timeouts_are_not_retried(settings: Settings, bad: MisbehavingServer) -> None:
    url = bad.never_answer("/slow.ttl")
    with pytest.raises(SourceTimeout):
        Fetcher(tight(settings, fetch_retries=3)).get(url)
    assert bad.count("/slow.ttl") == 1


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after("7") == 7.0
    assert retry_after(None) is None
    assert retry_after("soon") is None
    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert retry_after(later, now=now.timestamp()) == pytest.approx(90)
    assert retry_after(format_datetime(now - timedelta(hours=1), usegmt=True), now=now.timestamp()) == 0.0


def test_every_request_says_who_is_asking(settings: Settings, bad: MisbehavingServer) -> None:
    url = bad.serve("/cat.ttl", GOOD)
    Fetcher(settings.model_copy(update={"user_agent": "datakatalog/9 (+https://datakatalog.test)"})).get(url)
    assert bad.headers_seen[-1]["User-Agent"] == "datakatalog/9 (+https://datakatalog.test)"


def test_loopback_source_is_refused_unless_private_sources_are_allowed(
    settings: Settings, bad: MisbehavingServer,
) -> None:
    url = bad.serve("/cat.ttl", GOOD)
    with pytest.raises(SourceRefused, match="127.0.0.1, a private or loopback address.*ALLOW_PRIVATE_SOURCES"):
        Fetcher(settings.model_copy(update={"allow_private_sources": False})).get(url)
    assert bad.hits == []
    assert Fetcher(settings).get(url).body == GOOD


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/",
    "http://2852039166/latest/meta-data/",  # 169.254.169.254 written as one number
    "http://[fe80::1]/",
    "http://0.0.0.0:8080/",
])
def test_link_local_and_metadata_addresses_are_refused_even_when_private_sources_are_allowed(
    settings: Settings, url: str,
) -> None:
    with pytest.raises(SourceRefused, match="link-local or cloud-metadata"):
        Fetcher(settings).get(url)


@pytest.mark.parametrize("address", ["::ffff:169.254.169.254", "fd00:ec2::254", "100.100.100.200"])
def test_metadata_addresses_in_every_spelling_are_refused(address: str) -> None:
    with pytest.raises(SourceRefused):
        check_address("h", ipaddress.ip_address(address), allow_private=True)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.se/cat.ttl", "gopher://example.se/"])
def test_only_http_and_https_are_fetched(settings: Settings, url: str) -> None:
    with pytest.raises(SourceRefused, match="only http and https"):
        Fetcher(settings).get(url)


def test_redirect_to_another_scheme_is_refused(settings: Settings, bad: MisbehavingServer) -> None:
    url = bad.redirect("/cat.ttl", "file:///etc/passwd")
    with pytest.raises(SourceRefused, match="only http and https"):
        Fetcher(settings).get(url)


def test_a_name_that_rebinds_to_a_metadata_address_after_the_check_is_refused_at_connect(
    settings: Settings, bad: MisbehavingServer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # DNS rebinding needs a resolver that answers differently the second time; we cannot run an
    # authoritative DNS server here, so the resolver alone is replaced. The HTTP side is real.
    real = socket.getaddrinfo
    answers = iter(["127.0.0.1", "169.254.169.254"])

    def rebinding(host: Any, port: Any, *args: Any, **kw: Any) -> Any:
        if host == "rebind.test":
            ip = next(answers, "169.254.169.254")
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))]
        return real(host, port, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    bad.serve("/cat.ttl", GOOD)
    with pytest.raises(SourceRefused, match="169.254.169.254"):
        Fetcher(settings).get(f"http://rebind.test:{bad.port}/cat.ttl")
    assert bad.hits == []  # the first answer passed the early check, yet nothing was connected


def test_connection_goes_to_the_address_that_was_checked(
    settings: Settings, bad: MisbehavingServer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = socket.getaddrinfo

    def pinned(host: Any, port: Any, *args: Any, **kw: Any) -> Any:
        if host == "katalog.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", pinned)
    bad.serve("/cat.ttl", GOOD)
    resp = Fetcher(settings).get(f"http://katalog.test:{bad.port}/cat.ttl")
    assert resp.body == GOOD
    assert bad.headers_seen[-1]["Host"] == f"katalog.test:{bad.port}"


def test_https_through_the_address_guard_still_verifies_the_certificate_for_the_host_name(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=katalog.test", "-addext", "subjectAltName=DNS:katalog.test", "-keyout", str(key),
                    "-out", str(cert)], check=True, capture_output=True)
    real = socket.getaddrinfo

    def pinned(host: Any, port: Any, *args: Any, **kw: Any) -> Any:
        if host in ("katalog.test", "annat.test"):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", pinned)
    with misbehaving.running(tls=(cert, key)) as server:
        server.serve("/cat.ttl", GOOD)
        fetcher = Fetcher(settings)
        fetcher.session.verify = str(cert)
        assert fetcher.get(f"https://katalog.test:{server.port}/cat.ttl").body == GOOD
        with pytest.raises(FetchError, match="TLS failed: .*(certificate|hostname)") as info:
            fetcher.get(f"https://annat.test:{server.port}/cat.ttl")  # same address, wrong name
        assert not isinstance(info.value, SourceUnreachable)  # not retried


def test_entity_bomb_is_refused_before_parsing_in_milliseconds() -> None:
    from catalog.rdf.parse import parse

    started = time.monotonic()
    with pytest.raises(ParseError, match="entity declarations are refused"):
        parse(misbehaving.entity_bomb(levels=12), content_type="application/rdf+xml")
    assert time.monotonic() - started < 0.1


def test_malformed_rdf_xml_names_the_position() -> None:
    from catalog.rdf.parse import parse

    body = (b'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
            b'  <rdf:Description rdf:about="https://x.example/d">\n</rdf:RDF>\n')
    with pytest.raises(ParseError, match=r"line 4, column \d+"):
        parse(body, content_type="application/rdf+xml")


# -- kill -9 in the middle of a harvest ---------------------------------------------------------

CHILD = """
import sys
from catalog.services.sources import get_source
from catalog.store.engine import init_engine
from catalog.settings import Settings
from harvester.runner import harvest_source
url, name = sys.argv[1], sys.argv[2]
settings = Settings(database_url=url, allow_private_sources=True, fetch_timeout=30)
engine = init_engine(url)
harvest_source(engine=engine, source=get_source(engine, name), settings=settings)
"""

PAGES = 4


def _big_pages(server: MisbehavingServer) -> None:
    """generate(2000) split over four Hydra pages of 500 datasets each."""
    serve_generated_pages(server, pages=PAGES, per_page=2000 // PAGES)


def test_kill_9_mid_harvest_leaves_the_database_consistent_and_the_next_run_succeeds(
    engine: Engine, db_url: str, settings: Settings, add_source: Callable[..., Source], bad: MisbehavingServer,
) -> None:
    _big_pages(bad)
    page3 = bad.routes["/big3.ttl"]
    bad.never_answer("/big3.ttl")  # holds the child after two pages are written in its open transaction
    source = add_source("stor", bad.url("/big1.ttl"))
    child = subprocess.Popen([sys.executable, "-c", CHILD, db_url, "stor"], cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT)}, stderr=subprocess.PIPE)
    try:
        def running() -> bool:
            with engine.connect() as conn:
                return conn.execute(text("SELECT status FROM harvest_job WHERE source_id = :s"),
                                    {"s": source.id}).scalar() == "running"

        wait_until(running, "the child's job to be running")
        wait_until(lambda: "/big3.ttl" in bad.hits or child.poll() is not None, "the child to ask for page 3")
        assert child.poll() is None, child.stderr.read().decode() if child.stderr else ""
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
    assert child.returncode == -signal.SIGKILL

    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        assert conn.execute(text("SELECT count(*) FROM dataset")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM revision")).scalar() == 0
        killed = conn.execute(text("SELECT id, status FROM harvest_job WHERE source_id = :s"),
                              {"s": source.id}).one()
    assert killed.status == "running"  # died with its process: nothing could write its end

    bad.route("/big3.ttl", page3)
    time.sleep(0.3)
    job = run(engine, "stor", settings.model_copy(update={"job_dead_after": 0.2}))
    assert job.status == "succeeded", job.message
    assert job.added == 2000
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM dataset WHERE status = 'active'")).scalar() == 2000
        assert conn.execute(text("SELECT status FROM harvest_job WHERE id = :j"),
                            {"j": killed.id}).scalar() != "running"
