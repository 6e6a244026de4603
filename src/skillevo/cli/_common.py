"""Shared CLI plumbing: the --db option, one-line errors, exit codes."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from .._errors import SkillevoError
from .._library import default_db
from .._redaction import mask_urls_in, redact_text

__all__ = ["DbOption", "console", "err_console", "fail", "resolve_db", "run_app", "shown"]

console = Console()
err_console = Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Library file or URL (default: $SKILLEVO_DB or ./skillevo.db).", show_default=False),
]


def resolve_db(db: str | None) -> str:
    """The library location a command should open."""
    return db or default_db()


def shown(message: str) -> str:
    """A message fit for the terminal: database URLs masked, secrets redacted."""
    return redact_text(mask_urls_in(message))


def fail(message: str) -> typer.Exit:
    """Print a one-line user error and return the exit to raise (status 1)."""
    err_console.print(f"[bold red]error:[/] {shown(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(1)


def run_app(app: typer.Typer, argv: list[str]) -> int:
    """Run `app` without letting a traceback or SystemExit escape: 0 ok, 1 user error, 2 usage."""
    command = typer.main.get_command(app)
    try:
        # Standalone mode lets typer print usage errors (exit 2) and --help itself.
        command.main(args=argv, prog_name="skillevo", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except SkillevoError as exc:
        err_console.print(f"[bold red]error:[/] {shown(str(exc))}", highlight=False, soft_wrap=True)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0
