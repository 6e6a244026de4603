"""``skillevo demo``: the bundled demo world, with and without skillevo, in about a minute.

Runs the same seeded episodes twice through a LangChain v1 agent (``create_agent``): once as is,
once with ``SkillMiddleware``. Midway the policy is upgraded (and the API migrates), which makes one
learned skill harmful. Prints success, failed tool calls and model turns per block of episodes and
writes the library diff report (Markdown + HTML), a PNG of the learning curves and the raw results.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from ._common import console, fail
from ._render import visible_text

if TYPE_CHECKING:
    from .._library import SkillLibrary
    from ..demo import EpisodeResult

__all__ = ["DEMO_CACHE_TTL_S", "DEMO_LIFECYCLE", "register", "run_demo"]

#: Lifecycle thresholds of the demo: a few hundred episodes, so tests decide after fewer observations
#: than the production defaults (min_updates=5, min_episodes=10, retire_min_obs=20).
DEMO_LIFECYCLE: dict[str, Any] = {"min_updates": 5, "min_episodes": 5, "retire_min_obs": 4}
#: The demo is one process and every library change goes through its Evolver, which invalidates its
#: cache on each change; with the default wall-clock TTL the cached posterior means that order the
#: guidance would be refreshed at times that depend on the machine's speed, and runs with the same
#: seed would differ.
DEMO_CACHE_TTL_S = float("inf")


def _need(module: str, hint: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise fail(f"skillevo demo needs {module}: {hint}")


def _write_report(lib: SkillLibrary, out: Path) -> tuple[Path | None, Path | None, str | None]:
    """The library diff since the empty library, as Markdown and HTML (None + why when unavailable)."""
    try:
        from .._diff import library_diff, render_markdown
        from .._report_html import render_html
    except ImportError as exc:
        return None, None, f"the diff report is not available in this install ({exc})"
    diff = library_diff(None, lib, new_label="demo library")
    md = out / "report.md"
    html = out / "report.html"
    md.write_text(render_markdown(diff), encoding="utf-8")
    html.write_text(render_html(diff), encoding="utf-8")
    return md, html, None


def _write_tool_schemas(path: Path, seed: int) -> Path:
    """The demo world's tools as JSON schemas, as the agent starts (API v1), for ``export grpo --tool-schemas``."""
    from ..demo import TOOL_DOCS, World

    world = World(seed)
    tools = [
        {
            "type": "function",
            "function": {
                "name": name,
                "description": TOOL_DOCS[name],
                "parameters": world.schema(name).model_json_schema(),
            },
        }
        for name in world.tools
    ]
    path.write_text(json.dumps(tools, indent=1) + "\n", encoding="utf-8")
    return path


@contextlib.contextmanager
def _removed_if_refused(out: Path, created: bool) -> Iterator[None]:
    """Remove the `out` folder this run created when the run stops before writing into it (a --db it
    cannot use): a refused run leaves nothing behind; a folder that was there is kept."""
    try:
        yield
    except BaseException:
        if created:
            with contextlib.suppress(OSError):
                out.rmdir()  # only when empty: what the run wrote stays
        raise


