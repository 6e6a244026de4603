"""Two identical calls waiting at once (one model turn asking the same tool with the same arguments
twice: LangGraph's ToolNode runs a turn's calls concurrently) are two outcomes: each credits the
arms waiting on its own call, once. Before, the first result credited both calls' arms with its
outcome and the second result credited nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._attribution import episode_key
from skillevo._models import ArgCondition, CoerceArg, Repair, Strategy, Trigger, TriggerKind


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _evolver(lib: SkillLibrary) -> tuple[Evolver, str]:
    evo = Evolver(lib, seed=0, null_arm=False, cache_ttl_s=float("inf"), mining="inline", miner=None)
    repair = Repair(ops=[CoerceArg(arg="x", to="str")], precondition=[ArgCondition(arg="x", type="int")])
    version = lib.add_skill("fix-x", Trigger(kind=TriggerKind.TOOL_ERROR, tool="t", pattern=r"\bx\b"),
                            Strategy(repair=repair))
    evo.lifecycle.start(version.id)
    evo.invalidate()
    return evo, version.id


def _counts(evo: Evolver, key: str, arm: str) -> tuple[float, float]:
    a, b = evo.selector.posterior(key, arm)
    return a - 1.0, b - 1.0


@pytest.mark.parametrize("first_fails", [True, False])
def test_each_of_two_identical_calls_credits_its_arm_once_with_its_own_outcome(
    lib: SkillLibrary, first_fails: bool
) -> None:
    evo, fix = _evolver(lib)
    failed, ok = "Error: x is not accepted here", {"ok": True}
    with evo.episode(task="t") as ep:
        one = ep.before_tool("t", {"x": 5})
        two = ep.before_tool("t", {"x": 5})
        assert one == two == {"x": "5"}
        ep.on_tool_result("t", one, failed if first_fails else ok)
        ep.on_tool_result("t", two, ok if first_fails else failed)
        ep.finish(reward=1.0)
    assert _counts(evo, "fix-x", fix) == (1.0, 1.0)  # one success, one failure: two calls, two outcomes
    assert _counts(evo, episode_key("fix-x"), fix) == (1.0, 0.0)  # the episode: once


def test_a_call_paused_while_its_twin_runs_leaves_the_twins_arms_waiting(lib: SkillLibrary) -> None:
    evo, fix = _evolver(lib)
    with evo.episode(task="t") as ep:
        one = ep.before_tool("t", {"x": 5})
        two = ep.before_tool("t", {"x": 5})
        ep._tools.paused("t", {"x": 5}, one)  # a graph interrupt stops one of them
        ep.on_tool_result("t", two, {"ok": True})
        ep.finish(reward=1.0)
    assert _counts(evo, "fix-x", fix) == (1.0, 0.0)
