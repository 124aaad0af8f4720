"""The ``datakatalog`` command line (typer + rich). Every command calls the same services as the API.

Command groups are listed in :data:`COMMANDS`, in the order ``datakatalog --help`` shows them; each
module's ``register(app)`` adds its commands. Console helpers live in :mod:`api.cli.console`.
"""

from __future__ import annotations

import sys

import typer
from sqlalchemy.exc import OperationalError

from api.cli import export, harvest, org, publishers, search, serve, sources, validate
from api.cli.console import err
from api.cli.sources import source_app
from catalog.errors import Busy, CatalogError
from catalog.store.engine import is_lock_timeout

COMMANDS = (sources, harvest, search, export, validate, org, publishers, serve)

app = typer.Typer(help="datakatalog: harvest Swedish open data into one DCAT-AP-SE catalogue.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
for _module in COMMANDS:
    _module.register(app)

__all__ = ["COMMANDS", "app", "main", "source_app"]


def main() -> None:
    try:
        app()
    except CatalogError as exc:
        err.print(f"error: {exc.message}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except OperationalError as exc:  # another writer held SQLite longer than DB_BUSY_TIMEOUT: one line too
        if not is_lock_timeout(exc):
            raise
        err.print(f"error: {Busy().message}", highlight=False, soft_wrap=True)
        sys.exit(1)
