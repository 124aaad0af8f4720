"""``datakatalog export``: every dataset a search matches, written to a file in any export format."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from api.cli.console import AccessOption, Context, FacetOption, HvdOption, LegislationOption, TypeOption, err, fail
from catalog.search.query import params_of, query_from_params


def register(app: typer.Typer) -> None:
    @app.command()
    def export(
        text: Annotated[str, typer.Argument(help="Free text; empty matches everything")] = "",
        format: Annotated[str, typer.Option("--format", help="csv, json, xlsx, md, ttl, jsonld or rdf")] = "csv",
        out_file: Annotated[str, typer.Option("--out", help="File to write ('-' for standard output)")] = "-",
        publisher: FacetOption = None,
        theme: FacetOption = None,
        dataset_format: Annotated[list[str] | None, typer.Option(
            "--dataset-format", help="Only datasets offering this EU file type (CSV, GEOJSON …)")] = None,
        license: FacetOption = None,
        keyword: FacetOption = None,
        source: FacetOption = None,
        type_: TypeOption = None,
        access: AccessOption = None,
        hvd_category: HvdOption = None,
        legislation: LegislationOption = None,
        sort: str = "relevance",
        status: str = "active",
        db: Annotated[str | None, typer.Option("--db", help="Database URL or SQLite file")] = None,
    ) -> None:
        """Export every matching dataset (the filters of `search`, without paging) to a file."""
        from catalog.errors import CatalogError
        from catalog.services import datasets, exports

        ctx = Context(db)
        try:
            query = query_from_params(params_of(
                q=text, publisher=publisher, theme=theme, format=dataset_format, license=license, keyword=keyword,
                source=source, type=type_, access=access, hvd_category=hvd_category,
                applicable_legislation=legislation, sort=sort, status=status), paged=False)
            result = exports.export_search(ctx.engine, query, format.lower(), base_url=ctx.settings.base_url,
                                           publisher=datasets.catalog_publisher(ctx.settings))
        except CatalogError as exc:
            fail(exc.message)
            return
        if out_file == "-":
            for chunk in result.chunks:
                sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
            return
        path = Path(out_file)
        tmp = path.with_name(path.name + ".part")
        try:
            with open(tmp, "wb") as fh:
                for chunk in result.chunks:
                    fh.write(chunk)
            tmp.replace(path)  # a half-written export never takes the file's name
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            fail(f"cannot write {out_file}: {exc.strerror or exc}")
            return
        err.print(f"{result.count} datasets written to {path} ({result.fmt})", highlight=False, soft_wrap=True)
