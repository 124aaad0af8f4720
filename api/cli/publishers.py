"""``datakatalog publisher``: publishers across sources — who they are, which look like one, merging
them and taking a merge back (as the local administrator; audited as ``cli:<user>``)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from api.cli.console import Context, DbOption, cli_actor, fails_on_catalog_error, out, print_json
from catalog.services import hvd, publishers, publishers_identity

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON")]


def _merge_line(result: dict[str, Any], verb: str) -> str:
    pub = result["publisher"]
    number = f", organisation {pub['org_number']}" if pub["org_number"] else ""
    return f"{verb}; {result['datasets_moved']} dataset(s) moved (publisher {pub['id']}{number})."


def register(app: typer.Typer) -> None:
    pub_app = typer.Typer(help="Publishers across sources: list, show, HVD report, merge candidates, merge, unmerge.",
                          no_args_is_help=True)
    app.add_typer(pub_app, name="publisher")

    @pub_app.command("list")
    @fails_on_catalog_error
    def publisher_list(as_json: JsonOption = False, db: DbOption = None) -> None:
        """Publishers with active datasets, most first (merged ones appear once, under their publisher)."""
        rows = publishers.list_publishers(Context(db).engine)
        if as_json:
            print_json(rows)
            return
        table = Table("id", "name", "organisation number", "datasets", "data services")
        for r in rows:
            table.add_row(r["id"], r["name"], r["org_number"] or "", str(r["datasets"]), str(r["dataservices"]))
        out.print(table)

    @pub_app.command("show")
    @fails_on_catalog_error
    def publisher_show(publisher_id: str, as_json: JsonOption = False, db: DbOption = None) -> None:
        """A publisher (an alias's id shows the publisher it was merged into): number, aliases, sources."""
        pub = publishers.get_publisher(Context(db).engine, publisher_id)
        if as_json:
            print_json(pub)
            return
        if pub["requested"] != pub["id"]:
            out.print(f"{pub['requested']} was merged into {pub['id']}.", highlight=False)
        out.print(f"[bold]{pub['name']}[/bold] ({pub['id']})", highlight=False)
        out.print(f"  organisation number: {pub['org_number'] or 'none known'}", highlight=False)
        for alias in pub["aliases"]:
            out.print(f"  alias {alias['id']}: {alias['name'] or ''} {alias['uri'] or ''}".rstrip(), highlight=False)
        counts = pub["datasets"]
        out.print(f"  {counts['active']} active ({counts['dataset']} datasets, {counts['dataservice']} data "
                  f"services), {counts['withdrawn']} withdrawn", highlight=False)
        for source in pub["sources"]:
            out.print(f"  from source {source['name']}: {source['datasets']}", highlight=False)

    @pub_app.command("hvd")
    @fails_on_catalog_error
    def publisher_hvd(publisher_id: str, as_json: JsonOption = False, db: DbOption = None) -> None:
        """A publisher's high-value datasets: how many, per category, and which lack HVD facts."""
        report = hvd.publisher_hvd(Context(db).engine, publisher_id)
        if as_json:
            print_json(report)
            return
        pub = report["publisher"]
        out.print(f"[bold]{pub['name'] or pub['id']}[/bold] ({pub['id']}): {report['hvd']} high-value dataset(s) "
                  f"of {report['datasets']}, {report['complete']} complete, {report['incomplete']} incomplete",
                  highlight=False)
        for cat in report["categories"]:
            out.print(f"  {cat['label'].get('en') or cat['code']}: {cat['datasets']}", highlight=False)
        for gap in report["missing"]:
            out.print(f"  {gap['label']['en']}: {gap['datasets']}", highlight=False)
        if report["incomplete_datasets"]:
            table = Table("id", "title", "missing")
            for item in report["incomplete_datasets"]:
                table.add_row(item["id"], item["title"] or "", ", ".join(item["missing"]))
            out.print(table)

    @pub_app.command("candidates")
    @fails_on_catalog_error
    def publisher_candidates(as_json: JsonOption = False, db: DbOption = None) -> None:
        """Publishers that look like one (same name and type, no two organisation numbers), with the
        merge command for each."""
        rows = publishers_identity.candidates(Context(db).engine)
        if as_json:
            print_json(rows)
            return
        if not rows:
            out.print("No publishers look alike.")
            return
        for r in rows:
            keep, other = r["keep"], r["merge"]
            out.print(f"{keep['name']} ({keep['id']}, {keep['datasets']} datasets"
                      f"{', ' + keep['org_number'] if keep['org_number'] else ''}) and "
                      f"{other['name']} ({other['id']}, {other['datasets']} datasets"
                      f"{', ' + other['org_number'] if other['org_number'] else ''}): {r['reason']}",
                      highlight=False, soft_wrap=True)
            out.print(f"  datakatalog publisher merge {keep['id']} {other['id']}", highlight=False, soft_wrap=True)

    @pub_app.command("merge")
    @fails_on_catalog_error
    def publisher_merge(keep: str, other: str, as_json: JsonOption = False, db: DbOption = None) -> None:
        """Merge publisher OTHER into KEEP: one publisher from now on, harvests included (refused for two
        organisation numbers; undone by `publisher unmerge OTHER`)."""
        result = publishers_identity.merge(Context(db).engine, keep, other, actor=cli_actor())
        if as_json:
            print_json(result)
            return
        out.print(_merge_line(result, f"Merged {result['merged']} into {result['publisher']['id']}"),
                  highlight=False, soft_wrap=True)

    @pub_app.command("unmerge")
    @fails_on_catalog_error
    def publisher_unmerge(alias: str, as_json: JsonOption = False, db: DbOption = None) -> None:
        """Take a merged publisher back out, with the datasets whose records name it."""
        result = publishers_identity.unmerge(Context(db).engine, alias, actor=cli_actor())
        if as_json:
            print_json(result)
            return
        out.print(_merge_line(result, f"{alias} is a publisher of its own again (it was part of {result['from']})"),
                  highlight=False, soft_wrap=True)
