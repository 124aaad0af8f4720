"""``datakatalog validate FILE|URL`` and ``datakatalog quality check``: DCAT-AP-SE quality commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.console import Context, DbOption, fail, out, print_json
from catalog.services import sources


def _print_report(report: dict[str, Any]) -> None:

    status = "[green]valid[/green]" if report["valid"] else "[red]not valid[/red]"
    out.print(f"{report.get('source', '')} {status}: {report['datasets']} datasets, {report['dataservices']} data "
              f"services, {report['violations']} violations, {report['warnings']} warnings "
              f"({report['syntax']}, {report['triples']} triples)", highlight=False, soft_wrap=True)
    for group in report["problems"]:
        colour = "red" if group["severity"] == "violation" else "yellow"
        out.print(f"[{colour}]{group['rule']}[/{colour}] ({group['severity']}, {group['count']}): "
                  f"{group['message_en']}", highlight=False, soft_wrap=True)
        out.print(f"  {group['message_sv']}", highlight=False, soft_wrap=True)
        for item in group["items"]:
            value = f" ({item['value']})" if item.get("value") else ""
            out.print(f"  - {item['focus']}{value}", highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    from catalog.errors import CatalogError

    @app.command()
    def validate(
        target: Annotated[str, typer.Argument(help="A catalogue file, or its http(s) URL")],
        as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
        content_type: Annotated[str | None, typer.Option(help="Syntax of a file (default: by extension)")] = None,
        no_shacl: Annotated[bool, typer.Option("--no-shacl", help="Only the mandatory checks")] = False,
    ) -> None:
        """Validate a DCAT catalogue against DCAT-AP-SE without storing it. Exits 1 on violations."""
        from harvester.validation import validate_file, validate_url

        ctx = Context(None)
        try:
            if target.startswith(("http://", "https://")):
                report = validate_url(ctx.settings, target, run_shacl=not no_shacl)
            else:
                report = validate_file(ctx.settings, Path(target), content_type=content_type,
                                       run_shacl=not no_shacl)
        except CatalogError as exc:
            fail(exc.message)
            return
        if as_json:
            print_json(report)
        else:
            _print_report(report)
        if not report["valid"]:
            raise typer.Exit(1)

    quality_app = typer.Typer(help="Quality: full SHACL validation of stored datasets.", no_args_is_help=True)
    app.add_typer(quality_app, name="quality")

    @quality_app.command("check")
    def quality_check(
        source: Annotated[str | None, typer.Option(help="Only this source (name or id)")] = None,
        job: Annotated[int | None, typer.Option(help="Only the datasets this job added or updated")] = None,
        as_json: Annotated[bool, typer.Option("--json")] = False,
        db: DbOption = None,
    ) -> None:
        """Run the DCAT-AP 3.0.1 and DCAT-AP-SE 3.0.1 SHACL shapes on stored datasets; store the results."""
        from catalog.quality import checks

        ctx = Context(db)
        try:
            if job is not None:
                result = checks.validate_changed(ctx.engine, job, base_url=ctx.settings.base_url)
            else:
                source_id = sources.get_source(ctx.engine, source).id if source else None
                result = checks.validate_stored(ctx.engine, base_url=ctx.settings.base_url,
                                                         source_id=source_id)
        except CatalogError as exc:
            fail(exc.message)
            return
        if as_json:
            print_json(result)
        else:
            out.print(f"{result['checked']} datasets checked against the DCAT-AP 3.0.1 and DCAT-AP-SE 3.0.1 shapes; "
                      f"{result['with_violations']} with violations", highlight=False)
