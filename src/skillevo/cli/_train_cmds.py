"""The nightly job and the reviewer's commands: ``train``, ``diff``, ``review``.

Exit codes of ``skillevo train``: 0 done (or nothing to do), 1 error (one line on stderr),
2 usage error, 3 another run holds the library's train lock (try again later; not a failure of
this run). ``diff`` and ``review`` use 0 / 1 / 2.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import getpass
import json
import re
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.text import Text

from .._actors import check_actor
from .._config import LibrarySection, SkillevoConfig, load_config
from .._errors import ConfigError, NotFoundError
from .._library import SkillLibrary
from .._lifecycle import Lifecycle, Transition
from .._models import Strategy
from ._common import (
    CONFIG_FILE,
    DbOption,
    JsonOption,
    err_console,
    fail,
    name_unreadable,
    print_error,
    require_library,
    shown,
    tell_interrupted,
    usage,
)
from ._diff_json import diff_summary
from ._files import write_whole
from ._render import Column, emit_json, fitted_table, stdout_console, visible, visible_text

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
    elif Path(CONFIG_FILE).is_file():
        config = load_config(CONFIG_FILE)
    else:
        config = SkillevoConfig()
    if db is not None:
        location = db if "://" in db or db == ":memory:" else str(Path(db).expanduser().resolve())
        config = config.model_copy(update={"library": LibrarySection(db=location)})
    return config


def _open_existing(location: str) -> SkillLibrary:
    require_library(location)
    return SkillLibrary(location)


# --------------------------------------------------------------------------- train


def _where(exc: BaseException) -> str:
    """The stage a train run's exception names in its note, or start-up."""
    from .._train import STAGE_NOTE

    notes = [n for n in getattr(exc, "__notes__", ()) if isinstance(n, str) and n.startswith(STAGE_NOTE)]
    return f"stage {notes[-1].removeprefix(STAGE_NOTE)}" if notes else "start-up"


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
    from .._train import TrainLockedError, run_train

    cfg = _config(config, db)
    location = cfg.db_location()
    require_library(location)
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    # Transient on a terminal only: on a log or a pipe (cron, systemd) it left a blank line on stderr.
    with Progress(*columns, console=err_console, transient=True, disable=quiet or not err_console.is_terminal) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        try:
            report = run_train(cfg, dry_run=dry_run, progress=progress, policy=policy)
        except TrainLockedError as exc:
            print_error(exc, label="locked:", style="bold yellow")
            raise typer.Exit(EXIT_LOCKED) from None
        except SkillevoError:
            raise  # already one clear line (printed by the CLI runner)
        except KeyboardInterrupt as exc:
            code = tell_interrupted(f"in {_where(exc)} (finished stages are kept; the next run resumes from there)")
            raise typer.Exit(code) from None
        except Exception as exc:
            # A failing stage (a database error, a bug in a configured miner or fine-tune): one line
            # naming the stage; what finished before it is committed and the next run resumes there.
            detail = " ".join(str(exc).split()) or "(no message)"
            raise fail(
                f"train failed in {_where(exc)}: {type(exc).__name__}: {detail} "
                "(finished stages are kept; the next run resumes from there)"
            ) from None
    out = stdout_console()
    out.print(visible_text(report.render()), soft_wrap=True)
    if dry_run:
        out.print("dry run: nothing was written", markup=False)


# --------------------------------------------------------------------------- diff

