"""The `skillevo` command line (typer + rich).

Exit codes: 0 ok, 1 user error (one line on stderr), 2 usage error.
Every command takes ``--db PATH`` (default ``./skillevo.db`` or ``$SKILLEVO_DB``).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from . import _demo_cmd, _library_cmds, _migrate_cmd, _train_cmds
from ._common import run_app

__all__ = ["app", "main"]

app = typer.Typer(
    name="skillevo",
    help="Online skill evolution for agent frameworks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for _module in (_library_cmds, _train_cmds, _demo_cmd, _migrate_cmd):
    _module.register(app)


def _print_version(value: bool) -> None:
    # Eager: answered before any command or library is looked at (an operator checks each host's
    # release and the schema it writes before an upgrade: docs/deploy.md).
    if value:
        from .. import __version__
        from .._sqlite import MIGRATIONS

        typer.echo(f"skillevo {__version__} (library schema {len(MIGRATIONS)})")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", help="Print the release and the library schema version it writes, then exit.",
                     callback=_print_version, is_eager=True),
    ] = False,
) -> None:
    """Online skill evolution for agent frameworks."""


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (the console script exits with it)."""
    code = run_app(app, sys.argv[1:] if argv is None else argv)
    if argv is None:
        sys.exit(code)
    return code
