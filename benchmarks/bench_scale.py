"""What skillevo costs as the library grows: a large library against a small one, in load-free counts.

Two libraries are built through the public API: *small* (the probes' own skills, 1,000 episodes) and
*large* (the same probes plus ``--skills`` skills on 500 other tools, ``--episodes`` episodes of one
call each, every tenth with a failed call and its corrected retry). On each, every operation below
is counted, not timed (the machine is shared): Python function calls (cProfile) and SQL statements
sent to the store (SQLite's trace callback: a round trip each on a networked store, less the
pipelined ones). Printed per operation: small, large, and large / small. An operation whose ratio
grows with the library is a cost of the library's size.

* ``call none|one|many``: one warm tool call (``before_tool`` and ``on_tool_result``; the trigger
  cache filled) of a tool with no skill, one pre-emptive repair, twenty skills;
* ``call, cache expired``: the same call just after the trigger cache's TTL ran out (one in every
  ``cache_ttl_s`` seconds per tool);
* ``call held import``: a failed call of a tool whose imported repair waits for evidence, once its
  hold's TTL ran out (the hold is looked at again: counted are the caller thread's Python calls and
  the statements sent while the call ran); ``call held, warm``: the same call within the TTL;
* ``finish clean|failed``: ``finish()`` of an episode without, and with, a failed call (mining inline);
* ``check_proposal``: the miner's admission check of one proposal;
* ``review list``, ``diff``, ``export skills``: the CLI commands.

Run: ``.venv/bin/python benchmarks/bench_scale.py [--skills 5000] [--episodes 100000] [--cache DIR]``
(the large library takes a few minutes to build; ``--cache`` keeps it between runs).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import math
import pstats
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from skillevo import (
    ArgCondition,
    Episode,
    Event,
    EventKind,
    Evolver,
    MapValue,
    ReformatDate,
    Repair,
    SkillLibrary,
    Strategy,
    Trigger,
    TriggerKind,
    VersionStatus,
)
from skillevo import _sqlite as sqlite_module

TOOLS = 500
#: SQL statements counted since the start (every connection opened while counting is traced).
STATEMENTS = [0]


def _counting_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
    conn = _connect(*args, **kwargs)
    conn.set_trace_callback(lambda _sql: STATEMENTS.__setitem__(0, STATEMENTS[0] + 1))
    return conn


_connect = sqlite3.connect
sqlite_module.sqlite3.connect = _counting_connect  # type: ignore[assignment]


def _probes(lib: SkillLibrary) -> None:
    """The skills the calls meet: one pre-emptive repair, twenty skills on one tool, a held import."""
    date = Repair(ops=[ReformatDate(arg="date")], precondition=[ArgCondition(arg="date", regex=r"\d\d/\d\d/\d{4}")])
    lib.add_skill("fix-date", Trigger(kind=TriggerKind.BEFORE_TOOL, tool="one"), Strategy(repair=date),
                  status=VersionStatus.ACTIVE)
    for i in range(20):
        kind = TriggerKind.BEFORE_TOOL if i % 2 else TriggerKind.TOOL_ERROR
        repair = Repair(ops=[MapValue(arg=f"a{i}", mapping={"x": "y"})],
                        precondition=[ArgCondition(arg=f"a{i}", present=True)] if i % 2 else None)
        lib.add_skill(f"many-{i}", Trigger(kind=kind, tool="many"), Strategy(repair=repair), status=VersionStatus.ACTIVE)
    held = lib.add_skill("held-map", Trigger(kind=TriggerKind.TOOL_ERROR, tool="held"),
                         Strategy(repair=Repair(ops=[MapValue(arg="status", mapping={"open": "Open"})])),
                         status=VersionStatus.TESTING)
    # What an import writes for each version it stores (`skillevo._probation.imported` reads it).
    lib.log_events([Event(kind=EventKind.PROPOSAL, version_id=held.id, data={"miner": "import"})])


def _filler(lib: SkillLibrary, n: int) -> None:
    for i in range(n):
        tool = f"tool_{i % TOOLS}"
        if i % 2:
            strategy = Strategy(repair=Repair(ops=[MapValue(arg=f"f{i % 7}", mapping={f"v{i}": f"V{i}"})]))
        else:
            strategy = Strategy(guidance=f"Send field f{i % 7} as documented (rule {i}).")
        lib.add_skill(f"s{i}", Trigger(kind=TriggerKind.TOOL_ERROR, tool=tool), strategy, status=VersionStatus.ACTIVE)


def _template(lib: SkillLibrary) -> tuple[list[Event], list[Event]]:
    """One clean and one failed-then-corrected episode's events, recorded by a real episode."""
    evo = Evolver(lib, miner=None, sandbox=None)
    out = []
    for failed in (False, True):
        ep = evo.episode(task="t")
        if failed:
            bad = {"status": "open", "id": 1}
            ep.before_tool("held", bad)
            ep.on_tool_error("held", bad, ValueError("invalid status 'open': expected one of OPEN, CLOSED"))
        good = {"status": "OPEN", "id": 1}
        ep.before_tool("held", good)
        ep.on_tool_result("held", good, "ok")
        out.append([e.model_copy(update={"id": None, "episode_id": None}) for e in ep.events])
        ep.finish(1.0)
    evo.close()
    return out[0], out[1]


