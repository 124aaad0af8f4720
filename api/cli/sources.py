"""``datakatalog source add|list|delete|take-over|mapping``: register, list and delete sources, decide
between two sources that list the same datasets, and give a source its own mapping profile.

A mapping profile given as a file (``--mapping FILE.toml``, ``source mapping NAME FILE``) is read
here and stored in the database as the source's next profile version, exactly as an upload over HTTP
is: harvests never read the file again, and its history is kept."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from api.cli.console import Context, DbOption, cli_actor, fail, out, print_json
from catalog.errors import CatalogError, FieldError
from catalog.services.sources import list_sources, source_summary

source_app = typer.Typer(help="Register, list and delete sources.", no_args_is_help=True)


@source_app.command("add")
def source_add(
    name: str,
    url: Annotated[str, typer.Option(help="Where the source is published")],
    kind: Annotated[str | None, typer.Option(
        help="dcat, ckan or jsonapi; without it the URL is asked what it is")] = None,
    mapping: Annotated[str | None, typer.Option(
        help="Mapping profile for jsonapi sources: a bundled profile's name, or a .toml file (stored)")] = None,
    schedule: Annotated[str | None, typer.Option(help="Cron expression or interval (30m, 6h, 1d)")] = None,
    org: Annotated[str | None, typer.Option(help="The owning organisation (name or id)")] = None,
    db: DbOption = None,
) -> None:
    """Register a source."""
    from catalog.services.organisations import get_organisation
    from harvester.registration import add_detected_source

    ctx = Context(db)
    try:
        bundled, profile = _mapping(mapping)
        owner = get_organisation(ctx.engine, org).id if org else None
        source, detected = add_detected_source(
            ctx.engine, ctx.settings, actor=cli_actor(), name=name, kind=kind, url=url, mapping=bundled,
            mapping_profile=profile, schedule=schedule, organisation_id=owner)
    except CatalogError as exc:
        fail(_message(exc))
        return
    found = f"; found {detected.found}" if detected else ""
    out.print(f"Registered source [bold]{source.name}[/bold] (id {source.id}, {source.kind}{found}) → {source.url}",
              highlight=False)


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


@source_app.command("mapping")
def source_mapping(
    name: Annotated[str, typer.Argument(help="Source name or id")],
    file: Annotated[Path | None, typer.Argument(help="A .toml profile to upload as the next version")] = None,
    version: Annotated[int | None, typer.Option(help="Print this earlier version")] = None,
    history: Annotated[bool, typer.Option("--history", help="List the uploaded versions")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    db: DbOption = None,
) -> None:
    """Upload a source's own mapping profile (FILE), or print the one in use, or list its versions."""
    from catalog.services import mappings
    from catalog.services.sources import get_source
    from harvester.registration import set_mapping

    ctx = Context(db)
    try:
        source = get_source(ctx.engine, name)
        source_id = source.id or 0
        if file is not None:
            _bundled, text = _mapping(str(file))
            assert text is not None
            changed = set_mapping(ctx.engine, ctx.settings, actor=cli_actor(), source_id=source_id, text=text)
            out.print(f"Source [bold]{changed.name}[/bold] uses its mapping profile version {changed.mapping_version} "
                      f"(from {file.name})")
            return
        if history:
            rows = mappings.history(ctx.engine, source_id)
            if as_json:
                print_json(rows)
                return
            table = Table("version", "bytes", "uploaded", "by", "sha256")
            for r in rows:
                table.add_row(str(r["version"]), str(r["bytes"]), r["created_at"] or "", r["actor"], r["digest"][:16])
            out.print(table)
            return
        if version is None and source.mapping_version is None:
            fail(f"source {source.name!r} uses no uploaded mapping profile"
                 + (f" (it reads the bundled profile {source.mapping!r})" if source.mapping else ""))
            return
        found = mappings.get_version(ctx.engine, source_id, version or source.mapping_version)
    except CatalogError as exc:
        fail(_message(exc))
        return
    if as_json:
        print_json(found)
    else:
        sys.stdout.write(found["text"])


def _mapping(mapping: str | None) -> tuple[str | None, str | None]:
    """(a bundled profile's name, None), or (None, the text of a .toml file, checked as an upload is)."""
    from catalog.formats import jsonapi

    if mapping is None or re.fullmatch(r"[A-Za-z0-9_-]+", mapping.strip()):
        return mapping, None
    path = Path(str(jsonapi.resolve(mapping)))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FieldError("mapping", f"cannot read {mapping!r}: {exc}") from exc
    jsonapi.profile_from_text(text, path.name)  # refused here with the file's name in the message
    return None, text


def _message(exc: CatalogError) -> str:
    # a profile's own message names the file and the key already
    return exc.reason if isinstance(exc, FieldError) and exc.field == "mapping_profile" else exc.message


def register(app: typer.Typer) -> None:
    app.add_typer(source_app, name="source")