def run_demo(
    episodes: int = 300,
    seed: int = 0,
    out: Path = Path("skillevo-demo"),
    db: str | Path | None = None,
    *,
    block: int = 50,
    announce: bool = False,
    show_progress: bool = True,
) -> dict[str, Any]:
    """Run the demo; returns the paths written and the summaries (used by the CLI and the tests)."""
    from .. import EventKind, Evolver, SkillLibrary
    from .._lifecycle import LifecycleConfig
    from ..demo import POLICY_V1, add_authored_skills, block_table, plot_curves, summarize
    from ..demo._langgraph import run_langgraph
    from ..demo._runner import markdown_table

    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise fail(f"--out {out}: cannot create the output folder ({exc.strerror or exc})") from None
    with _removed_if_refused(out, created):
        db_path: str | Path = db if db is not None else out / "demo-skills.db"
        if db is None:
            # The demo's own library from an earlier run: replaced, it is this command's output.
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        upgrade_at = episodes // 2
        runs: dict[str, list[EpisodeResult]] = {}
        t0 = time.perf_counter()
        with SkillLibrary(db_path) as lib:
            db_path = lib.location if not isinstance(db_path, Path) else db_path  # a URL's password masked
            if lib.skills():
                raise fail(
                    f"{db_path} already holds skills; the demo needs an empty library (omit --db or pass a new one)"
                )
            evo = Evolver(
                lib,
                seed=seed,
                policy_version=POLICY_V1.version,
                lifecycle=LifecycleConfig(**DEMO_LIFECYCLE),
                cache_ttl_s=DEMO_CACHE_TTL_S,
                # Simulated episodes run back to back in milliseconds: mining in `finish()` gives them what
                # background mining gives a live agent whose episodes take seconds (and a seeded, repeatable run).
                mining="inline",
            )
            authored = add_authored_skills(evo)
            progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("success {task.fields[success]}"),
                TimeElapsedColumn(),
                console=console,
                disable=not show_progress,
            )
            with progress:
                for name, engine in (("without skillevo", None), ("with skillevo", evo)):
                    task_id = progress.add_task(f"{name:>17}", total=episodes, success="-")
                    done: list[EpisodeResult] = []

                    def tick(r: EpisodeResult, _t: Any = task_id, _d: list[EpisodeResult] = done) -> None:
                        _d.append(r)
                        rate = sum(x.success for x in _d[-50:]) / len(_d[-50:])
                        progress.update(_t, advance=1, success=f"{rate:.0%} (last 50)")

                    runs[name] = run_langgraph(
                        episodes, seed, engine, upgrade_at=upgrade_at, announce=announce, on_episode=tick
                    )
            elapsed = time.perf_counter() - t0
            md, html, why = _write_report(lib, out)
            skills = lib.skills()
            retired = [
                (str(e.version_id), str(e.data.get("reason", "")))
                for e in lib.events(kind=EventKind.LIFECYCLE)
                if e.data.get("to") == "retired" and e.version_id
            ]

        header, rows = block_table(runs, block=block)
        names = " -> ".join(runs)
        table = Table(
            title=f"{episodes} episodes, seed {seed}; each cell: {names}",
            caption=f"policy upgrade (v1 -> v2) at episode {upgrade_at + 1}",
        )
        for col in header:
            table.add_column(col, justify="right")
        for row in rows:
            table.add_row(*row)
        table_md = out / "table.md"
        table_md.write_text(f"Each cell: {names}.\n\n" + markdown_table(header, rows) + "\n", encoding="utf-8")
        plot: Path | None = None
        plot_note = None
        if importlib.util.find_spec("matplotlib") is not None:
            plot = plot_curves(runs, out / "learning_curves.png", upgrade_at=upgrade_at)
        else:
            plot_note = "matplotlib is not installed (pip install 'skillevo[demo]'): no plot"
        tools = _write_tool_schemas(out / "tools.json", seed)
        results = out / "results.json"
        results.write_text(
            json.dumps({k: [r.as_dict() for r in v] for k, v in runs.items()}, indent=1) + "\n", encoding="utf-8"
        )
        summary = {
            name: {
                "before": summarize(res[:upgrade_at]),
                "after": summarize(res[upgrade_at:]),
            }
            for name, res in runs.items()
        }
        return {
            "table": table,
            "table_md": table_md,
            "report_md": md,
            "report_html": html,
            "report_note": why,
            "plot": plot,
            "plot_note": plot_note,
            "results": results,
            "tools": tools,
            "db": db_path,
            "summary": summary,
            "skills": skills,
            "retired": retired,
            "authored": authored,
            "elapsed_s": elapsed,
            "runs": runs,
        }


