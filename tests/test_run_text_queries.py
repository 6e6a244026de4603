"""Text from a run (tool names, tasks, error text, results) reaches every query as something the
database can bind: NUL and lone surrogates are mended as stored text was, never a driver error."""

from __future__ import annotations

import pytest

from skillevo import EventKind, Evolver, Repair, SetArg, SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus
from skillevo._regex import fullmatch, search

TOOLS = ["wea\x00ther", "wea\ud800ther", "\udfffweather\x00"]


def _weather(args: dict[str, object]) -> str:
    if "units" not in args:
        raise ValueError(f"missing units \x00 for {args['city']!r}")
    return f"sunny \x00 in {args['city']} \ud800"


def _run(evo: Evolver, tool: str) -> int:
    """One episode on `tool`; the model's extra turns (0 when a learned repair fixed the call)."""
    turns = 0
    with evo.episode(task="weather \x00 in Oslo \ud800") as ep:
        args = ep.before_tool(tool, {"city": "Oslo\x00\ud800"})
        try:
            ep.on_tool_result(tool, args, _weather(args))
        except ValueError as exc:
            retry = ep.on_tool_error(tool, args, exc)
            if retry is None:
                turns += 1
                retry = ep.before_tool(tool, {**args, "units": "C"})
            ep.on_tool_result(tool, retry, _weather(retry))
        ep.guidance()
        ep.finish(1.0)
    return turns


@pytest.mark.parametrize("tool", TOOLS)
def test_a_tool_name_no_database_holds_is_recorded_learned_and_looked_up(store: SkillLibrary, tool: str) -> None:
    evo = Evolver(store, seed=0, sandbox=None, mining="inline")
    for _ in range(5):
        _run(evo, tool)
    store.flush()
    assert store.count_episodes() == 5  # every episode kept
    stored_tool = store.events(kind=EventKind.TOOL_CALL)[0].tool
    assert stored_tool is not None and stored_tool.encode("utf-8")  # no lone surrogate left
    assert len(store.events(kind=EventKind.TOOL_CALL, tool=tool)) == 10  # found by the run's own name


@pytest.mark.parametrize("tool", ["wea\x00ther", "wea\\ther\t"])  # a trigger holds no lone surrogate
def test_a_repair_added_for_such_a_tool_is_found_and_applied(store: SkillLibrary, tool: str) -> None:
    version = store.add_skill(
        "odd-tool", Trigger(kind=TriggerKind.TOOL_ERROR, tool=tool, pattern="missing units"),
        Strategy(repair=Repair(ops=[SetArg(arg="units", value="C")])), status=VersionStatus.ACTIVE,
    )
    assert [s.name for s in store.match(TriggerKind.TOOL_ERROR, tool)] == ["odd-tool"]
    evo = Evolver(store, miner=None, seed=1, sandbox=None, null_arm=False)
    assert _run(evo, tool) == 0  # repaired: no extra model turn
    store.flush()
    assert store.events(kind=EventKind.REPAIR)[0].version_id == version.id


@pytest.mark.parametrize("bad", ["\udc80", "\ud800", "\x00"])
def test_a_learned_trigger_matches_an_error_text_utf8_cannot_encode(bad: str) -> None:
    lib = SkillLibrary(":memory:")
    lib.add_skill(
        "add-units", Trigger(kind=TriggerKind.TOOL_ERROR, tool="weather", pattern="missing units .* for"),
        Strategy(repair=Repair(ops=[SetArg(arg="units", value="C")])), status=VersionStatus.ACTIVE,
    )
    evo = Evolver(lib, miner=None, seed=1, sandbox=None, null_arm=False)
    with evo.episode(task="t") as ep:
        args = ep.before_tool("weather", {"city": "Oslo"})
        retry = ep.on_tool_error("weather", args, ValueError(f"missing units {bad} for Oslo {bad}"))
        assert retry == {"city": "Oslo", "units": "C"}  # matched, not a caught UnicodeEncodeError
        ep.finish(1.0)
    assert search("units \ufffd for", f"missing units {bad} for Oslo")  # as the store keeps the text
    assert fullmatch("a.b", f"a{bad}b")
