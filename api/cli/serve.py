"""``datakatalog serve``, ``worker`` and ``demo``: the API with its scheduler, a harvest-only process, and the
demo catalogue."""

from __future__ import annotations

import logging
import shlex
import tomllib
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from api.cli.console import Context, DbOption, fail, harvest_with_progress, job_line, out, redact
from catalog.resources import config_dir
from catalog.services import health


def _log_scheduler() -> None:
    # the scheduler's own lines (due, queued, claimed, dead jobs, leadership); APScheduler's per-tick chatter is not
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


NO_SQLITE = ("{what} needs PostgreSQL: on SQLite one `datakatalog serve` process serves and runs every harvest "
             "(see docs/deploy.md)")


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    db: DbOption = None,
    harvest: Annotated[bool, typer.Option(
        "--harvest/--no-harvest",
        help="--no-harvest: serve only and never run a harvest; `datakatalog worker` processes run them "
             "(PostgreSQL)")] = True,
) -> None:
    """Serve the API (OpenAPI at /docs), and take part in scheduling and (unless --no-harvest) harvesting."""
    import uvicorn

    from api.app import create_app
    from catalog.store.engine import is_sqlite
    from harvester.scheduler import HarvestScheduler

    ctx = Context(db)
    if not harvest and is_sqlite(ctx.engine):
        fail(NO_SQLITE.format(what="serve --no-harvest"))
    application = create_app(ctx.settings, ctx.engine)
    _log_scheduler()
    scheduler = HarvestScheduler(ctx.engine, ctx.settings, harvest=harvest).start()
    health.warm_search(application.state.read_engine)  # the engine searches read
    doing = "harvest scheduler started" if harvest else "scheduling only; workers run the harvests"
    if ctx.settings.database_read_url:
        doing += f"; searches and pages read from {redact(ctx.settings.database_read_url)}"
    out.print(f"Serving datakatalog on http://{host}:{port}: the portal at /, the API under /api (OpenAPI at "
              f"/docs); {doing}", highlight=False, soft_wrap=True)
    try:
        uvicorn.run(application, host=host, port=port, log_level="info",  # LOG_FORMAT=json: uvicorn's lines via ours
                    log_config=None if ctx.settings.log_format == "json" else uvicorn.config.LOGGING_CONFIG)
    finally:
        scheduler.shutdown()


def worker(db: DbOption = None) -> None:
    """Run harvests only (PostgreSQL): claim queued jobs and run them; lead the schedules when elected."""
    import signal
    import threading

    from api import observability
    from catalog.store.engine import is_sqlite
    from harvester.scheduler import HarvestScheduler

    ctx = Context(db)
    if is_sqlite(ctx.engine):
        fail(NO_SQLITE.format(what="datakatalog worker"))
    _log_scheduler()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    scheduler = HarvestScheduler(ctx.engine, ctx.settings).start()
    observability.serve_metrics(ctx.settings, ctx.engine)  # WORKER_METRICS_ADDRESS: its harvests' /metrics
    out.print(f"Harvest worker on {redact(ctx.settings.database_url)}: up to {ctx.settings.harvest_workers} "
              f"harvests at once, {ctx.settings.host_concurrency} per host across all workers",
              highlight=False, soft_wrap=True)
    try:
        while not stop.wait(1.0):
            pass
    finally:
        out.print("Worker stopping: the harvests under way finish first", highlight=False, soft_wrap=True)
        scheduler.shutdown()


def db_option(url: str) -> str:
    """The exact ``--db`` option that opens this database from any directory (a SQLite file by its
    absolute path; a server URL without its password)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        return f"--db {shlex.quote(str(Path(parsed.database).expanduser().resolve()))}"
    return f"--db {shlex.quote(redact(url))}"


def db_url_of(option: str) -> str:
    value = shlex.split(option)[1]
    return value if "://" in value else shlex.quote(f"sqlite:///{value}")


# The demo catalogue's own publisher (DCAT-AP-SE: a name and an ADMS type on the catalogue's
# dct:publisher), unless the environment configures one (any DATAKATALOG_CATALOG_PUBLISHER_*)
DEMO_PUBLISHER = {
    "catalog_publisher_name_sv": "Exempelmyndigheten (datakatalogs demo)",
    "catalog_publisher_name_en": "The Example Agency (datakatalog's demo)",
    "catalog_publisher_type": "http://purl.org/adms/publishertype/NationalAuthority",
    "catalog_publisher_email": "oppnadata@exempelmyndigheten.example",
}


def demo_publisher(configured: set[str]) -> dict[str, str]:
    """The demo's publisher settings, or none when the environment (or .env) configures a publisher:
    its name in one language and the demo's in the other would describe two publishers as one."""
    return {} if configured & DEMO_PUBLISHER.keys() else dict(DEMO_PUBLISHER)


def demo(
    port: int = 8000,
    host: str = "127.0.0.1",
    db: Annotated[str, typer.Option("--db", help="Demo database")] = "datakatalog-demo.db",
    serve_api: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the API afterwards")] = True,
) -> None:
    """Harvest the bundled example sources (served locally) into SQLite and serve the API; prints the
    --db option that lets other commands (org create, source add …) act on the demo's catalogue."""
    from catalog.settings import Settings
    from harvester.demo.server import DemoServer, ensure_demo_sources

    ctx = Context(db, allow_private_sources=True, base_url=f"http://{host}:{port}",
                  **demo_publisher(Settings().model_fields_set))
    with config_dir("demo") as demo_dir, DemoServer(demo_dir) as server:
        with open(demo_dir / "sources.toml", "rb") as fh:
            spec = tomllib.load(fh)
        sources = ensure_demo_sources(ctx.engine, ctx.settings, spec, server.base_url)
        out.print(f"Demo sources served at {server.base_url}; harvesting into {ctx.settings.database_url}")
        jobs = harvest_with_progress(ctx, sources)
        for job_, source in zip(jobs, sources, strict=True):
            out.print(job_line(job_, source.name), highlight=False, soft_wrap=True)
        if any(j.status == "failed" for j in jobs):
            fail("a demo harvest failed")
        # every other command opens DATAKATALOG_DATABASE_URL or datakatalog.db: say how to reach this one,
        # or a token made by `org create` in another terminal lands elsewhere and gets 401 here
        option = db_option(ctx.settings.database_url)
        out.print(f"Other commands act on this demo catalogue with: {option}\n"
                  f"  for example: datakatalog org create NAME {option}\n"
                  f"  or first: export DATAKATALOG_DATABASE_URL={db_url_of(option)}", highlight=False, soft_wrap=True)
        if serve_api:
            import uvicorn

            from api.app import create_app

            health.warm_search(ctx.engine)
            base = f"http://{host}:{port}"
            out.print(f"The portal: {base}/  (English: {base}/?lang=en; the agency console: {base}/console)\n"
                      f"The API: {base}/api/datasets?q=badplatser  (OpenAPI at {base}/docs)",
                      highlight=False, soft_wrap=True)
            uvicorn.run(create_app(ctx.settings, ctx.engine), host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(worker)
    app.command()(demo)