_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_time(text: str, *, now: float | None = None) -> float:
    """A UNIX time from ISO 8601 (UTC unless it says otherwise) or a relative age like ``36h``, ``7d``."""
    value = text.strip()
    m = _RELATIVE.match(value.lower())
    if m:
        # Nothing in a library predates the UNIX epoch: an older time (a huge age, -inf) means
        # "since the library began", which every later step can print as a date.
        return max(0.0, (time.time() if now is None else now) - float(m.group(1)) * _UNIT_S[m.group(2)])
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(
            f"--since: {text!r} is not a time: use ISO 8601 (2026-11-21, 2026-11-21T03:00Z) or an age (36h, 7d)"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    try:
        stamp = when.timestamp()
    except (OverflowError, ValueError):  # year 1 with a zone ahead of UTC is year 0
        stamp = 0.0
    if stamp > (time.time() if now is None else now):
        raise ConfigError(f"--since: {text!r} is in the future: nothing can have changed since then")
    return max(0.0, stamp)


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
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the summary as JSON (per section: version, statuses, reason).")
    ] = False,
) -> None:
    """What changed in the library: skills added, revised, promoted, rejected, retired, pruned.

    With no OLD_DB and no --since/--since-run: since the last train run (or since the library was empty).
    """
    from .._diff import library_diff, render_markdown
    from .._report_html import render_html

    chosen = [x for x in (old_db, since, since_run) if x is not None]
    if len(chosen) > 1:
        raise usage("give one of OLD_DB, --since or --since-run", "diff")
    try:
        when = parse_time(since) if since is not None else None
    except ConfigError as exc:  # (a value --since does not accept: the command line's mistake)
        raise usage(str(exc), "diff") from None
    with _open_existing(_config(config, db).db_location()) as new:
        run = since_run
        if old_db is None and when is None and run is None:
            from .._train_state import RUNS_KEY, load_json

            runs = load_json(new.get_meta(RUNS_KEY))
            if isinstance(runs, list) and runs and isinstance(runs[-1], dict):
                run = str(runs[-1].get("run"))
        name_unreadable(new)
        if old_db is not None:
            from .._diff_history import snapshot_of
            from .._redaction import mask_url
            from ._snapshot import open_snapshot

            require_library(old_db)
            with open_snapshot(old_db) as old:  # (a snapshot is read, never migrated in place)
                name_unreadable(old)
                result = library_diff(snapshot_of(old, mask_url(old_db)), new)
        else:
            result = library_diff(None, new, since=when, since_run=run)
    markdown = render_markdown(result)
    for path, text in ((html, render_html(result) if html is not None else ""), (out, markdown)):
        if path is None:
            continue
        try:
            write_whole(path, text)  # (whole or not at all: a failure leaves the previous report)
        except OSError as exc:
            raise fail(f"cannot write the report {path}: {exc.strerror or exc}") from None
        err_console.print(f"wrote {path}", highlight=False, markup=False)
    if as_json:
        emit_json(diff_summary(result))
    elif html is None and out is None:
        # The report quotes library text: a terminal (or a pager with -R) must not run its escapes.
        sys.stdout.write(visible(markdown))


# --------------------------------------------------------------------------- review

review_app = typer.Typer(
    help=(
        "Human review of unapproved versions and their shadow evidence"
        " (review = \"required\" or \"canary\"; held imports in every mode)."
    ),
    no_args_is_help=False,
    invoke_without_command=True,
)


def _from_group(ctx: typer.Context, name: str, value: Any) -> Any:
    """A subcommand's option left out falls back to the one given to ``review`` itself, so
    ``skillevo review --db PROD approve ...`` decides in PROD, never in the default library."""
    if value is not None and value is not False:
        return value
    parent = ctx.parent
    inherited = parent.params.get(name) if parent is not None and parent.command.name == "review" else None
    return value if inherited is None else inherited


def _lifecycle(
    ctx: typer.Context, config: Path | None, db: str | None, *, listing: bool = False
) -> tuple[SkillLibrary, Lifecycle]:
    """The library and a lifecycle to decide in. A decision runs the library's own review mark: the
    test it starts next (`Lifecycle.approve` / `reject`) is the one the library's processes would
    start (under ``auto`` an import with no evidence here waits; a ``required`` lifecycle started it
    on an ``auto`` library, where it held the skill's slot uncredited). The list reads as ``required``
    (every version under test and every unapproved active one, in any mode) and decides nothing."""
    from .._selection import ThompsonSelector

    cfg = _config(_from_group(ctx, "config", config), _from_group(ctx, "db", db))
    lib = _open_existing(cfg.db_location())
    # Review decisions read no posterior: a bare selector is enough (and loads nothing).
    review = "required" if listing else None
    return lib, Lifecycle(lib, ThompsonSelector(seed=cfg.selector.seed), cfg.lifecycle.thresholds(), review=review)


def _actor(actor: str | None) -> str:
    if actor:
        return actor
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        return "reviewer"
    try:
        return check_actor(login)
    except ConfigError:
        # A login named like one of skillevo's own deciders ("train") is a person's own name: it is
        # recorded marked as a login, never refused, never read as skillevo's decision.
        return f"{login} (login)"


@review_app.callback()
def review_default(
    ctx: typer.Context, config: ConfigOption = None, db: DbOption = None, as_json: JsonOption = False
) -> None:
    """List the versions awaiting review (same as `skillevo review list`)."""
    if ctx.invoked_subcommand is None:
        review_list(ctx, config=config, db=db, as_json=as_json)


#: The most of a strategy the review table shows; `skillevo show SKILL` and --json show all of it.
SUMMARY_CHARS = 400
#: The most of a trigger's description it shows, before the strategy.
_APPLIES_CHARS = 160

