"""The nightly job and the reviewer's commands: ``train``, ``diff``, ``review``.

Exit codes of ``skillevo train``: 0 done (or nothing to do), 1 error (one line on stderr),
2 usage error, 3 another run holds the library's train lock (try again later; not a failure of
this run). ``diff`` and ``review`` use 0 / 1 / 2.
"""

from __future__ import annotations

import datetime as dt
import getpass
import re
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from .._config import LibrarySection, SkillevoConfig, load_config
from .._errors import ConfigError
from .._library import SkillLibrary
from .._lifecycle import Lifecycle, Transition
from ._common import DbOption, console, err_console, fail

__all__ = ["EXIT_LOCKED", "register"]

#: `skillevo train` exits with this when another run holds the lock.
EXIT_LOCKED = 3

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="skillevo.toml to read (default: ./skillevo.toml when present).",
                 show_default=False),
]


def _config(path: Path | None, db: str | None) -> SkillevoConfig:
    """The configuration a command runs with; ``--db`` overrides ``[library].db``."""
    if path is not None:
        config = load_config(path)
    elif Path("skillevo.toml").is_file():
        config = load_config("skillevo.toml")
    else:
        config = SkillevoConfig()
    if db is not None:
        location = db if "://" in db or db == ":memory:" else str(Path(db).expanduser().resolve())
        config = config.model_copy(update={"library": LibrarySection(db=location)})
    return config


def _open_existing(location: str) -> SkillLibrary:
    if "://" not in location and location != ":memory:" and not Path(location).exists():
        # Reading commands never create a library as a side effect of a typo.
        raise fail(f"no skill library at {location} (use --db PATH, library.db in skillevo.toml, or SKILLEVO_DB)")
    return SkillLibrary(location)


# --------------------------------------------------------------------------- train


def train(
    config: ConfigOption = None,
    db: DbOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Compute and print everything; write nothing (library or report).")
    ] = False,
    policy: Annotated[
        bool, typer.Option("--policy", help="Also run the GRPO fine-tune (the \\[policy] section; needs skillevo-trl).")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
) -> None:
    """Run the nightly job: mine, check, estimate, decide, prune, compact, report (idempotent, resumable).

    Exit codes: 0 done, 1 error, 2 usage error, 3 another run holds the lock.
    """
    from .._errors import SkillevoError
    from .._train import STAGE_NOTE, TrainLockedError, run_train

    cfg = _config(config, db)
    location = cfg.db_location()
    if "://" not in location and location != ":memory:" and not Path(location).exists():
        raise fail(f"no skill library at {location} (use --db PATH, library.db in skillevo.toml, or SKILLEVO_DB)")
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console, transient=True, disable=quiet) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        try:
            report = run_train(cfg, dry_run=dry_run, progress=progress, policy=policy)
        except TrainLockedError as exc:
            err_console.print(f"[bold yellow]locked:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_LOCKED) from None
        except SkillevoError:
            raise  # already one clear line (printed by the CLI runner)
        except Exception as exc:
            # A failing stage (a database error, a bug in a configured miner or fine-tune): one line
            # naming the stage; what finished before it is committed and the next run resumes there.
            notes = [n for n in getattr(exc, "__notes__", ()) if isinstance(n, str) and n.startswith(STAGE_NOTE)]
            where = f"stage {notes[-1].removeprefix(STAGE_NOTE)}" if notes else "start-up"
            detail = " ".join(str(exc).split()) or "(no message)"
            raise fail(
                f"train failed in {where}: {type(exc).__name__}: {detail} "
                "(finished stages are kept; the next run resumes from there)"
            ) from None
    console.print(report.render(), highlight=False, markup=False, soft_wrap=True)
    if dry_run:
        console.print("dry run: nothing was written", highlight=False)


# --------------------------------------------------------------------------- diff

_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_time(text: str, *, now: float | None = None) -> float:
    """A UNIX time from ISO 8601 (UTC unless it says otherwise) or a relative age like ``36h``, ``7d``."""
    value = text.strip()
    m = _RELATIVE.match(value.lower())
    if m:
        return (time.time() if now is None else now) - float(m.group(1)) * _UNIT_S[m.group(2)]
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(
            f"--since: {text!r} is not a time: use ISO 8601 (2026-11-21, 2026-11-21T03:00Z) or an age (36h, 7d)"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.timestamp()


def diff(
    old_db: Annotated[
        str | None, typer.Argument(help="An older copy of the library to compare with (a file or URL).")
    ] = None,
    db: DbOption = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Compare with the library at this time (ISO 8601, or 36h / 7d ago).")
    ] = None,
    since_run: Annotated[
        str | None, typer.Option("--since-run", help="Compare with the library as train run ID left it.")
    ] = None,
    html: Annotated[
        Path | None, typer.Option("--html", help="Write a self-contained HTML page here.", show_default=False)
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the Markdown here (default: standard output).",
                                  show_default=False)
    ] = None,
    config: ConfigOption = None,
) -> None:
    """What changed in the library: skills added, revised, promoted, rejected, retired, pruned.

    With no OLD_DB and no --since/--since-run: since the last train run (or since the library was empty).
    """
    from .._diff import library_diff, render_markdown
    from .._report_html import render_html

    chosen = [x for x in (old_db, since, since_run) if x is not None]
    if len(chosen) > 1:
        raise fail("give one of OLD_DB, --since or --since-run")
    when = parse_time(since) if since is not None else None
    with _open_existing(_config(config, db).db_location()) as new:
        run = since_run
        if old_db is None and when is None and run is None:
            from .._train import _load_json

            runs = _load_json(new.get_meta("train.runs"))
            if isinstance(runs, list) and runs and isinstance(runs[-1], dict):
                run = str(runs[-1].get("run"))
        if old_db is not None:
            with _open_existing(old_db) as old:
                result = library_diff(old, new)
        else:
            result = library_diff(None, new, since=when, since_run=run)
    markdown = render_markdown(result)
    try:
        if html is not None:
            html.write_text(render_html(result), encoding="utf-8")
            err_console.print(f"wrote {html}", highlight=False)
        if out is not None:
            out.write_text(markdown, encoding="utf-8")
            err_console.print(f"wrote {out}", highlight=False)
    except OSError as exc:
        raise fail(f"cannot write the report: {exc}") from None
    if html is None and out is None:
        sys.stdout.write(markdown)


