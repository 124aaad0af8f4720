"""Browser tests: a real Chromium (Debian's package, driven by Playwright) against a served demo catalogue.

Playwright's own browser download cannot be reached from here, so the browser is launched by its path
(``DATAKATALOG_CHROMIUM``, default ``/usr/bin/chromium``). Without it the tests are skipped, except under
``CI=true``, where a missing browser fails them: CI installs it (``.ci/run``). axe-core runs through
``axe-playwright-python``, which ships its own copy of axe (no CDN).

Screenshots of every page go to ``artifacts/screenshots/`` (ignored by git) to be looked at.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("DATAKATALOG_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
               "--disable-background-networking", "--disable-component-update"]


def _browser_missing() -> str | None:
    try:
        import axe_playwright_python  # noqa: F401
        import playwright  # noqa: F401
    except ImportError as exc:
        return f"Playwright or axe-playwright-python is not installed ({exc})"
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest.fixture(scope="session")
def chromium_path() -> str:
    missing = _browser_missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests need a browser in CI: {missing}")
        pytest.skip(missing)
    return CHROMIUM


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Portal:
    """The served demo catalogue: its URL, engine and settings, and an organisation's token."""

    url: str
    engine: Any
    settings: Any
    org_token: str
    org_id: int
    admin_token: str


@pytest.fixture(scope="session")
def portal(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[Portal]:
    """The bundled demo sources harvested into a SQLite file and served by uvicorn on a thread."""
    import uvicorn

    from api.app import create_app
    from catalog.resources import config_dir
    from catalog.services import organisations
    from catalog.settings import Settings
    from catalog.store.engine import init_engine
    from harvester.demo.server import DemoServer, ensure_demo_sources
    from harvester.runner import harvest_source
    from harvester.scheduler import stop_fallback_pool

    port = _free_port()
    db = tmp_path_factory.mktemp("portal") / "portal.db"
    admin_token = "dk_browsertestadmin_" + "x" * 40
    settings = Settings(database_url=f"sqlite:///{db}", allow_private_sources=True,
                        base_url=f"http://127.0.0.1:{port}", admin_token=admin_token, shacl_after_harvest=False)
    engine = init_engine(settings.database_url)
    with config_dir("demo") as demo_dir, DemoServer(demo_dir, port=0) as server:
        with open(demo_dir / "sources.toml", "rb") as fh:
            spec = tomllib.load(fh)
        for source in ensure_demo_sources(engine, settings, spec, server.base_url):
            job = harvest_source(engine=engine, source=source, settings=settings)
            assert job.status == "succeeded", job.message
        actor = organisations.local_admin("browser-tests")
        org, token = organisations.create_organisation(engine, name="Uppsala kommun", actor=actor)
        app = create_app(settings, engine)
        uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=uv.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not uv.started:
            assert time.monotonic() < deadline, "the portal did not start"
            time.sleep(0.05)
        try:
            yield Portal(url=f"http://127.0.0.1:{port}", engine=engine, settings=settings, org_token=token,
                         org_id=org.id, admin_token=admin_token)
        finally:
            uv.should_exit = True
            thread.join(10)
            stop_fallback_pool(engine)
            engine.dispose()


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path, args=LAUNCH_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) at a desktop size; tests resize for the 360 px checks."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


def shoot(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot under artifacts/screenshots/ (not committed) and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA violations on the current page, as (id, help, targets)."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
    result = Axe().run(page, options=options)
    return [{"id": v["id"], "help": v["help"], "targets": [n["target"] for n in v["nodes"]]}
            for v in result.response["violations"]]
