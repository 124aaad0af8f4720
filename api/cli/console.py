"""What every command shares: the database context, console output, errors and the harvest progress bar."""

from __future__ import annotations

import functools
import getpass
import sys
import weakref
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

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
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from catalog import logs
from catalog.errors import CatalogError
from catalog.jsonstream import write_json
from catalog.services.organisations import Principal, local_admin
from catalog.settings import Settings
from catalog.store.engine import init_engine
from catalog.store.tables import HarvestJob, Source

out = Console()


err = Console(stderr=True)


# the search filters `search` and `export` share (each repeatable: values OR, filters AND)
FacetOption = Annotated[list[str] | None, typer.Option()]
TypeOption = Annotated[list[str] | None, typer.Option("--type", help="dataset or dataservice")]
AccessOption = Annotated[list[str] | None, typer.Option(help="open, restricted or non-public")]
HvdOption = Annotated[list[str] | None, typer.Option(
    "--hvd-category", help="High-value dataset category, code (c_164e0bf5) or IRI")]
LegislationOption = Annotated[list[str] | None, typer.Option(
    "--legislation", help="Applicable legislation IRI (the HVD regulation: http://data.europa.eu/eli/reg_impl/2023/138/oj)")]

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
        logs.configure(self.settings.log_format)  # LOG_FORMAT=json: every line a JSON object (catalog/logs.py)
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            try:
                self._engine = init_engine(self.settings.database_url, busy_timeout=self.settings.db_busy_timeout)
                # a command's connections close when its context goes, not when the process ends: the
                # CLI runs in-process under tests and in `serve`, where pooled connections would pile up
                weakref.finalize(self, self._engine.dispose)
            except (SQLAlchemyError, ImportError, ValueError) as exc:
                reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
                fail(f"cannot open the database {redact(self.settings.database_url)}: {reason}")
                raise  # fail() exits; this only tells type checkers so
        return self._engine


def redact(url: str) -> str:
    """A database URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown as given
        return url


def fail(message: str, code: int = 1) -> None:
    # soft_wrap: one message, one line, whatever the terminal width (scripts read stderr by line)
    err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


CommandT = TypeVar("CommandT", bound=Callable[..., Any])


def fails_on_catalog_error(command: CommandT) -> CommandT:
    """A command whose CatalogError (not found, refused, in conflict) ends it as :func:`fail` does: one line
    on stderr and exit code 1 (typer reads the command's own signature through ``functools.wraps``)."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except CatalogError as exc:
            fail(exc.message)

    return run  # type: ignore[return-value]


def print_json(data: Any) -> None:
    """``data`` as indented JSON on stdout, written as it is read (a list may be a generator)."""
    write_json(data, sys.stdout)


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


def job_line(job: HarvestJob, name: str) -> str:
    if job.status in ("queued", "running"):
        return f"{name}: being harvested already — job {job.id} is {job.status} (worker {job.worker})"
    text = (f"{name}: {job.status} — {job.seen} listed, {job.added} added, {job.updated} updated, "
            f"{job.unchanged} unchanged, {job.withdrawn} withdrawn, {job.invalid} invalid, "
            f"{job.failed} failed (job {job.id})")
    if job.message:
        text += f"\n  {job.message}"
    return text


def cli_actor() -> Principal:
    """The local administrator, named by login for the audit log."""
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        user = "unknown"
    return local_admin(f"cli:{user}")

