"""The ``datakatalog`` command line (typer + rich). Every command calls the same services as the API."""

from __future__ import annotations

import json
import logging
import sys
import tomllib
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from catalog.errors import CatalogError
from catalog.resources import config_dir
from catalog.search.query import parse_query
from catalog.services import datasets, health
from catalog.services.jobs import get_job
from catalog.services.sources import get_source, list_sources, source_summary
from catalog.settings import Settings
from catalog.store.engine import init_engine
from catalog.store.tables import HarvestJob, Source

app = typer.Typer(help="datakatalog: harvest Swedish open data into one DCAT-AP-SE catalogue.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
source_app = typer.Typer(help="Register and list sources.", no_args_is_help=True)
app.add_typer(source_app, name="source")

out = Console()
err = Console(stderr=True)

DbOption = Annotated[
    str | None, typer.Option("--db", help="Database URL (default: DATAKATALOG_DATABASE_URL or a SQLite file)")
]


class Context:
    """What every command needs: the settings and an engine on an up-to-date schema."""

    def __init__(self, db: str | None, **overrides: Any) -> None:
        base = Settings()  # read the environment once per command (not the process-wide cache)
        values = {**base.model_dump(), **{k: v for k, v in overrides.items() if v is not None}}
        if db:
            values["database_url"] = db if "://" in db else f"sqlite:///{db}"
        self.settings = Settings(**values)
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            try:
                self._engine = init_engine(self.settings.database_url)
            except (SQLAlchemyError, ImportError, ValueError) as exc:
                reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
                fail(f"cannot open the database {_redact(self.settings.database_url)}: {reason}")
                raise  # fail() exits; this only tells type checkers so
        return self._engine


def _redact(url: str) -> str:
    """A database URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown as given
        return url


def fail(message: str, code: int = 1) -> None:
    # soft_wrap: one message, one line, whatever the terminal width (scripts read stderr by line)
    err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


# -- sources ----------------------------------------------------------------------------------


@source_app.command("add")
def source_add(
    name: str,
    kind: Annotated[str, typer.Option(help="dcat (more kinds register as adapters)")],
    url: Annotated[str, typer.Option(help="Where the source is published")],
    mapping: Annotated[str | None, typer.Option(help="Mapping profile for jsonapi sources")] = None,
    schedule: Annotated[str | None, typer.Option(help="Cron expression or interval (30m, 6h, 1d)")] = None,
    org: Annotated[str | None, typer.Option(help="The owning organisation (name or id)")] = None,
    db: DbOption = None,
) -> None:
    """Register a source."""
    from api.commands.org import cli_actor
    from catalog.services.organisations import get_organisation
    from harvester.registration import add_source

    ctx = Context(db)
    try:
        owner = get_organisation(ctx.engine, org).id if org else None
        source = add_source(ctx.engine, ctx.settings, actor=cli_actor(), name=name, kind=kind, url=url,
                            mapping=mapping, schedule=schedule, organisation_id=owner)
    except CatalogError as exc:
        fail(exc.message)
        return
    out.print(f"Registered source [bold]{source.name}[/bold] (id {source.id}, {source.kind}) → {source.url}")


@source_app.command("list")
def source_list(as_json: Annotated[bool, typer.Option("--json")] = False, db: DbOption = None) -> None:
    """List the registered sources with their dataset counts and latest job."""
    ctx = Context(db)
    rows = [source_summary(ctx.engine, s) for s in list_sources(ctx.engine)]
    if as_json:
        _print_json(rows)
        return
    table = Table("id", "name", "kind", "url", "active", "withdrawn", "last job")
    for r in rows:
        last = r["last_job"]
        table.add_row(str(r["id"]), r["name"], r["kind"], r["url"], str(r["datasets"]["active"]),
                      str(r["datasets"]["withdrawn"]),
                      f"{last['status']} #{last['id']}" if last else "never")
    out.print(table)


# -- harvesting -------------------------------------------------------------------------------


def harvest_with_progress(ctx: Context, sources: list[Source], *, full: bool = False,
                          quiet: bool = False) -> list[HarvestJob]:
    """Harvest sources one after another with a rich progress display."""
    from harvester.job_lifecycle import JobInProgress
    from harvester.runner import harvest_source

    jobs: list[HarvestJob] = []
    console = err if quiet else out
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[status]}"), TimeElapsedColumn(), console=console,
                  transient=False) as progress:
        overall = progress.add_task("sources", total=len(sources), status="")
        for source in sources:
            task = progress.add_task(f"  {source.name}", total=None, status="fetching")

            def on_page(page: Any, counts: Any, task: Any = task) -> None:
                progress.update(task, completed=counts.seen, status=(
                    f"{counts.seen} datasets, {counts.added} new, {counts.updated} changed"))

            try:
                job = harvest_source(engine=ctx.engine, source=source, settings=ctx.settings,
                                     progress=on_page, full=full)
            except JobInProgress as exc:  # not run twice: the live job is reported instead
                job = exc.job
            progress.update(task, total=max(job.seen, 1), completed=max(job.seen, 1) if job.seen else 1,
                            status=f"[{'green' if job.status == 'succeeded' else 'red'}]{job.status}[/]")
            progress.advance(overall)
            jobs.append(job)
    return jobs


def _job_line(job: HarvestJob, name: str) -> str:
    if job.status in ("queued", "running"):
        return f"{name}: being harvested already — job {job.id} is {job.status} (worker {job.worker})"
    text = (f"{name}: {job.status} — {job.seen} listed, {job.added} added, {job.updated} updated, "
            f"{job.unchanged} unchanged, {job.withdrawn} withdrawn, {job.invalid} invalid, "
            f"{job.failed} failed (job {job.id})")
    if job.message:
        text += f"\n  {job.message}"
    return text


@app.command()
def harvest(
    names: Annotated[list[str] | None, typer.Argument(help="Source names (or ids)")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Harvest every source")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the job reports as JSON")] = False,
    full: Annotated[bool, typer.Option("--full", help="Map every page even when unchanged")] = False,
    db: DbOption = None,
) -> None:
    """Harvest sources now. Exits 1 when a run failed."""
    ctx = Context(db)
    try:
        if all_:
            sources = list_sources(ctx.engine)
        elif names:
            sources = [get_source(ctx.engine, n) for n in names]
        else:
            fail("name a source or use --all")
            return
    except CatalogError as exc:
        fail(exc.message)
        return
    jobs = harvest_with_progress(ctx, sources, full=full, quiet=as_json)
    if as_json:
        reports = [get_job(ctx.engine, j.id or 0) for j in jobs]
        _print_json(reports[0] if len(reports) == 1 and not all_ else reports)
    else:
        for job, source in zip(jobs, sources, strict=True):
            out.print(_job_line(job, source.name), highlight=False, soft_wrap=True)
    if any(j.status == "failed" for j in jobs):
        raise typer.Exit(1)


@app.command()
def job(job_id: int, as_json: Annotated[bool, typer.Option("--json")] = False, db: DbOption = None) -> None:
    """Show a job's report: counts, changes and problems grouped by rule."""
    ctx = Context(db)
    try:
        report = get_job(ctx.engine, job_id)
    except CatalogError as exc:
        fail(exc.message)
        return
    if as_json:
        _print_json(report)
        return
    c = report["counts"]
    if report["live"]:
        since = report["started_at"] or report["created_at"]
        out.print(f"job {report['id']} of {report['source']}: [bold]{report['status']}[/bold] since {since} "
                  f"(worker {report['worker']}, last heartbeat {report['heartbeat_at']})", highlight=False)
        out.print("counts, changes and problems follow when the run ends", highlight=False)
        return
    out.print(f"job {report['id']} of {report['source']}: [bold]{report['status']}[/bold] "
              f"({report['duration_seconds']} s)", highlight=False)
    out.print(", ".join(f"{k} {v}" for k, v in c.items()), highlight=False)
    if report["message"]:
        out.print(report["message"], highlight=False)
    for group in report["problems"]:
        out.print(f"[yellow]{group['rule']}[/yellow] ({group['severity']}, {group['count']}): "
                  f"{group['message_en'] or ''}", highlight=False)
        for rec in group["records"]:
            out.print(f"  - {rec['ref']}" + (f": {rec['message']}" if rec["message"] else ""), highlight=False)


# -- searching --------------------------------------------------------------------------------


@app.command()
def search(
    text: Annotated[str, typer.Argument(help="Free text; empty matches everything")] = "",
    publisher: Annotated[list[str] | None, typer.Option()] = None,
    theme: Annotated[list[str] | None, typer.Option()] = None,
    format: Annotated[list[str] | None, typer.Option("--format")] = None,
    license: Annotated[list[str] | None, typer.Option()] = None,
    keyword: Annotated[list[str] | None, typer.Option()] = None,
    source: Annotated[list[str] | None, typer.Option()] = None,
    sort: str = "relevance",
    status: str = "active",
    page: int = 1,
    per_page: int = 20,
    min_quality: Annotated[float | None, typer.Option(help="Only datasets scoring at least this (0-100)")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    db: DbOption = None,
) -> None:
    """Search the catalogue (same parameters and answer as GET /api/datasets)."""
    ctx = Context(db)
    filters = {"publisher": publisher, "theme": theme, "format": format, "license": license,
               "keyword": [k.lower() for k in keyword] if keyword else None, "source": source}
    try:
        query = parse_query(q=text, filters={k: v for k, v in filters.items() if v}, status=status,
                                     sort=sort, page=page, per_page=per_page, min_quality=min_quality)
    except CatalogError as exc:
        fail(exc.message)
        return
    result = datasets.search_datasets(ctx.engine, query)
    if as_json:
        _print_json(result)
        return
    out.print(f"{result['total']} datasets", highlight=False)
    table = Table("title", "publisher", "formats", "licence", "modified", "id")
    for item in result["items"]:
        table.add_row(item["title"] or "(untitled)", (item["publisher"] or {}).get("name") or "",
                      ", ".join(item["formats"]), (item["license"] or {}).get("id") or "",
                      (item["modified"] or "")[:10], item["id"])
    out.print(table)


# -- serving ----------------------------------------------------------------------------------


@app.command()
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


@app.command()
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
            out.print(_job_line(job_, source.name), highlight=False, soft_wrap=True)
        if any(j.status == "failed" for j in jobs):
            fail("a demo harvest failed")
        if serve_api:
            import uvicorn

            from api.app import create_app

            health.warm_search(ctx.engine)
            out.print(f"Serving datakatalog on http://{host}:{port} (OpenAPI at /docs, try "
                      f"http://{host}:{port}/api/datasets?q=badplatser)")
            uvicorn.run(create_app(ctx.settings, ctx.engine), host=host, port=port, log_level="warning")


def _register_command_groups() -> None:
    from api.commands import all_registrars

    for register in all_registrars():
        register(app)


_register_command_groups()


def main() -> None:
    try:
        app()
    except CatalogError as exc:
        err.print(f"error: {exc.message}", highlight=False, soft_wrap=True)
        sys.exit(1)


if __name__ == "__main__":
    main()

