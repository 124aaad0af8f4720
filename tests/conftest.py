"""Shared fixtures: real databases (SQLite files, and the local PostgreSQL when
DATAKATALOG_TEST_POSTGRES_URL is set), a real local HTTP server serving tests/fixtures/, the app."""

from __future__ import annotations

import functools
import os
import socketserver
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text

from api.app import create_app
from catalog.services import sources
from catalog.settings import Settings
from catalog.store.engine import init_engine, normalise_url
from catalog.store.tables import HarvestJob, Source
from harvester.registration import register_source
from harvester.runner import harvest_source
from harvester.scheduler import stop_fallback_pool

if TYPE_CHECKING:
    from tests.harvester.misbehaving import MisbehavingServer

FIXTURES = Path(__file__).parent / "fixtures"
CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"  # the bundled files, read by tests as files
POSTGRES_URL = os.environ.get("DATAKATALOG_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a schema of its own on the local PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'catalog.db'}"
        return
    assert POSTGRES_URL
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = init_engine(db_url)
    yield eng
    stop_fallback_pool(eng)  # a harvest the API started (and its SHACL check) ends before the schema goes
    eng.dispose()


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, allow_private_sources=True, base_url="http://datakatalog.test",
                    fetch_timeout=5.0, user_agent="datakatalog-tests")


class _Handler(SimpleHTTPRequestHandler):
    server: FixtureHTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        self.server.hits.append(self.path)
        self.server.last_headers = {k.lower(): v for k, v in self.headers.items()}
        route = self.server.routes.get(self.path.split("?")[0]) or self.server.routes.get(self.path)
        if route is None:
            super().do_GET()
            return
        # a route is (status, type, body[, extra headers]) or a callable returning one
        answer = route() if callable(route) else route
        status, content_type, body = answer[:3]
        self.send_response(status)
        for name, value in (answer[3] if len(answer) > 3 else {}).items():
            self.send_header(name, value)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class FixtureHTTPServer(ThreadingHTTPServer):
    """Serves tests/fixtures/ as files, plus routes a test sets: path -> (status, type, body)."""

    daemon_threads = True

    def __init__(self) -> None:
        handler = functools.partial(_Handler, directory=str(FIXTURES))
        handler.extensions_map = {**SimpleHTTPRequestHandler.extensions_map,  # type: ignore[attr-defined]
                                  ".ttl": "text/turtle", ".rdf": "application/rdf+xml",
                                  ".jsonld": "application/ld+json", ".nt": "application/n-triples"}
        super().__init__(("127.0.0.1", 0), handler)
        self.routes: dict[str, Any] = {}
        self.hits: list[str] = []
        self.last_headers: dict[str, str] = {}

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/{path.lstrip('/')}"

    def set(self, path: str, body: bytes | str, content_type: str | None = "text/turtle",
            status: int = 200) -> str:
        data = body.encode() if isinstance(body, str) else body
        self.routes["/" + path.lstrip("/")] = (status, content_type, data)
        return self.url(path)

    def set_fixture(self, path: str, fixture: str, content_type: str | None = "text/turtle") -> str:
        return self.set(path, (FIXTURES / fixture).read_bytes(), content_type)


ServerT = TypeVar("ServerT", bound=socketserver.BaseServer)


@contextmanager
def serving(server: ServerT) -> Iterator[ServerT]:
    """``server`` answering on a thread of its own until the block ends, then closed."""
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def http_server() -> Iterator[FixtureHTTPServer]:
    with serving(FixtureHTTPServer()) as server:
        yield server


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(settings, engine)) as c:
        yield c


HarvestFn = Callable[..., HarvestJob]


@pytest.fixture
def add_source(engine: Engine, settings: Settings) -> Callable[..., Source]:
    def add(name: str, url: str, kind: str = "dcat", **kw: Any) -> Source:
        return register_source(engine, settings, name=name, kind=kind, url=url, **kw)

    return add


@pytest.fixture
def harvest(engine: Engine, settings: Settings) -> HarvestFn:
    """Harvest a source (by name) now and return its job."""

    def run(name: str, **kw: Any) -> HarvestJob:
        source = sources.get_source(engine, name)
        return harvest_source(engine=engine, source=source, settings=settings, **kw)

    return run


def wait_until(cond: Callable[[], bool], what: str, timeout: float = 60.0, step: float = 0.05) -> None:
    """Wait until ``cond()`` holds; after ``timeout`` seconds fail, naming ``what`` was waited for."""
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(step)


HYDRA_NEXT = "http://www.w3.org/ns/hydra/core#next"


def serve_generated_pages(server: MisbehavingServer, *, pages: int, per_page: int, seed: int = 0) -> None:
    """A big generated catalogue on ``server``: ``/big1.ttl`` … ``/big{pages}.ttl``, ``per_page`` datasets
    each (benchmarks/gen_catalog.py, page i from seed ``seed * 10 + i``), linked by Hydra next."""
    from benchmarks.gen_catalog import generate

    for i in range(1, pages + 1):
        body = generate(per_page, seed=seed * 10 + i, base=f"https://bench.example.se/p{i}/")
        if i < pages:
            body += f"\n<{server.url(f'/big{i}.ttl')}> <{HYDRA_NEXT}> <{server.url(f'/big{i + 1}.ttl')}> .\n"
        server.serve(f"/big{i}.ttl", body)


@pytest.fixture
def bad() -> Iterator[MisbehavingServer]:
    """A real local server that misbehaves on purpose (tests/harvester/misbehaving.py)."""
    from tests.harvester import misbehaving

    with misbehaving.running() as server:
        yield server


@pytest.fixture
def demo(engine: Engine, add_source: Callable[..., Source], harvest: HarvestFn) -> Iterator[Engine]:
    """The demo's DCAT catalogue, CKAN portal and Trafiklab-style API portal, harvested."""
    from harvester.demo.server import DemoServer

    with DemoServer(CONFIG_DIR / "demo") as server:
        add_source("kommuner", f"{server.base_url}/kommuner.ttl")
        add_source("kommunportal", f"{server.base_url}/ckan/", kind="ckan")
        add_source("trafiklab", f"{server.base_url}/trafiklab/apis.json", kind="jsonapi", mapping="trafiklab")
        for name in ("kommuner", "kommunportal", "trafiklab"):
            job = harvest(name)
            assert job.status == "succeeded", job.message
        yield engine