_REVIEW_COLUMNS = (
    Column("version", key=True),
    Column("kind", priority=4),
    Column("shadow wins", priority=1, min_width=10),
    Column("P(better)", justify="right", min_width=6),
    Column("against", priority=2, min_width=8),
    Column("waiting since", priority=5, min_width=10),
    Column("strategy", priority=1, min_width=14),
)


def _summary(strategy: Strategy, applies: str) -> str:
    # Where it applies first: a version's name is its author's word for that (an import's trigger
    # may be every tool's failures under a name that says one tool). Cut on its own, so a long
    # pattern cannot push what the version does out of the summary.
    if len(applies) > _APPLIES_CHARS:
        applies = applies[:_APPLIES_CHARS] + " ... (skillevo show)"
    parts: list[str] = []
    if strategy.repair:
        parts.append("repair: " + json.dumps(strategy.repair.model_dump(mode="json", exclude_none=True),
                                             ensure_ascii=False))
    if strategy.code:
        parts.append("code: " + strategy.code)
    if strategy.guidance:
        parts.append("guidance: " + strategy.guidance)
    text = "\n".join(parts)
    if len(text) > SUMMARY_CHARS:
        text = text[:SUMMARY_CHARS] + f" ... ({len(text) - SUMMARY_CHARS} more characters: skillevo show)"
    return f"applies: {applies}\n{text}"


@review_app.command("list")
def review_list(
    ctx: typer.Context, config: ConfigOption = None, db: DbOption = None, as_json: JsonOption = False
) -> None:
    """Versions that wait for a human decision, with their shadow evidence."""
    from .._diff_entries import describe_trigger
    from .._models import NULL_ARM, EventKind
    from .._probation import held_imports
    from .._shadow import shadow_evidence

    lib, life = _lifecycle(ctx, config, db, listing=True)
    as_json = _from_group(ctx, "as_json", as_json)
    pending: list[dict[str, Any]] = []
    with lib:
        location = lib.location
        waiting = life.pending()
        # Imports the hold keeps from acting (any review mode): a person's approval is what frees
        # imported code and text, and may free a repair before this library's evidence does.
        listed = {v.id for v in waiting}
        waiting += [v for v in held_imports(lib) if v.id not in listed]
        # Active versions the bandit stopped drawing behind doing nothing (`Lifecycle.starved`): too
        # few calls of their own to retire (a tool could fail a good one out), so a person decides.
        life.selector.attach(lib)
        starved = {v.id: p for v, p, _ in life.starved()}
        listed = {v.id for v in waiting}
        waiting += [
            v for s in lib.skills(status="active") for v in s.versions if v.id in starved and v.id not in listed
        ]
        for v in waiting:
            note = next(
                (e for e in reversed(lib.events(version_id=v.id, kind=EventKind.LIFECYCLE)) if e.data.get("pending")),
                None,
            )
            p = note.data.get("p") if note else starved.get(v.id)
            evidence = shadow_evidence(lib, v)
            trigger = lib.skill(v.skill).trigger
            pending.append(
                {
                    "version_id": v.id,
                    "skill": v.skill,
                    "kind": v.strategy.kind,
                    "status": v.status.value,
                    "p_better": float(p) if isinstance(p, int | float) and not isinstance(p, bool) else None,
                    "against": str(note.data["against"])
                    if note and note.data.get("against") is not None
                    else (life.incumbent_arm(lib.skill(v.skill)) if v.status.value == "testing"
                          else NULL_ARM if v.id in starved else None),
                    "waiting_since": note.ts if note else None,
                    "shadow": dataclasses.asdict(evidence),
                    "shadow_summary": evidence.short(),
                    "trigger": trigger.model_dump(mode="json", exclude_none=True),
                    "strategy": v.strategy.model_dump(mode="json", exclude_none=True),
                    "_strategy": v.strategy,
                    "_applies": describe_trigger(trigger),
                }
            )
    if as_json:
        hidden = ("_strategy", "_applies", "shadow_summary")
        emit_json({"library": location, "pending": [{k: v for k, v in r.items() if k not in hidden} for r in pending]})
        return
    out = stdout_console()
    if not pending:
        out.print("nothing awaits review", markup=False)
        return
    rows: list[list[Text | str]] = [
        [
            r["version_id"],
            f"{r['kind']}, {r['status']}",
            r["shadow_summary"],
            "-" if r["p_better"] is None else f"{r['p_better']:.3f}",
            visible_text(r["against"] or "-"),
            "-" if r["waiting_since"] is None
            else dt.datetime.fromtimestamp(r["waiting_since"], tz=dt.UTC).strftime("%Y-%m-%d %H:%M"),
            visible_text(_summary(r["_strategy"], r["_applies"])),
        ]
        for r in pending
    ]
    out.print(fitted_table(_REVIEW_COLUMNS, rows, out.width, title=visible_text(f"awaiting review in {location}")))
    out.print(
        "shadow wins: repairs that matched the arguments that succeeded (live) and stored failures "
        "fixed (replay); guidance: episodes it would have reached. "
        "decide with: skillevo review approve|reject VERSION --reason TEXT; details: skillevo show SKILL, "
        "skillevo diff --html report.html",
        markup=False,
    )


