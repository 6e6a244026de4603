"""Shared CLI plumbing: the --db option, one-line errors, exit codes."""

from __future__ import annotations

import os
import re
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from .._errors import SkillevoError, SkillFormatError
from .._library import CONFIG_FILE, configured_db, library_exists
from .._redaction import mask_urls_in, redact_text
from .._store import SkillStore
from ._render import visible_text

__all__ = [
    "CONFIG_FILE",
    "EXIT_INTERRUPTED",
    "DbOption",
    "JsonOption",
    "console",
    "err_console",
    "fail",
    "name_unreadable",
    "print_error",
    "require_library",
    "resolve_db",
    "run_app",
    "shown",
    "tell_interrupted",
    "usage",
]

console = Console()
err_console = Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Library file or URL (default: [library].db of ./skillevo.toml, else $SKILLEVO_DB or ./skillevo.db).",
        show_default=False,
    ),
]

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON document (stable keys, see docs/library.md) instead of tables."),
]


def resolve_db(db: str | None) -> str:
    """The library location a command should open (``~`` expanded in a path): `db`, else the
    ``[library].db`` of ``./skillevo.toml`` when present (as ``train``, ``diff`` and ``review`` read
    it: every command opens the same library, and so does `SkillLibrary()`), else ``$SKILLEVO_DB``
    or ``./skillevo.db``."""
    location = db or configured_db()  # (`SkillLibrary()` opens the same one)
    return location if "://" in location else os.path.expanduser(location)


def print_error(message: object, label: str = "error:", style: str = "bold red") -> None:
    """One line on stderr: `label` in `style`, then `message` as plain text (it may quote library data)."""
    text = " ".join(_shown_error(message).split()) or "(no message)"
    line = Text.assemble((label, style), " ", visible_text(text))
    err_console.print(line, highlight=False, soft_wrap=True)


def _shown_error(message: object) -> str:
    """`shown` of an error's text; a `SkillFormatError`'s path apart from the rest, so that a path
    ending in a secret's word (``skills/api-token: not a directory``) is not read as a ``key: value``
    pair and its reason hidden. Field and reason stay together: a field named like a secret (a key
    of the file) still hides the value the reason quotes."""
    text = str(message)
    if isinstance(message, SkillFormatError) and text.startswith(f"{message.path}: "):
        return f"{shown(message.path)}: {shown(text[len(message.path) + 2:])}"
    return shown(text)


def shown(message: str) -> str:
    """A message fit for the terminal: database URLs masked, secrets redacted."""
    return redact_text(mask_urls_in(message))


def name_unreadable(store: SkillStore) -> None:
    """One line on stderr for each skill a listing leaves out because a stored row of it does not
    read (`SkillStore.unreadable_skills`): on stderr, so that ``--json`` stays one JSON document."""
    for name, reason in store.unreadable_skills().items():
        print_error(f"skill {name!r} is not listed: {reason}", label="unreadable:", style="bold yellow")


def fail(message: str) -> typer.Exit:
    """Print a one-line user error and return the exit to raise (status 1)."""
    print_error(message)
    return typer.Exit(1)


def require_library(location: str) -> None:
    """Exit (status 1) unless a library is at `location`: reading commands never create one as a
    side effect of a typo."""
    if not library_exists(location):
        raise fail(f"no skill library at {location} (use --db PATH, [library] db in {CONFIG_FILE}, or SKILLEVO_DB)")


def usage(message: str, command: str) -> typer.Exit:
    """Print a one-line usage error naming `command`'s --help and return the exit to raise (status 2,
    as typer's own usage errors)."""
    print_error(f"{message} (see: skillevo {command} --help)")
    return typer.Exit(2)


# A line break inside a paragraph of a docstring is the source's wrapping, not the reader's: typer keeps
# it, so help printed at any width broke mid-sentence. Blank lines (paragraphs) and list items stay.
_SOFT_BREAK = re.compile(r"(?<=\S)[ \t]*\n[ \t]*(?=[^\s\-*\b])")


def _unwrap_help(command: object) -> None:
    # Duck-typed: typer ships its own copy of click, so click's classes are not its classes.
    help_text = getattr(command, "help", None)
    if isinstance(help_text, str):
        setattr(command, "help", _SOFT_BREAK.sub(" ", help_text))  # noqa: B010
    for sub in dict(getattr(command, "commands", None) or {}).values():
        _unwrap_help(sub)


def run_app(app: typer.Typer, argv: list[str]) -> int:
    """Run `app` without letting a traceback or SystemExit escape: 0 ok, 1 user error, 2 usage
    (every error one line on stderr)."""
    command = typer.main.get_command(app)
    _unwrap_help(command)
    _told.clear()
    try:
        # Not standalone: usage errors come back here, to be told in one line like every other
        # error (typer would draw a box of several lines); --help and typer.Exit return a code.
        code = command.main(args=argv, prog_name="skillevo", standalone_mode=False)
        # typer turns Ctrl-C into this status without a word.
        return _interrupted(code) if code == EXIT_INTERRUPTED else (
            code if isinstance(code, int) and not isinstance(code, bool) else 0
        )
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except SkillevoError as exc:
        print_error(exc)
        return 1
    except OSError as exc:  # a path the user named cannot be read or written: their fix, one line
        where = f": {exc.filename}" if exc.filename else ""
        print_error(f"{exc.strerror or exc}{where}")
        return 1
    except KeyboardInterrupt:
        return _interrupted(EXIT_INTERRUPTED)
    except Exception as exc:
        usage = _usage_error(exc)
        if usage is None:
            raise
        return usage


#: The exit status of a command stopped by Ctrl-C (128 + SIGINT, as a shell reports it).
EXIT_INTERRUPTED = 130

_told: list[bool] = []  # a command said itself how it was interrupted (one line, not two)


def tell_interrupted(message: str) -> int:
    """Say in one line how a command stopped by Ctrl-C left things; returns its exit status."""
    print_error(message, label="interrupted:", style="bold yellow")
    _told.append(True)
    return EXIT_INTERRUPTED


def _interrupted(code: int) -> int:
    if not _told:
        # One line, so that a stop is not mistaken for a finished run.
        print_error("stopped by Ctrl-C before the command finished", label="interrupted:", style="bold yellow")
    return code


def _usage_error(exc: Exception) -> int | None:
    """Tell a usage error (typer's click exceptions, matched by shape: typer vendors click
    privately) in one line, with the command's --help; None for anything else."""
    code, message = getattr(exc, "exit_code", None), getattr(exc, "format_message", None)
    if not isinstance(code, int) or not callable(message):
        return None
    if type(exc).__name__ == "NoArgsIsHelpError":  # a bare group: its help is the answer
        err_console.print(str(message()), markup=False, highlight=False)
        return code
    ctx = getattr(exc, "ctx", None)
    path = getattr(ctx, "command_path", None) or "skillevo"
    print_error(f"{message()} (see: {path} --help)")
    return code
