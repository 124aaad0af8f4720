"""``datakatalog search``: the search of GET /api/datasets in a terminal."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from api.cli.console import (
    AccessOption,
    Context,
    DbOption,
    FacetOption,
    HvdOption,
    LegislationOption,
    TypeOption,
    fail,
    out,
    print_json,
)
from catalog.errors import CatalogError
from catalog.search.query import params_of, query_from_params
from catalog.services import datasets


def search(
    text: Annotated[str, typer.Argument(help="Free text; empty matches everything")] = "",
    publisher: FacetOption = None,
    theme: FacetOption = None,
    format: Annotated[list[str] | None, typer.Option("--format")] = None,
    license: FacetOption = None,
    keyword: FacetOption = None,
    source: FacetOption = None,
    type_: TypeOption = None,
    access: AccessOption = None,
    hvd_category: HvdOption = None,
    legislation: LegislationOption = None,
    sort: str = "relevance",
    status: str = "active",
    page: int = 1,
    per_page: int = 20,
    min_quality: Annotated[float | None, typer.Option(help="Only datasets scoring at least this (0-100)")] = None,
    collapse: Annotated[str | None, typer.Option(help="services: list each API once")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    db: DbOption = None,
) -> None:
    """Search the catalogue (same parameters and answer as GET /api/datasets)."""
    ctx = Context(db)
    try:
        query = query_from_params(params_of(
            q=text, publisher=publisher, theme=theme, format=format, license=license, keyword=keyword, source=source,
            type=type_, access=access, hvd_category=hvd_category,
            applicable_legislation=legislation, sort=sort, status=status, page=page, per_page=per_page,
            min_quality=min_quality, collapse=collapse))
    except CatalogError as exc:
        fail(exc.message)
        return
    result = datasets.search_datasets(ctx.engine, query)
    if as_json:
        print_json(result)
        return
    out.print(f"{result['total']} datasets", highlight=False)
    table = Table("title", "publisher", "formats", "licence", "modified", "id")
    for item in result["items"]:
        table.add_row(item["title"] or "(untitled)", (item["publisher"] or {}).get("name") or "",
                      ", ".join(item["formats"]), (item["license"] or {}).get("id") or "",
                      (item["modified"] or "")[:10], item["id"])
    out.print(table)
    if result["suggestions"]:  # “did you mean” (issue 16)
        offered = ", ".join(f"{s['q']} ({s['count']})" for s in result["suggestions"])
        out.print(f"Did you mean: {offered}?", highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(search)
