"""The trigger index's caches are bounded: a long-lived process that meets ever new tool names (a model
inventing them, tools registered per tenant) does not grow without end, and what it evicts is read
again correctly."""

from __future__ import annotations

from pathlib import Path

from skillevo import Evolver, SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus
from skillevo._triggers import MAX_CACHED


def _one_call(evo: Evolver, tool: str) -> None:
    ep = evo.episode(task="t")
    ep.guidance(tools=[tool])
    args = ep.before_tool(tool, {"x": 1})
    ep.on_tool_result(tool, args, "ok")
    ep.finish(1.0)


def _sizes(evo: Evolver) -> list[int]:
    index = evo.triggers
    return [len(index._matches), len(index._derived_views), len(index._plans)]


def test_caches_stay_bounded_under_endless_new_tool_names(tmp_path: Path) -> None:
    with SkillLibrary(tmp_path / "lib.db") as lib:
        evo = Evolver(lib, seed=0, cache_ttl_s=1e9)  # nothing expires: only the bound can evict
        for i in range(MAX_CACHED * 2 + 50):
            _one_call(evo, f"tool_{i}")
        assert all(size <= MAX_CACHED for size in _sizes(evo)), _sizes(evo)


def test_an_evicted_tool_is_read_again_with_its_skill(tmp_path: Path) -> None:
    with SkillLibrary(tmp_path / "lib.db") as lib:
        lib.add_skill(
            "hint",
            Trigger(kind=TriggerKind.BEFORE_TOOL, tool="first"),
            Strategy(guidance="Send x as a string."),
            status=VersionStatus.ACTIVE,
        )
        evo = Evolver(lib, seed=0, cache_ttl_s=1e9, null_arm=False)
        assert "Send x as a string." in evo.episode(task="t").guidance(tools=["first"])
        for i in range(MAX_CACHED * 2 + 50):  # pushes "first" out of every cache
            _one_call(evo, f"tool_{i}")
        assert "Send x as a string." in evo.episode(task="t").guidance(tools=["first"])
