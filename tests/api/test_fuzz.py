"""Fuzzing every public route from the app's own /openapi.json (schemathesis, on Hypothesis): values
that fit the documented schema and values that do not, each request sent once without a token and
once with the administrator's, on SQLite and PostgreSQL.

Whatever comes in, the API never answers 500, and every 4xx is problem JSON
(``application/problem+json``) except on the CKAN action API, which answers in CKAN's own envelope
(``success: false``) because CKAN clients read their errors from it. 502 and 504 stay allowed: they
are how a fetch of a source that does not answer is reported (preview, validate by URL).

The number of examples per route is bounded (``EXAMPLES``) so that the file runs in about a
minute per database on two cores; a failure prints the request that caused it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode
from sqlalchemy import Engine

from api.app import create_app
from catalog.services import organisations
from catalog.settings import Settings
from tests.conftest import FixtureHTTPServer

ADMIN = "fuzz-admin-token-0123456789abcdefghijklmnop"
# per route and generation mode (schema-conforming and not); DATAKATALOG_FUZZ_EXAMPLES=200 for a longer hunt
EXAMPLES = int(os.environ.get("DATAKATALOG_FUZZ_EXAMPLES", "25"))
CKAN = ("/api/3/action/", "/api/action/")
PROBLEM = "application/problem+json"
ALLOWED_5XX = {502, 504}  # a source that cannot be fetched (preview, validate by URL)


@pytest.fixture
def fuzz_app(settings: Settings, engine: Engine, http_server: FixtureHTTPServer, add_source: Any,
             harvest: Any) -> Iterator[FastAPI]:
    """The app over a harvested catalogue, an organisation and a list, with tight fetch bounds (the
    fuzzer registers and previews sources at whatever URLs it makes up)."""
    add_source("fx", http_server.url("dcat/catalog.ttl"))
    assert harvest("fx").status == "succeeded"
    organisations.create_organisation(engine, name="Fuzzkommunen", actor=organisations.local_admin())
    tight = settings.model_copy(update={"admin_token": ADMIN, "fetch_timeout": 0.5, "fetch_deadline": 1.0,
                                        "fetch_retries": 0, "shacl_after_harvest": False})
    app = create_app(tight, engine)
    with TestClient(app) as client:  # runs the lifespan: harvests the fuzzer triggers end with it
        client.post("/api/lists", json={"title": "Fuzzlista"})
        yield app


def check_answer(case: Any, resp: Any, who: str) -> None:
    request = f"{who}: {case.method} {case.formatted_path} query={case.query!r} body={str(case.body)[:300]!r}"
    assert resp.status_code < 500 or resp.status_code in ALLOWED_5XX, \
        f"{resp.status_code} for {request}: {resp.text[:500]}"
    if 400 <= resp.status_code < 500:
        found = resp.headers.get("content-type") or [""]
        content_type = found[0] if isinstance(found, list) else str(found)
        if case.path.startswith(CKAN):
            assert content_type.startswith("application/json"), f"{content_type!r} for {request}"
            if resp.status_code != 422:  # a request FastAPI refuses before the action runs is problem JSON
                assert resp.json()["success"] is False, f"not CKAN's envelope for {request}: {resp.text[:300]}"
        else:
            assert content_type.startswith(PROBLEM), f"{resp.status_code} {content_type!r} for {request}"
            body = resp.json()
            assert body["status"] == resp.status_code and body["detail"], f"{request}: {resp.text[:300]}"


def fuzz(operation: Any, mode: GenerationMode) -> None:
    """EXAMPLES requests made up for one route, each sent without a token and with the administrator's."""

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate],  # no shrinking: the failing request is printed whole
              suppress_health_check=list(HealthCheck))
    @given(operation.as_strategy(mode))
    def run(case: Any) -> None:
        started = time.monotonic()
        check_answer(case, case.call(), "no token")
        check_answer(case, case.call(headers={"Authorization": f"Bearer {ADMIN}"}), "admin")
        assert time.monotonic() - started < 10, f"{case.method} {case.formatted_path} took over 10 s"

    run()


def test_no_route_answers_500_and_every_client_error_is_problem_json(fuzz_app: FastAPI) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40  # every route the API documents
    found: list[str] = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                fuzz(operation, mode)
            except Unsatisfiable:  # nothing to get wrong: a route without parameters or body
                continue
            except Exception as exc:  # every route is fuzzed, then every failure reported
                # an exception the app let through is what a client sees as a 500
                first = (str(exc).strip().splitlines() or [""])[0]
                found.append(f"{operation.method.upper()} {operation.path} ({mode.value}): "
                             f"{type(exc).__name__}: {first}")
    assert not found, "\n".join(found)
