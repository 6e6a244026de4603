"""Library commands: ls, show, export, import, stats."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from .._errors import LibraryError, NotFoundError
from .._library import SkillLibrary
from .._models import Skill, SkillVersion, VersionStatus
from .._redaction import mask_url
from .._skillimport import read_skill_folders
from .._skillmd import current_version
from ._common import (
    DbOption,
    JsonOption,
    console,
    fail,
    name_unreadable,
    print_error,
    require_library,
    resolve_db,
    usage,
)
from ._grpo_cmd import GroupKeyOption, MinGroupOption, ToolSchemasOption, export_grpo_command
from ._render import Column, emit_json, fitted_table, framed, stdout_console, visible_line, visible_text

__all__ = ["register"]


def _open(db: str | None, *, must_exist: bool = True) -> SkillLibrary:
    location = resolve_db(db)
    if must_exist:
        require_library(location)
    try:
        return SkillLibrary(location)
    except LibraryError as exc:
        if not must_exist or location == ":memory:" or ("://" in location and not location.startswith("sqlite://")):
            raise
        # A reading command reads a SQLite file it cannot open to write (its disk full) read-only.
        from .._sqlite import SQLiteLibrary

        try:
            lib = SQLiteLibrary(location, read_only=True)
        except LibraryError:
            raise exc from None
        print_error(f"{exc}; read read-only", label="note:", style="yellow")
        return lib


def _when(ts: float | None) -> str:
    if ts is None:
        return "-"
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC).strftime("%Y-%m-%d %H:%M")


def _mean(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


_LS_COLUMNS = (
    Column("name", key=True),
    Column("status", min_width=9),
    Column("trigger", priority=3, min_width=11),
    Column("tool", priority=2, min_width=8),
    Column("versions", priority=4, justify="right"),
    Column("current", priority=1, key=True),
    Column("mean", justify="right"),
    Column("applied", priority=5, justify="right"),
)


def ls(
    db: DbOption = None,
    status: Annotated[str | None, typer.Option("--status", help="Only skills with this status.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List skills with their status, trigger, versions and current posterior."""
    if status is not None and status not in {s.value for s in VersionStatus}:
        raise usage(f"--status must be one of {', '.join(s.value for s in VersionStatus)} (got {status!r})", "ls")
    with _open(db) as lib:
        skills = lib.skills(status=status)
        stats = {s.version_id: s for s in lib.stats()}
        location = mask_url(lib.location)
        name_unreadable(lib)
    listed = []
    for skill in skills:
        version = current_version(skill)
        listed.append(
            {
                "name": skill.name,
                "status": skill.status.value,
                "description": skill.description,
                "trigger": skill.trigger.model_dump(mode="json", exclude_none=True),
                "versions": len(skill.versions),
                "current": version.id if version else None,
                "mean": version.mean if version else None,
                "applied": sum(stats[v.id].applied for v in skill.versions if v.id in stats),
            }
        )
    if as_json:
        emit_json({"library": location, "skills": listed})
        return
    out = stdout_console()
    rows: list[list[Text | str]] = []
    for skill in skills:
        version = current_version(skill)
        rows.append(
            [
                skill.name,
                skill.status.value,
                skill.trigger.kind.value,
                visible_text(skill.trigger.tool),
                str(len(skill.versions)),
                version.id if version else "-",
                _mean(version.mean if version else None),
                str(sum(stats[v.id].applied for v in skill.versions if v.id in stats)),
            ]
        )
    out.print(fitted_table(_LS_COLUMNS, rows, out.width, title=visible_text(f"skills in {location}")))
    if not skills:
        out.print("no skills yet: run your agent with skillevo, or `skillevo import DIR`", markup=False)


_SHOW_COLUMNS = (
    Column("version", key=True),
    Column("status", min_width=9),
    Column("kind", priority=2, min_width=8),
    Column("alpha", priority=5, justify="right"),
    Column("beta", priority=5, justify="right"),
    Column("mean", justify="right"),
    Column("applied", priority=3, justify="right"),
    Column("created", priority=4, min_width=10),
    Column("origin", priority=6),
)


