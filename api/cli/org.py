"""``datakatalog org``: organisations and their API tokens.

CLI commands act on the database directly as the local administrator (docs/architecture.md,
"Layers and the import rule"); what they
change is recorded in the audit log as ``cli:<user>``.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from api.cli.console import Context, DbOption, cli_actor, fails_on_catalog_error, out, print_json
from catalog.services import organisations

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON")]


def register(app: typer.Typer) -> None:

    org_app = typer.Typer(help="Organisations and their API tokens.", no_args_is_help=True)
    token_app = typer.Typer(help="List, revoke and rotate an organisation's tokens.", no_args_is_help=True)
    org_app.add_typer(token_app, name="token")
    app.add_typer(org_app, name="org")

    @org_app.command("create")
    @fails_on_catalog_error
    def org_create(name: str, as_json: JsonOption = False, db: DbOption = None) -> None:
        """Create an organisation and print its API token (shown this once only)."""
        ctx = Context(db)
        org, token = organisations.create_organisation(ctx.engine, name=name, actor=cli_actor())
        if as_json:
            print_json({"id": org.id, "name": org.name, "token": token})
            return
        out.print(f"Created organisation [bold]{org.name}[/bold] (id {org.id}).", highlight=False)
        out.print("Its API token, shown this once only (keep it secret; rotate it if it leaks):", highlight=False)
        # print, not rich: a token must come out exactly as it is, on a line of its own
        typer.echo(token)

    @org_app.command("list")
    @fails_on_catalog_error
    def org_list(as_json: JsonOption = False, db: DbOption = None) -> None:
        """List organisations with their source and active-token counts."""
        rows = organisations.list_organisations(Context(db).engine)
        if as_json:
            print_json(rows)
            return
        table = Table("id", "name", "sources", "active tokens", "publishers", "created")
        for r in rows:
            table.add_row(str(r["id"]), r["name"], str(r["sources"]), str(r["active_tokens"]),
                          ", ".join(r["publishers"]), (r["created_at"] or "")[:19])
        out.print(table)

    @org_app.command("link")
    @fails_on_catalog_error
    def org_link(name: str, publisher: str, as_json: JsonOption = False, db: DbOption = None) -> None:
        """Link an organisation to a publisher it is: its quality report then covers what that publisher
        publishes, from whichever source."""
        result = organisations.link_publisher(Context(db).engine, name, publisher, actor=cli_actor())
        if as_json:
            print_json(result)
            return
        verb = "Linked" if result["linked"] else "Already linked:"
        out.print(f"{verb} {result['organisation']['name']} → publisher {result['publisher']} "
                  f"(linked publishers: {', '.join(result['publishers'])}).", highlight=False, soft_wrap=True)

    @org_app.command("unlink")
    @fails_on_catalog_error
    def org_unlink(name: str, publisher: str, db: DbOption = None) -> None:
        """Undo `org link`."""
        result = organisations.unlink_publisher(Context(db).engine, name, publisher, actor=cli_actor())
        out.print(f"Unlinked {result['organisation']['name']} from publisher {result['publisher']}.",
                  highlight=False, soft_wrap=True)

    @token_app.command("list")
    @fails_on_catalog_error
    def token_list(name: str, as_json: JsonOption = False, db: DbOption = None) -> None:
        """List an organisation's tokens by prefix (the tokens themselves are never stored)."""
        rows = organisations.list_tokens(Context(db).engine, name)
        if as_json:
            print_json(rows)
            return
        table = Table("prefix", "created", "last used", "revoked")
        for r in rows:
            table.add_row(r["prefix"], (r["created_at"] or "")[:19], (r["last_used_at"] or "never")[:19],
                          (r["revoked_at"] or "")[:19])
        out.print(table)

    @token_app.command("revoke")
    @fails_on_catalog_error
    def token_revoke(prefix: str, db: DbOption = None) -> None:
        """Revoke the token with this prefix (dk_…); it stops working at once."""
        result = organisations.revoke_token(Context(db).engine, prefix, actor=cli_actor())
        out.print(f"Revoked token {result['prefix']}.", highlight=False)

    @token_app.command("rotate")
    @fails_on_catalog_error
    def token_rotate(name: str, as_json: JsonOption = False, db: DbOption = None) -> None:
        """Revoke every active token of an organisation and print a new one (shown this once only)."""
        token, revoked = organisations.rotate_token(Context(db).engine, name, actor=cli_actor())
        if as_json:
            print_json({"organisation": name, "token": token, "revoked": revoked})
            return
        out.print(f"Revoked {len(revoked)} token(s){': ' + ', '.join(revoked) if revoked else ''}.",
                  highlight=False)
        out.print("The new API token, shown this once only:", highlight=False)
        typer.echo(token)
