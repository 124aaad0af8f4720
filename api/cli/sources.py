"""``datakatalog source add|list|delete|take-over``: register, list and delete sources, and decide
between two sources that list the same datasets."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from api.cli.console import Context, DbOption, cli_actor, fail, out, print_json
from catalog.errors import CatalogError
from catalog.services.sources import list_sources, source_summary

source_app = typer.Typer(help="Register, list and delete sources.", no_args_is_help=True)


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
        print_json(rows)
        return
    table = Table("id", "name", "kind", "url", "active", "withdrawn", "last job")
    for r in rows:
        last = r["last_job"]
        table.add_row(str(r["id"]), r["name"], r["kind"], r["url"], str(r["datasets"]["active"]),
                      str(r["datasets"]["withdrawn"]),
                      f"{last['status']} #{last['id']}" if last else "never")
    out.print(table)


@source_app.command("delete")
def source_delete(name: Annotated[str, typer.Argument(help="Source name or id")], db: DbOption = None) -> None:
    """Delete a source: its datasets are withdrawn (a source that lists them takes them over) and its
    name is free again; its jobs and revisions stay."""
    from catalog.services.sources import get_source
    from harvester.registration import remove_source

    ctx = Context(db)
    try:
        source = get_source(ctx.engine, name)
        result = remove_source(ctx.engine, actor=cli_actor(), source_id=source.id or 0)
    except CatalogError as exc:
        fail(exc.message)
        return
    out.print(f"Deleted source [bold]{result['name']}[/bold] (id {result['id']}); "
              f"{result['withdrawn']} datasets withdrawn")


@source_app.command("take-over")
def source_take_over(
    name: Annotated[str, typer.Argument(help="The source that takes the datasets (name or id)")],
    from_: Annotated[str, typer.Option("--from", help="The source that keeps them now (name or id)")],
    dataset: Annotated[list[str] | None, typer.Option(help="Only this dataset id (repeatable)")] = None,
    db: DbOption = None,
) -> None:
    """Move the datasets another active source keeps and this one lists to this one (an administrator's
    decision between two sources; audited)."""
    from catalog.services.sources import get_source, hand_over

    ctx = Context(db)
    try:
        taker, giver = get_source(ctx.engine, name), get_source(ctx.engine, from_)
        result = hand_over(ctx.engine, to_source=taker.id or 0, from_source=giver.id or 0, actor=cli_actor(),
                           dataset_ids=dataset or None)
    except CatalogError as exc:
        fail(exc.message)
        return
    out.print(f"Source [bold]{result['source']}[/bold] took over {len(result['taken_over'])} datasets "
              f"from {result['from_source']}")


def register(app: typer.Typer) -> None:
    app.add_typer(source_app, name="source")