def _retool(events: list[Event], tool: str, i: int) -> list[Event]:
    def args(e: Event) -> dict[str, Any]:
        data = dict(e.data)
        if isinstance(data.get("args"), dict):
            data["args"] = {**data["args"], "id": i}
        return data

    return [e.model_copy(update={"tool": tool if e.tool else None, "data": args(e)}) for e in events]


def build(path: Path, skills: int, episodes: int) -> None:
    with SkillLibrary(path) as lib:
        with lib.transaction():
            _probes(lib)
            _filler(lib, skills)
        clean, failed = _template(lib)
        for start in range(0, episodes, 500):
            with lib.transaction():
                for i in range(start, min(episodes, start + 500)):
                    # Every tenth episode failed and corrected a call; a quarter of those on `held`.
                    tool = "held" if i % 40 == 0 else f"tool_{i % TOOLS}"
                    events = _retool(failed if i % 10 == 0 else clean, tool, i)
                    lib.save_episode(Episode(task=f"task {i}", reward=1.0), events)


@contextlib.contextmanager
def counted() -> Iterator[dict[str, int]]:
    out: dict[str, int] = {}
    prof = cProfile.Profile()
    before = STATEMENTS[0]
    prof.enable()
    try:
        yield out
    finally:
        prof.disable()
        out["sql"] = STATEMENTS[0] - before
        out["calls"] = pstats.Stats(prof).total_calls  # type: ignore[attr-defined]


