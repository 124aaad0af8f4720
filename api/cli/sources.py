"""``datakatalog source add|list``: register and list sources."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from api.cli.console import Context, DbOption, cli_actor, fail, out, print_json
from catalog.errors import CatalogError
from catalog.services.sources import list_sources, source_summary

source_app = typer.Typer(help="Register and list sources.", no_args_is_help=True)


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


def register(app: typer.Typer) -> None:
    app.add_typer(source_app, name="source")
