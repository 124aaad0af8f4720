"""``datakatalog harvest`` and ``datakatalog job``: run harvests now, read their reports, and confirm
or reject a held run's withdrawals."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any

import typer
from sqlalchemy import Engine
from typer.core import TyperGroup

from api.cli.console import Context, DbOption, cli_actor, fail, harvest_with_progress, job_line, out, print_json
from catalog.errors import CatalogError
from catalog.services import held
from catalog.services.jobs import get_job, job_report
from catalog.services.sources import get_source, list_sources


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
    if as_json:  # written as read from the database: a run's 100,000 changes are not held at once
        ids = [j.id or 0 for j in jobs]
        if len(ids) == 1 and not all_:
            with job_report(ctx.engine, ids[0]) as report:
                print_json(report)
        else:
            print_json(_reports(ctx.engine, ids))
    else:
        for job, source in zip(jobs, sources, strict=True):
            out.print(job_line(job, source.name), highlight=False, soft_wrap=True)
    if any(j.status == "failed" for j in jobs):
        raise typer.Exit(1)


def _reports(engine: Engine, job_ids: list[int]) -> Iterator[dict[str, Any]]:
    for job_id in job_ids:
        with job_report(engine, job_id) as report:
            yield report


class JobGroup(TyperGroup):
    """``job ID`` reads as ``job show ID``, so the report keeps its short form (README) next to the
    ``confirm`` and ``reject`` subcommands."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # Any: typer's vendored click Context
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["show", *args]
        return super().parse_args(ctx, args)


job_app = typer.Typer(cls=JobGroup, no_args_is_help=True,
                      help="A job's report (job ID [--json]); confirm or reject a held run's withdrawals.")


@job_app.command("show")
def job(job_id: int, as_json: Annotated[bool, typer.Option("--json")] = False, db: DbOption = None) -> None:
    """Show a job's report: counts, changes and problems grouped by rule."""
    ctx = Context(db)
    try:
        if as_json:
            with job_report(ctx.engine, job_id) as streamed:
                print_json(streamed)
            return
        report = get_job(ctx.engine, job_id)
    except CatalogError as exc:
        fail(exc.message)
        return
    _print_report(report)


@job_app.command("confirm")
def job_confirm(job_id: int, as_json: Annotated[bool, typer.Option("--json")] = False,
                db: DbOption = None) -> None:
    """Apply a held run's withdrawals (exactly the datasets it held, if the source has not run since)."""
    _decide(held.confirm_held, job_id, as_json=as_json, db=db)


@job_app.command("reject")
def job_reject(job_id: int, as_json: Annotated[bool, typer.Option("--json")] = False,
               db: DbOption = None) -> None:
    """Close a held run without withdrawing anything."""
    _decide(held.reject_held, job_id, as_json=as_json, db=db)


def _decide(decide: Callable[..., dict[str, Any]], job_id: int, *, as_json: bool, db: str | None) -> None:
    ctx = Context(db)
    try:
        report = decide(ctx.engine, job_id, actor=cli_actor())
    except CatalogError as exc:
        fail(exc.message)
        return
    if as_json:
        print_json(report)
        return
    withdrawn = len(report["changes"]["withdrawn"])
    out.print(f"job {report['id']} of {report['source']}: held withdrawals [bold]{report['decision']['decision']}"
              f"[/bold] ({withdrawn} withdrawn, {report['counts']['held']} held)", highlight=False)


def _print_report(report: dict[str, Any]) -> None:
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
    decision = report["decision"]
    if decision:
        out.print(f"held withdrawals {decision['decision']} by {decision['by']} at {decision['at']}", highlight=False)
    elif report["status"] == "held":
        out.print(f"decide with: datakatalog job confirm {report['id']}  or  datakatalog job reject {report['id']}",
                  highlight=False)
    for group in report["problems"]:
        out.print(f"[yellow]{group['rule']}[/yellow] ({group['severity']}, {group['count']}): "
                  f"{group['message_en'] or ''}", highlight=False)
        for rec in group["records"]:
            out.print(f"  - {rec['ref']}" + (f": {rec['message']}" if rec["message"] else ""), highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(harvest)
    app.add_typer(job_app, name="job")