def _version_json(v: SkillVersion, applied: int) -> dict[str, Any]:
    return {
        "id": v.id,
        "number": v.number,
        "status": v.status.value,
        "kind": v.strategy.kind,
        "parent": v.parent,
        "alpha": v.alpha,
        "beta": v.beta,
        "mean": v.mean,
        "observations": v.observations,
        "applied": applied,
        "created_at": v.created_at,
        "miner": v.origin.miner,
        "strategy": v.strategy.model_dump(mode="json", exclude_none=True),
    }


def _skill_or_hint(lib: SkillLibrary, name: str) -> Skill:
    """The skill named `name`; when `name` is a version id (what `review list` and `ls` print), the
    error names its skill instead of saying no skill has that name."""
    try:
        return lib.skill(name)
    except NotFoundError:
        if "@" not in name:
            raise
        try:
            version = lib.version(name)
        except NotFoundError:
            pass
        else:
            raise fail(f"{name!r} is a version of skill {version.skill!r}: skillevo show {version.skill}") from None
        raise


def show(
    name: Annotated[str, typer.Argument(help="Skill name.")], db: DbOption = None, as_json: JsonOption = False
) -> None:
    """Show one skill: trigger, every version with its status, posterior and strategy."""
    with _open(db) as lib:
        skill = _skill_or_hint(lib, name)
        stats = {s.version_id: s for s in lib.stats()}
    applied = {v.id: (stats[v.id].applied if v.id in stats else 0) for v in skill.versions}
    if as_json:
        emit_json(
            {
                "name": skill.name,
                "status": skill.status.value,
                "description": skill.description,
                "trigger": skill.trigger.model_dump(mode="json", exclude_none=True),
                "versions": [_version_json(v, applied[v.id]) for v in skill.versions],
            }
        )
        return
    out = stdout_console()
    out.print(Text.assemble((skill.name, "bold"), f"  status: {skill.status.value}"))
    if skill.description:
        out.print(visible_line(skill.description))
    trigger = json.dumps(skill.trigger.model_dump(mode="json", exclude_none=True), ensure_ascii=False)
    out.print(Text.assemble("trigger: ", visible_text(trigger)))
    rows = [
        [
            v.id,
            v.status.value,
            v.strategy.kind,
            f"{v.alpha:.1f}",
            f"{v.beta:.1f}",
            f"{v.mean:.2f}",
            str(applied[v.id]),
            _when(v.created_at),
            visible_text(v.origin.miner),
        ]
        for v in skill.versions
    ]
    out.print(fitted_table(_SHOW_COLUMNS, rows, out.width))
    for v in skill.versions:
        out.rule(Text(v.id))
        # Each text in a frame: a line of the version's own (a box-drawing "rule" with another
        # version's id, a wrapped tail) starts with the frame's border, never where skillevo's lines do.
        if v.strategy.guidance:
            out.print(framed(visible_text(v.strategy.guidance), "guidance"))
        if v.strategy.repair:
            repair = v.strategy.repair.model_dump(mode="json", exclude_none=True)
            out.print(framed(visible_text(json.dumps(repair, indent=2, ensure_ascii=False)), "repair"))
        if v.strategy.code:
            out.print(framed(visible_text(v.strategy.code), "code"))


def export(
    target: Annotated[str, typer.Argument(help="Folder to write, or the word 'skills' or 'grpo'.")],
    out: Annotated[str | None, typer.Argument(help="With 'skills' or 'grpo': the folder to write.")] = None,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="grpo: print the export's summary as JSON.")] = False,
    group_key: GroupKeyOption = "group_key",
    tool_schemas: ToolSchemasOption = None,
    min_group_size: MinGroupOption = 1,
    every: Annotated[
        bool, typer.Option("--all", help="skills: write every skill's current version, not only what an agent may "
                                         "use now (active, approved, no held words).")
    ] = False,
) -> None:
    """Export skills as Agent Skills folders (`export DIR`), or episodes for GRPO (`export grpo OUT`)."""
    if target == "grpo":
        if out is None:
            raise usage("usage: skillevo export grpo OUT", "export")
        with _open(db) as lib:
            if not lib.count_episodes():
                raise fail(f"no episodes in {lib.location}: nothing to export for GRPO (run your agent first)")
            export_grpo_command(
                lib, Path(out), as_json=as_json, group_key=group_key, tool_schemas=tool_schemas,
                min_group_size=min_group_size,
            )
        return
    directory = out if target == "skills" and out is not None else target
    if target != "skills" and out is not None:
        raise usage(
            f"unexpected argument {out!r}: use `export DIR`, `export skills DIR` or `export grpo OUT`", "export"
        )
    with _open(db) as lib:
        folders = lib.export_skills(Path(directory), all_statuses=every)
    console.print(f"exported {len(folders)} skill(s) to {directory}", highlight=False, markup=False)
    left_out = getattr(folders, "left_out", [])
    if left_out:
        console.print(f"left out {len(left_out)} skill(s) skillevo would not give an agent now (not active, not "
                      f"approved, or words waiting for a person; agents load every SKILL.md in the folder; --all "
                      f"writes them too): {', '.join(left_out)}", highlight=False, markup=False)