def demo(
    episodes: Annotated[int, typer.Option("--episodes", min=10, help="Episodes per run (two runs).")] = 300,
    seed: Annotated[int, typer.Option("--seed", help="Seeds the world, the tasks and the policy.")] = 0,
    out: Annotated[Path, typer.Option("--out", help="Folder for the report, the plot and the results.")] = Path(
        "skillevo-demo"
    ),
    db: Annotated[
        str | None,  # a file or a postgresql:// URL (a Path would fold the URL's "//")
        typer.Option(
            "--db", help="Library for the run with skillevo, a file or URL (default: OUT/demo-skills.db, replaced)."
        ),
    ] = None,
    block: Annotated[int, typer.Option("--block", min=1, help="Episodes per row of the table.")] = 50,
    announce: Annotated[
        bool,
        typer.Option("--announce", help="Tell skillevo about the upgrade (set policy_version); default: a silent one."),
    ] = False,
) -> None:
    """Run the bundled demo world with and without skillevo and report what was learned."""
    _need("langchain", "pip install 'skillevo[demo]' (LangChain v1 and the skillevo-langgraph adapter)")
    _need("skillevo_langgraph", "pip install skillevo-langgraph (or 'skillevo[demo]')")
    console.print(
        f"[bold]skillevo demo[/]: {episodes} support tasks (travel + shop), a simulated agent that makes "
        "characteristic mistakes; the same seeded episodes without and with skillevo.\n"
        f"At episode {episodes // 2 + 1} the agent is upgraded and the flights API moves to v2 "
        "(search_flights' `date` becomes `departure_date`): one learned repair turns harmful. "
        + (
            "skillevo is told (policy_version is set)."
            if announce
            else "Nobody tells skillevo: it has to notice from outcomes."
        ),
        highlight=False,
    )
    res = run_demo(episodes, seed, out, db, block=block, announce=announce)
    console.print(res["table"])
    s = res["summary"]
    for phase in ("before", "after"):
        a, b = s["without skillevo"][phase], s["with skillevo"][phase]
        cut = 1 - b["failed_calls"] / a["failed_calls"] if a["failed_calls"] else 0.0
        console.print(
            f"{phase:>6} the upgrade: success {a['success']:.0%} -> {b['success']:.0%}, failed tool calls/episode "
            f"{a['failed_calls']:.2f} -> {b['failed_calls']:.2f} ({cut:.0%} fewer), model turns/episode "
            f"{a['model_turns']:.2f} -> {b['model_turns']:.2f}"
        )
    versions = [v for sk in res["skills"] for v in sk.versions]
    counts = {st: sum(v.status.value == st for v in versions) for st in ("active", "testing", "rejected", "retired")}
    console.print(
        f"library: {len(res['skills'])} skills; versions: " + ", ".join(f"{n} {st}" for st, n in counts.items())
    )
    by_id = {v.id: v for v in versions}
    for version_id, reason in res["retired"]:
        v = by_id.get(version_id)
        what = ""
        if v is not None and v.strategy.repair is not None:
            ops = [op.model_dump(exclude_none=True) for op in v.strategy.repair.ops]
            what = f", repair {json.dumps(ops, separators=(',', ':'))}"
        console.print(Text.assemble("  retired ", (version_id, "bold"), visible_text(f"{what}: {reason}")))
    console.print(f"finished in {res['elapsed_s']:.1f} s")
    console.print("wrote:")
    for label, key in (
        ("table", "table_md"),
        ("report (Markdown)", "report_md"),
        ("report (HTML)", "report_html"),
        ("plot", "plot"),
        ("episodes", "results"),
        ("tool schemas", "tools"),
        ("library", "db"),
    ):
        if res.get(key) is not None:
            console.print(f"  {label:<18} {res[key]}", highlight=False, soft_wrap=True, markup=False)
    for note in (res["report_note"], res["plot_note"]):
        if note:
            # Plain text: a note names a pip extra in brackets ('skillevo[demo]'), not markup.
            console.print(f"  note: {note}", highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    """Add ``demo`` to `app`."""
    app.command("demo")(demo)
