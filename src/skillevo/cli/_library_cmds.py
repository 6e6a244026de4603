"""Library commands: ls, show, export, import, stats."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from .._library import SkillLibrary
from .._models import VersionStatus
from .._redaction import mask_url
from .._skillmd import current_version
from ._common import DbOption, console, fail, resolve_db

__all__ = ["register"]


def _open(db: str | None, *, must_exist: bool = True) -> SkillLibrary:
    location = resolve_db(db)
    if must_exist and "://" not in location and location != ":memory:" and not Path(location).exists():
        # Reading commands never create a library as a side effect of a typo.
        raise fail(f"no skill library at {location} (use --db PATH or set SKILLEVO_DB)")
    return SkillLibrary(location)


def _when(ts: float | None) -> str:
    if ts is None:
        return "-"
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC).strftime("%Y-%m-%d %H:%M")


def ls(
    db: DbOption = None,
    status: Annotated[str | None, typer.Option("--status", help="Only skills with this status.")] = None,
) -> None:
    """List skills with their status, trigger, versions and current posterior."""
    if status is not None and status not in {s.value for s in VersionStatus}:
        raise fail(f"--status must be one of {', '.join(s.value for s in VersionStatus)} (got {status!r})")
    with _open(db) as lib:
        skills = lib.skills(status=status)
        stats = {s.version_id: s for s in lib.stats()}
    table = Table(title=f"skills in {mask_url(resolve_db(db))}")
    for col in ("name", "status", "trigger", "tool", "versions", "current", "mean", "applied"):
        # Names and ids never wrap: a reader (or a script) must be able to copy them whole.
        table.add_column(
            col, justify="right" if col in ("versions", "mean", "applied") else "left",
            no_wrap=col in ("name", "current"), overflow="fold",
        )
    for skill in skills:
        version = current_version(skill)
        applied = sum(stats[v.id].applied for v in skill.versions if v.id in stats)
        table.add_row(
            skill.name,
            skill.status.value,
            skill.trigger.kind.value,
            skill.trigger.tool,
            str(len(skill.versions)),
            version.id if version else "-",
            f"{version.mean:.2f}" if version else "-",
            str(applied),
        )
    console.print(table)
    if not skills:
        console.print("no skills yet: run your agent with skillevo, or `skillevo import DIR`")


def show(name: Annotated[str, typer.Argument(help="Skill name.")], db: DbOption = None) -> None:
    """Show one skill: trigger, every version with its status, posterior and strategy."""
    with _open(db) as lib:
        skill = lib.skill(name)
        stats = {s.version_id: s for s in lib.stats()}
    console.print(f"[bold]{skill.name}[/]  status: {skill.status.value}", highlight=False)
    if skill.description:
        console.print(skill.description, highlight=False)
    console.print(f"trigger: {skill.trigger.model_dump_json(exclude_none=True)}", highlight=False)
    table = Table()
    for col in ("version", "status", "kind", "alpha", "beta", "mean", "applied", "created", "origin"):
        table.add_column(col, overflow="fold", no_wrap=col == "version")
    for v in skill.versions:
        st = stats.get(v.id)
        table.add_row(
            v.id,
            v.status.value,
            v.strategy.kind,
            f"{v.alpha:.1f}",
            f"{v.beta:.1f}",
            f"{v.mean:.2f}",
            str(st.applied if st else 0),
            _when(v.created_at),
            v.origin.miner,
        )
    console.print(table)
    for v in skill.versions:
        console.rule(v.id)
        if v.strategy.guidance:
            console.print(v.strategy.guidance, highlight=False, markup=False)
        if v.strategy.repair:
            console.print_json(v.strategy.repair.model_dump_json(exclude_none=True))
        if v.strategy.code:
            console.print(v.strategy.code, highlight=False, markup=False)


def export(
    target: Annotated[str, typer.Argument(help="Folder to write, or the word 'skills' or 'grpo'.")],
    out: Annotated[str | None, typer.Argument(help="With 'skills' or 'grpo': the folder to write.")] = None,
    db: DbOption = None,
) -> None:
    """Export skills as Agent Skills folders (`export DIR`), or episodes for GRPO (`export grpo OUT`)."""
    if target == "grpo":
        if out is None:
            raise fail("usage: skillevo export grpo OUT")
        if importlib.util.find_spec("skillevo._grpo") is None:
            raise fail("GRPO export is not available in this installation: pip install skillevo-trl")
        from .. import _grpo  # type: ignore[attr-defined,unused-ignore]

        with _open(db) as lib:
            result = _grpo.export_grpo(lib, Path(out))
        console.print(result)
        return
    directory = out if target == "skills" and out is not None else target
    if target != "skills" and out is not None:
        raise fail(f"unexpected argument {out!r}: use `export DIR`, `export skills DIR` or `export grpo OUT`")
    with _open(db) as lib:
        folders = lib.export_skills(Path(directory))
    console.print(f"exported {len(folders)} skill(s) to {directory}", highlight=False)


def import_(
    directory: Annotated[Path, typer.Argument(help="Folder of <name>/SKILL.md folders (or one such folder).")],
    db: DbOption = None,
) -> None:
    """Import Agent Skills folders; all-or-nothing."""
    with _open(db, must_exist=False) as lib:
        written = lib.import_skills(directory)
    console.print(f"imported {len(written)} version(s): {', '.join(written) or 'nothing new'}", highlight=False)


def stats(db: DbOption = None) -> None:
    """Per-version usage: how often applied, outcomes credited, mean outcome, posterior mean."""
    with _open(db) as lib:
        rows = lib.stats()
        episodes = lib.count_episodes()
        events = lib.count_events()
    table = Table(title=f"{episodes} episodes, {events} events")
    for col in ("version", "status", "kind", "applied", "credited", "mean outcome", "posterior", "last applied"):
        table.add_column(col, overflow="fold", no_wrap=col == "version")
    for r in rows:
        table.add_row(
            r.version_id,
            r.status.value,
            r.kind,
            str(r.applied),
            str(r.credited),
            "-" if r.mean_reward is None else f"{r.mean_reward:.2f}",
            f"{r.posterior_mean:.2f}",
            _when(r.last_applied),
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add the library commands to `app`."""
    app.command("ls")(ls)
    app.command("show")(show)
    app.command("export")(export)
    app.command("import")(import_)
    app.command("stats")(stats)