def _call(evo: Evolver, tool: str, args: dict[str, Any], n: int = 20) -> dict[str, int]:
    ep = evo.episode(task="probe")
    ep.before_tool(tool, args)  # fills the trigger cache
    ep.on_tool_result(tool, args, "ok")
    with counted() as c:
        for _ in range(n):
            ep.before_tool(tool, args)
            ep.on_tool_result(tool, args, "ok")
    ep.finish(1.0)
    return {k: v // n for k, v in c.items()}


def _call_with(evo: Evolver, call: Callable[[Any], None], n: int = 5) -> dict[str, int]:
    ep = evo.episode(task="probe")
    call(ep)
    with counted() as c:
        for _ in range(n):
            call(ep)
    ep.finish(1.0)
    return {k: v // n for k, v in c.items()}


def _expired(evo: Evolver, tool: str, args: dict[str, Any]) -> dict[str, int]:
    ep = evo.episode(task="probe")
    evo.triggers.invalidate()
    evo.gate.clear()
    with counted() as c:
        ep.before_tool(tool, args)
        ep.on_tool_result(tool, args, "ok")
    ep.finish(1.0)
    return c


def _held_call(ep: Any) -> None:
    bad = {"status": "open", "id": 0}
    ep.before_tool("held", bad)
    ep.on_tool_error("held", bad, ValueError("invalid status 'open': expected one of OPEN, CLOSED"))


def _held(evo: Evolver) -> dict[str, int]:
    ep = evo.episode(task="probe")
    _held_call(ep)
    # The hold's TTL runs out (every `_HELD_TTL_S`): its answer is made old.
    for holds in (evo.gate._holds, evo.gate._text_holds):
        holds._held.update(dict.fromkeys(holds._held, -math.inf))
    with counted() as c:
        _held_call(ep)
    settle = getattr(evo.gate, "settle", None)
    if settle is not None:  # a check handed to the background: not the call's cost
        settle(60.0)
    ep.finish(1.0)
    return c


def _finish(evo: Evolver, failed: bool, i: int) -> dict[str, int]:
    ep = evo.episode(task=f"probe {i}")
    if failed:
        bad = {"date": f"03/{i % 28 + 1:02d}/2025", "city": "Oslo"}
        ep.before_tool("book", bad)
        ep.on_tool_error("book", bad, ValueError(f"invalid date '{bad['date']}': expected format YYYY-MM-DD"))
    good = {"date": f"2025-03-{i % 28 + 1:02d}", "city": "Oslo"}
    ep.before_tool("book", good)
    ep.on_tool_result("book", good, "booked")
    with counted() as c:
        ep.finish(1.0)
    return c


def _check_proposal(lib: SkillLibrary) -> dict[str, int]:
    from skillevo import Proposal
    from skillevo._mining import check_proposal

    proposal = Proposal(name="new-idea", description="Send dates as YYYY-MM-DD.",
                        trigger=Trigger(kind=TriggerKind.TOOL_ERROR, tool="tool_3"),
                        strategy=Strategy(guidance="Send dates as YYYY-MM-DD."))
    with counted() as c:
        check_proposal(proposal, lib)
    return c


def _cli(argv: list[str]) -> dict[str, int]:
    from skillevo.cli import main

    with counted() as c, contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        main(argv)
    return c


def measure(path: Path, work: Path) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    copy = work / "lib.db"
    shutil.copy(path, copy)
    with SkillLibrary(copy) as lib:
        evo = Evolver(lib, sandbox=None, mining="inline")
        out["call none"] = _call(evo, "none", {"x": 1})
        out["call one"] = _call(evo, "one", {"date": "05/01/2025"})
        out["call many"] = _call(evo, "many", {f"a{i}": "x" for i in range(20)})
        out["call, cache expired"] = _expired(evo, "many", {"a1": "x"})
        out["call held import"] = _held(evo)
        out["call held, warm"] = _call_with(evo, _held_call)
        _finish(evo, False, 0)
        out["finish clean"] = _finish(evo, False, 1)
        _finish(evo, True, 2)
        out["finish failed"] = _finish(evo, True, 3)
        out["check_proposal"] = _check_proposal(lib)
        evo.close()
    out["review list"] = _cli(["review", "list", "--db", str(copy)])
    out["diff"] = _cli(["diff", "--db", str(copy), "--since", "1h"])
    out["export skills"] = _cli(["export", "skills", str(work / "out"), "--db", str(copy)])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skills", type=int, default=5000)
    parser.add_argument("--episodes", type=int, default=100_000)
    parser.add_argument("--cache", type=Path, default=None, help="keep the built libraries here")
    parser.add_argument("--only", default=None, help="measure only operations whose name starts with this")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.cache or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        libs = {"small": (root / "small.db", 0, 1000),
                "large": (root / f"large-{args.skills}-{args.episodes}.db", args.skills, args.episodes)}
        results = {}
        for label, (path, skills, episodes) in libs.items():
            if not path.exists():
                t0 = time.perf_counter()
                build(path.with_suffix(".tmp"), skills, episodes)
                path.with_suffix(".tmp").rename(path)
                print(f"built {label}: {skills} skills, {episodes} episodes in {time.perf_counter() - t0:.0f} s")
            work = Path(tmp) / label
            work.mkdir(exist_ok=True)
            results[label] = measure(path, work)
    print(f"\n{'operation':24} {'calls small':>12} {'large':>10} {'ratio':>7}   {'SQL small':>9} {'large':>7} {'ratio':>7}")
    for op, small in results["small"].items():
        if args.only and not op.startswith(args.only):
            continue
        large = results["large"][op]
        print(f"{op:24} {small['calls']:>12,} {large['calls']:>10,} {_ratio(large['calls'], small['calls']):>7}"
              f"   {small['sql']:>9,} {large['sql']:>7,} {_ratio(large['sql'], small['sql']):>7}")


def _ratio(a: int, b: int) -> str:
    return f"x{a / b:.2f}" if b else ("x1.00" if not a else "-")


if __name__ == "__main__":
    main()