# --------------------------------------------------------------------------- review

review_app = typer.Typer(
    help="Human review of versions that won their test (under review = \"required\").",
    no_args_is_help=False,
    invoke_without_command=True,
)


def _lifecycle(config: Path | None, db: str | None) -> tuple[SkillLibrary, Lifecycle]:
    from .._selection import ThompsonSelector

    cfg = _config(config, db)
    lib = _open_existing(cfg.db_location())
    # Review decisions read no posterior: a bare selector is enough (and loads nothing).
    return lib, Lifecycle(lib, ThompsonSelector(seed=cfg.selector.seed), cfg.lifecycle.thresholds(), review="required")


def _actor(actor: str | None) -> str:
    if actor:
        return actor
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "reviewer"


@review_app.callback()
def review_default(ctx: typer.Context, config: ConfigOption = None, db: DbOption = None) -> None:
    """List the versions awaiting review (same as `skillevo review list`)."""
    if ctx.invoked_subcommand is None:
        review_list(config=config, db=db)


@review_app.command("list")
def review_list(config: ConfigOption = None, db: DbOption = None) -> None:
    """Versions that won their test and wait for a human decision."""
    from .._models import EventKind

    lib, life = _lifecycle(config, db)
    with lib:
        pending = life.pending()
        table = Table(title=f"awaiting review in {lib.location}")
        for col in ("version", "kind", "P(better)", "against", "waiting since", "strategy"):
            table.add_column(col, overflow="fold", no_wrap=col == "version")
        for v in pending:
            note = next(
                (e for e in reversed(lib.events(version_id=v.id, kind=EventKind.LIFECYCLE)) if e.data.get("pending")),
                None,
            )
            p = note.data.get("p") if note else None
            summary = v.strategy.guidance or (v.strategy.repair.model_dump_json(exclude_none=True) if v.strategy.repair
                                              else "code")
            table.add_row(
                v.id,
                v.strategy.kind,
                f"{p:.3f}" if isinstance(p, int | float) else "-",
                str(note.data.get("against", "-")) if note else "-",
                dt.datetime.fromtimestamp(note.ts, tz=dt.UTC).strftime("%Y-%m-%d %H:%M") if note else "-",
                summary[:200],
            )
    if pending:
        console.print(table)
        console.print(
            "decide with: skillevo review approve|reject VERSION --reason TEXT; "
            "details: skillevo diff --html report.html",
            highlight=False,
        )
    else:
        console.print("nothing awaits review", highlight=False)


ReasonOption = Annotated[str, typer.Option("--reason", "-r", help="Why (recorded with the decision).")]
ActorOption = Annotated[
    str | None, typer.Option("--actor", help="Who decides (default: the login name).", show_default=False)
]


@review_app.command("approve")
def review_approve(
    version_id: Annotated[str, typer.Argument(help="Version id, e.g. book-flight-format-date@2.")],
    reason: ReasonOption,
    actor: ActorOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Promote a version under test (its incumbent is retired); recorded as a review event."""
    lib, life = _lifecycle(config, db)
    with lib:
        transitions = life.approve(version_id, _why(reason), actor=_actor(actor))
    for t in transitions:
        _print_transition(t)


@review_app.command("reject")
def review_reject(
    version_id: Annotated[str, typer.Argument(help="Version id, e.g. book-flight-format-date@2.")],
    reason: ReasonOption,
    actor: ActorOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Reject a version (it is kept for audit, never applied); recorded as a review event."""
    lib, life = _lifecycle(config, db)
    with lib:
        _print_transition(life.reject(version_id, _why(reason), actor=_actor(actor)))


def _why(reason: str) -> str:
    if not reason.strip():
        raise fail("--reason must say why")
    return reason.strip()


def _print_transition(t: Transition) -> None:
    old = t.from_status.value if t.from_status else "-"
    new = t.to_status.value if t.to_status else "-"
    console.print(f"{t.version_id}: {old} -> {new} ({t.reason})", highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    """Add ``train``, ``diff`` and ``review`` to `app`."""
    app.command("train")(train)
    app.command("diff")(diff)
    app.add_typer(review_app, name="review")
