"""A site chosen for its guidance whose versions also repair keeps its episode reward for the
promotion check (`_attribution.reward_holds`) only when its arm did something in the episode: its
guidance reached a prompt, or its repair came into play at a call. Before, an arm whose guidance
the token budget left out and whose repair never acted was credited the episode's reward."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._attribution import episode_key
from skillevo._models import ArgCondition, CoerceArg, Repair, Strategy, Trigger, TriggerKind

# About 60 tokens each: a budget of 100 holds one of them, never both.
_FIRST = "Check the order number against the customer's list of orders before refunding. " * 3
_SECOND = "Quote the booking reference exactly as the customer wrote it in the request. " * 3
_REPAIR = Repair(ops=[CoerceArg(arg="x", to="str")], precondition=[ArgCondition(arg="x", type="int")])


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _evolver(lib: SkillLibrary) -> tuple[Evolver, str]:
    evo = Evolver(lib, seed=0, null_arm=False, cache_ttl_s=float("inf"), mining="inline", miner=None,
                  guidance_budget_tokens=100)
    for name, strategy in (("a-orders", Strategy(guidance=_FIRST)),
                           ("b-booking", Strategy(guidance=_SECOND, repair=_REPAIR))):
        version = lib.add_skill(name, Trigger(kind=TriggerKind.TOOL_ERROR, tool="t", pattern=r"\bx\b"), strategy)
        evo.lifecycle.start(version.id)
    evo.invalidate()
    return evo, lib.skill("b-booking").versions[0].id


def _episode_counts(evo: Evolver, arm: str) -> tuple[float, float]:
    a, b = evo.selector.posterior(episode_key("b-booking"), arm)
    return a - 1.0, b - 1.0


def _left_out(ep: object) -> None:
    text = ep.guidance(tools=["t"])  # type: ignore[attr-defined]
    assert "order number" in text and "booking reference" not in text  # the budget left it out
    assert any(a.key == "b-booking" and a.kind == "guidance" for a in ep.episode.applied)  # type: ignore[attr-defined]


def test_an_arm_whose_guidance_was_left_out_and_whose_repair_never_acted_gets_no_episode_reward(
    lib: SkillLibrary,
) -> None:
    evo, fix = _evolver(lib)
    with evo.episode(task="t") as ep:
        _left_out(ep)
        sent = ep.before_tool("t", {"x": "already text"})  # its precondition does not hold: no repair
        ep.on_tool_result("t", sent, {"ok": True})
        ep.finish(reward=1.0)
    assert _episode_counts(evo, fix) == (0.0, 0.0)
    with evo.episode(task="t") as ep:  # nor a reward that arrives later
        _left_out(ep)
        ep.finish()
    evo.feedback(ep.id, 0.0)
    assert _episode_counts(evo, fix) == (0.0, 0.0)


def test_the_same_arm_whose_repair_acted_keeps_its_episode_reward(lib: SkillLibrary) -> None:
    evo, fix = _evolver(lib)
    with evo.episode(task="t") as ep:
        _left_out(ep)
        sent = ep.before_tool("t", {"x": 5})
        assert sent == {"x": "5"}  # its repair acted
        ep.on_tool_result("t", sent, {"ok": True})
        ep.finish(reward=1.0)
    assert _episode_counts(evo, fix) == (1.0, 0.0)
