"""DATABASE_READ_URL: a serve process reads its searches, dataset and publisher pages, DCAT and CKAN output,
exports and the change feed through a read-only engine (a PostgreSQL streaming replica in production), and
writes everything else (tokens, sessions, audit, triggered jobs) through DATABASE_URL.

No replica is needed to prove the split: the read URL names the same PostgreSQL database through connections that
refuse every write (``default_transaction_read_only=on`` in the URL's options, as a replica or a read-only role
would), so a serving path that wrote through it would fail, and each path is seen to read through it. SQLite has
no replicas: the setting refuses a SQLite URL. With DATAKATALOG_TEST_POSTGRES_REPLICA_URL naming a hot standby of
DATAKATALOG_TEST_POSTGRES_URL's server, the same test also runs against that real streaming replica."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import DBAPIError

from api.app import create_app
from catalog.search.searcher import held_state
from catalog.services import organisations
from catalog.settings import Settings
from catalog.store.engine import make_read_engine
from catalog.store.tables import Source
from tests.conftest import FIXTURES, POSTGRES_URL, FixtureHTTPServer, HarvestFn, wait_until
from tests.web.test_console import submit

SETUP = organisations.Principal(actor="setup", admin=True)
REPLICA_URL = os.environ.get("DATAKATALOG_TEST_POSTGRES_REPLICA_URL")  # a hot standby of POSTGRES_URL's server
CATALOG_TTL = (FIXTURES / "dcat" / "catalog.ttl").read_bytes()


def read_only_url(db_url: str) -> str:
    """``db_url`` through connections that refuse writes: a session option in the URL, as a read-only role on
    a replica would have."""
    if db_url.startswith("sqlite"):
        pytest.skip("DATABASE_READ_URL is for PostgreSQL replicas")
    assert "options=" in db_url  # the test schema's search_path (tests/conftest.py)
    return db_url.replace("options=", "options=-cdefault_transaction_read_only%3Don%20", 1)


class Statements:
    """Every statement an engine runs, from when it is attached."""

    def __init__(self, engine: Engine) -> None:
        self.seen: list[str] = []
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.seen.append(statement)

    def take(self) -> list[str]:
        seen, self.seen = self.seen, []
        return seen


def standby_url(db_url: str) -> str:
    """``db_url`` (a schema of its own on POSTGRES_URL's server) on the hot standby of that server."""
    if db_url.startswith("sqlite"):
        pytest.skip("DATABASE_READ_URL is for PostgreSQL replicas")
    if not REPLICA_URL:
        pytest.skip("set DATAKATALOG_TEST_POSTGRES_REPLICA_URL to a hot standby of the test PostgreSQL")
    assert POSTGRES_URL and db_url.startswith(POSTGRES_URL)
    return REPLICA_URL + db_url.removeprefix(POSTGRES_URL)


@pytest.fixture(params=["read-only", "standby"])
def replica_client(request: pytest.FixtureRequest, settings: Settings, engine: Engine,
                   db_url: str) -> Iterator[TestClient]:
    """The app with DATABASE_READ_URL: the same database through read-only connections, or a real standby."""
    url = read_only_url(db_url) if request.param == "read-only" else standby_url(db_url)
    read = settings.model_copy(update={"database_read_url": url})
    with TestClient(create_app(read, engine)) as c:
        yield c


def test_the_read_url_refuses_writes(db_url: str, engine: Engine) -> None:
    reader = make_read_engine(read_only_url(db_url))
    try:
        with reader.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM dataset")).scalar() == 0
        with pytest.raises(DBAPIError) as refused, reader.begin() as conn:
            conn.execute(text("INSERT INTO catalog_state (key, value) VALUES ('x', 'y')"))
        assert "read-only transaction" in str(refused.value), refused.value
    finally:
        reader.dispose()
    # the read engine's own guard holds even when the URL is the primary's, writable one
    reader = make_read_engine(db_url)
    try:
        with pytest.raises(DBAPIError) as refused, reader.begin() as conn:
            conn.execute(text("INSERT INTO catalog_state (key, value) VALUES ('x', 'y')"))
        assert "read-only transaction" in str(refused.value), refused.value
        with reader.connect() as conn:  # … and reading through it still works after the pool's rollbacks
            assert conn.execute(text("SELECT count(*) FROM catalog_state WHERE key = 'x'")).scalar() == 0
    finally:
        reader.dispose()


def test_a_sqlite_read_url_is_refused() -> None:
    with pytest.raises(ValueError, match="for PostgreSQL"):
        Settings(database_read_url="sqlite:///replica.db")
    assert Settings(database_read_url="").database_read_url is None


READS = [
    "/api/datasets?q=badplatser", "/api/datasets?publisher={publisher}", "/api/datasets/{id}",
    "/api/datasets/{id}?format=ttl", "/api/datasets/export?format=csv&q=bad", "/catalog.ttl", "/api/changes",
    "/api/publishers", "/api/publishers/{publisher}", "/api/publishers/{publisher}/quality",
    "/api/quality/publishers", "/api/3/action/package_search?q=bad", "/api/3/action/package_show?id={id}",
    "/", "/datasets?q=bad", "/datasets/{id}", "/publishers", "/publishers/{publisher}", "/healthz",
    # suggestions for a misspelling, other orders and pages, the other CKAN reads, HVD, another syntax
    "/api/datasets?q=badplatsr", "/api/datasets?q=bad&sort=modified&page=2&per_page=1", "/datasets?q=zzzzqx",
    "/api/3/action/package_list", "/api/3/action/organization_list",
    "/api/publishers/{publisher}/hvd", "/catalog.jsonld?page=1", "/api/datasets/{id}?format=jsonld",
]


def test_serving_reads_go_through_the_read_engine_and_writes_through_the_primary(
    replica_client: TestClient, engine: Engine, add_source: Callable[..., Source], harvest: HarvestFn,
    http_server: FixtureHTTPServer,
) -> None:
    client = replica_client
    reader: Engine = client.app.state.read_engine  # type: ignore[attr-defined]
    assert reader is not engine
    with reader.connect() as conn:
        standby = bool(conn.execute(text("SELECT pg_is_in_recovery()")).scalar())
    add_source("kommun", http_server.set("kommun.ttl", CATALOG_TTL))
    assert harvest("kommun").status == "succeeded"

    def found(q: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = client.get("/api/datasets", params={"q": q}).json()["items"]
        return items

    wait_until(lambda: bool(found("badplatser")), "the read engine to see the harvest", 30)  # a replica may lag
    dataset = found("badplatser")[0]
    names = {"id": dataset["id"], "publisher": dataset["publisher"]["id"]}
    reads, writes = Statements(reader), Statements(engine)

    # every serving path answers (a write through the read engine would have failed it) and reads through it
    for path in READS:
        url = path.format(**names)
        answer = client.get(url)
        assert answer.status_code == 200, (url, answer.status_code, answer.text[:300])
        assert reads.take(), f"{url} read nothing through the read engine"
        assert writes.take() == [], f"{url} used the primary"
    assert held_state(reader) is not None  # the searches' index is the read engine's own

    # everything that writes goes to the primary and succeeds: a token's use, a source, its audit, a job …
    org, token = organisations.create_organisation(engine, name="Replikkommunen", actor=SETUP)
    auth = {"Authorization": f"Bearer {token}"}
    made = client.post("/api/sources", headers=auth, json={"name": "replik", "kind": "dcat",
                                                           "url": http_server.url("dcat/catalog.ttl")})
    assert made.status_code == 201, made.text
    queued = client.post(f"/api/sources/{made.json()['id']}/harvest", headers=auth)
    assert queued.status_code == 202, queued.text
    assert client.post("/api/lists", json={"title": "Mina bad"}).status_code == 201
    signed = submit(client, "/console", "/console/sign-in", token=token)  # a console session
    assert signed.status_code == 303, signed.text
    assert client.get("/console").status_code == 200
    assert writes.take(), "the writes went nowhere"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT last_used_at FROM api_token WHERE organisation_id = :o"),
                            {"o": org.id}).scalar() is not None
        assert conn.execute(text("SELECT count(*) FROM console_session")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM audit_log WHERE action LIKE 'source.%'")).scalar() >= 1

    # the triggered harvest ran through the primary (its job's start, heartbeats and end are writes)
    def done() -> bool:
        return bool(client.get(queued.headers["Location"]).json()["status"] in ("succeeded", "failed"))

    wait_until(done, "the triggered harvest", 60)
    assert client.get(queued.headers["Location"]).json()["status"] == "succeeded"

    # a re-harvest that renames a dataset: the read engine's searcher catches up without a restart
    http_server.set("kommun.ttl", CATALOG_TTL.replace(b'"Badplatser"@sv', b'"Badplatser vid Pelikanbron"@sv'))
    again = harvest("kommun")
    assert again.status == "succeeded" and again.updated == 1, again.message
    ended = time.monotonic()
    wait_until(lambda: [i["title"] for i in found("pelikanbron")] == ["Badplatser vid Pelikanbron"],
               "the read engine to see the re-harvest", 30)
    print(f"{'standby' if standby else 'read-only'}: the re-harvest found through the read engine "
          f"{time.monotonic() - ended:.3f} s after its job ended")


def test_without_a_read_url_one_engine_does_everything(client: TestClient, engine: Engine) -> None:
    assert client.app.state.read_engine is client.app.state.engine is engine  # type: ignore[attr-defined]