def import_(
    directory: Annotated[Path, typer.Argument(help="Folder of <name>/SKILL.md folders (or one such folder).")],
    db: DbOption = None,
    start_tests: Annotated[
        bool, typer.Option("--start-tests", help="Start each new candidate's test at once, as for a mined skill.")
    ] = False,
) -> None:
    """Import Agent Skills folders (plain or skillevo's) as candidates, each checked like a mined skill.

    A malformed folder stops the import before anything is written; a skill that fails a check
    (injection filter, proposal check, sandbox smoke run) is refused with its reason, and the rest import.
    """
    # Read the folders first: a typo in DIRECTORY must not leave a new, empty library behind.
    docs = read_skill_folders(directory)
    from .._probation import awaits_evidence

    with _open(db, must_exist=False) as lib:
        result = lib.import_skills(directory, start_tests=start_tests)
        versions = [lib.version(vid) for vid in result]
        held = [v.id for v in versions if awaits_evidence(lib, v)]
    shown = ", ".join(f"{v.id} ({v.status.value})" for v in versions) or "nothing new"
    console.print(f"imported {len(result)} version(s): {shown}", highlight=False, markup=False)
    for refusal in result.refused:
        # A refusal's reason may quote the folder's text: shown on one line, hidden characters escaped.
        console.print(Text.assemble("refused ", visible_line(str(refusal))), highlight=False)
    if held:
        # An import acts only on this library's own evidence or a person's word (docs/review.md).
        console.print(
            f"waiting for this library's evidence or your approval: {', '.join(held)} "
            f"(skillevo review list; skillevo review approve {held[0]} -r REASON)",
            highlight=False, markup=False,
        )
    if result.refused and len({r.name for r in result.refused}) >= len(docs):
        # Every skill of the folder turned away: a script must not read that as success. (Not one
        # left out beside skills imported now or before: a rerun of the same folder answers the same.)
        raise fail(f"imported nothing: every skill in {directory} was refused ({len(result.refused)}, listed above)")


_STATS_COLUMNS = (
    Column("version", key=True),
    Column("status", min_width=9),
    Column("kind", priority=3, min_width=8),
    Column("applied", priority=1, justify="right"),
    Column("credited", priority=4, justify="right"),
    Column("mean outcome", priority=2, justify="right", min_width=7),
    Column("posterior", justify="right"),
    Column("last applied", priority=5, min_width=10),
)


def stats(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Per-version usage: how often applied, outcomes credited, mean outcome, posterior mean."""
    with _open(db) as lib:
        rows = lib.stats()
        episodes = lib.count_episodes()
        events = lib.count_events()
        name_unreadable(lib)
    if as_json:
        emit_json({"episodes": episodes, "events": events, "versions": [r.model_dump(mode="json") for r in rows]})
        return
    out = stdout_console()
    cells = [
        [
            r.version_id,
            r.status.value,
            r.kind,
            str(r.applied),
            str(r.credited),
            _mean(r.mean_reward),
            f"{r.posterior_mean:.2f}",
            _when(r.last_applied),
        ]
        for r in rows
    ]
    out.print(fitted_table(_STATS_COLUMNS, cells, out.width, title=Text(f"{episodes} episodes, {events} events")))


def register(app: typer.Typer) -> None:
    """Add the library commands to `app`."""
    app.command("ls")(ls)
    app.command("show")(show)
    app.command("export")(export)
    app.command("import")(import_)
    app.command("stats")(stats)