ReasonOption = Annotated[str, typer.Option("--reason", "-r", help="Why (recorded with the decision).")]
ActorOption = Annotated[
    str | None, typer.Option("--actor", help="Who decides (default: the login name).", show_default=False)
]


@review_app.command("approve")
def review_approve(
    ctx: typer.Context,
    version_id: Annotated[str, typer.Argument(help="Version id, e.g. book-flight-format-date@2.")],
    reason: ReasonOption,
    actor: ActorOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Approve a version: one under test is promoted (its incumbent retired), an unapproved active one
    is marked approved; recorded as a review event."""
    why = _why(reason, "approve")  # (before the library opens: a blank reason is the command line's mistake)
    lib, life = _lifecycle(ctx, config, db)
    with lib:
        _version_named(lib, version_id)
        transitions = life.approve(version_id, why, actor=_actor(actor))
    for t in transitions:
        _print_transition(t)


@review_app.command("reject")
def review_reject(
    ctx: typer.Context,
    version_id: Annotated[str, typer.Argument(help="Version id, e.g. book-flight-format-date@2.")],
    reason: ReasonOption,
    actor: ActorOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Reject a version (it is kept for audit, never applied); recorded as a review event."""
    why = _why(reason, "reject")
    lib, life = _lifecycle(ctx, config, db)
    with lib:
        _version_named(lib, version_id)
        _print_transition(life.reject(version_id, why, actor=_actor(actor)))


@review_app.command("reinstate")
def review_reinstate(
    ctx: typer.Context,
    version_id: Annotated[str, typer.Argument(help="Retired or rejected version id, e.g. book-flight-format-date@1.")],
    reason: ReasonOption,
    actor: ActorOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Bring back a retired or rejected version (a rollback): active again, approved; the skill's active
    version is retired. Recorded as a review event."""
    from .._reinstate import reinstate

    why = _why(reason, "reinstate")
    lib, life = _lifecycle(ctx, config, db)
    with lib:
        _version_named(lib, version_id, ("retired", "rejected"), "none was retired or rejected")
        transitions = reinstate(life, version_id, why, actor=_actor(actor))
    for t in transitions:
        _print_transition(t)


def _version_named(
    lib: SkillLibrary, version_id: str, statuses: tuple[str, ...] = ("candidate", "testing", "active"),
    none: str = "none is open",
) -> None:
    """A skill's name where a version id goes (what `skillevo ls` lists): one line naming its
    versions that can be decided (those in `statuses`), instead of "no skill version"."""
    if "@" in version_id:
        return
    try:
        skill = lib.skill(version_id)
    except NotFoundError:
        return  # the decision says "no skill version ..." itself
    open_ = [v.id for v in skill.versions if v.status.value in statuses]
    raise fail(f"{version_id!r} is a skill; name one of its versions: {', '.join(open_) or none} "
               "(skillevo review list shows those waiting)")


def _why(reason: str, command: str) -> str:
    if not reason.strip():
        raise usage("--reason must say why", f"review {command}")
    return reason.strip()


def _print_transition(t: Transition) -> None:
    old = t.from_status.value if t.from_status else "-"
    new = t.to_status.value if t.to_status else "-"
    # The reason as the library recorded it (redacted), not as typed: a credential pasted into
    # --reason would otherwise reach the terminal and the CI log that keeps it.
    stdout_console().print(Text.assemble(t.version_id, f": {old} -> {new} (", visible_text(shown(t.reason)), ")"))


def register(app: typer.Typer) -> None:
    """Add ``train``, ``diff`` and ``review`` to `app`."""
    app.command("train")(train)
    app.command("diff")(diff)
    from . import _review_mode_cmd

    _review_mode_cmd.register(review_app)
    app.add_typer(review_app, name="review")
