"""``datakatalog serve`` and ``datakatalog demo``: the API with its scheduler, and the demo catalogue."""

from __future__ import annotations

import logging
import tomllib
from typing import Annotated

import typer

from api.cli.console import Context, DbOption, fail, harvest_with_progress, job_line, out
from catalog.resources import config_dir
from catalog.services import health


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    db: DbOption = None,
) -> None:
    """Serve the API (OpenAPI at /docs)."""
    import uvicorn

    from api.app import create_app
    from harvester.scheduler import HarvestScheduler

    ctx = Context(db)
    application = create_app(ctx.settings, ctx.engine)
    # the scheduler's own lines (due, queued, dead jobs, leadership); APScheduler's per-tick chatter is not
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    scheduler = HarvestScheduler(ctx.engine, ctx.settings).start()
    health.warm_search(ctx.engine)
    out.print(f"Serving datakatalog on http://{host}:{port} (OpenAPI at /docs); harvest scheduler started")
    try:
        uvicorn.run(application, host=host, port=port, log_level="info")
    finally:
        scheduler.shutdown()


def demo(
    port: int = 8000,
    host: str = "127.0.0.1",
    db: Annotated[str, typer.Option("--db", help="Demo database")] = "datakatalog-demo.db",
    serve_api: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the API afterwards")] = True,
) -> None:
    """Harvest the bundled example sources (served locally) into SQLite and serve the API."""
    from harvester.demo.server import DemoServer, ensure_demo_sources

    ctx = Context(db, allow_private_sources=True, base_url=f"http://{host}:{port}")
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
        if serve_api:
            import uvicorn

            from api.app import create_app

            health.warm_search(ctx.engine)
            out.print(f"Serving datakatalog on http://{host}:{port} (OpenAPI at /docs, try "
                      f"http://{host}:{port}/api/datasets?q=badplatser)")
            uvicorn.run(create_app(ctx.settings, ctx.engine), host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(demo)
