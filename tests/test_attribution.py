"""Credit that isolates a repair's effect: a repair is charged only the failures its site is about,
rides along with the call's retry, and is promoted only when its episodes do not score worse."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from skillevo import NULL_ARM, Evolver, SkillLibrary, VersionStatus
from skillevo._attribution import episode_key, reward_holds
from skillevo._lifecycle import LifecycleConfig
from skillevo._models import ArgCondition, CoerceArg, MapValue, Repair, SetArg, Strategy, Trigger, TriggerKind


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _tool(x: Any, y: Any) -> Any:
    if not isinstance(x, str):
        return f"Error: x {x} is not a string"
    if y != "good":
        return "Error: y is invalid"
    return {"ok": True}


def _skill(evo: Evolver, name: str, pattern: str, repair: Repair) -> str:
    version = evo.lifecycle.store.add_skill(
        name, Trigger(kind=TriggerKind.TOOL_ERROR, tool="t", pattern=pattern), Strategy(repair=repair)
    )
    evo.lifecycle.start(version.id)
    evo.invalidate()
    return version.id


def _counts(evo: Evolver, key: str, arm: str) -> tuple[float, float]:
    a, b = evo.selector.posterior(key, arm)
    return a - 1.0, b - 1.0


def test_a_repair_is_not_charged_a_failure_about_another_argument_and_is_credited_by_the_retry(
    lib: SkillLibrary,
) -> None:
    evo = Evolver(lib, seed=0, null_arm=False, cache_ttl_s=float("inf"), mining="inline", miner=None)
    fix_x = _skill(evo, "fix-x", r"\bx\b", Repair(ops=[CoerceArg(arg="x", to="str")],
                                                   precondition=[ArgCondition(arg="x", type="int")]))
    fix_y = _skill(evo, "fix-y", r"\by\b", Repair(ops=[MapValue(arg="y", mapping={"bad": "good"})]))
    with evo.episode(task="t") as ep:
        sent = ep.before_tool("t", {"x": 5, "y": "bad"})
        assert sent == {"x": "5", "y": "bad"}  # x repaired before the call
        result = _tool(**sent)
        assert ep.on_tool_result("t", sent, result)  # fails on y: not fix-x's business
        assert _counts(evo, "fix-x", fix_x) == (0.0, 0.0)
        retry = ep.on_tool_error("t", sent, result)
        assert retry == {"x": "5", "y": "good"}
        assert not ep.on_tool_result("t", retry, _tool(**retry))
        ep.finish(reward=1.0)
    assert _counts(evo, "fix-x", fix_x) == (1.0, 0.0)  # its edit was in the call that succeeded
    assert _counts(evo, "fix-y", fix_y) == (1.0, 0.0)
    assert _counts(evo, episode_key("fix-x"), fix_x) == (1.0, 0.0)


def test_a_failure_the_repair_is_about_is_charged(lib: SkillLibrary) -> None:
    evo = Evolver(lib, seed=0, null_arm=False, cache_ttl_s=float("inf"), mining="inline", miner=None)
    wrong = _skill(evo, "fix-x", r"\bx\b", Repair(ops=[CoerceArg(arg="x", to="float")],
                                                   precondition=[ArgCondition(arg="x", type="int")]))
    with evo.episode(task="t") as ep:
        sent = ep.before_tool("t", {"x": 5, "y": "good"})
        assert ep.on_tool_result("t", sent, _tool(**sent))  # "x 5.0 is not a string": its own site
        ep.finish(reward=0.0)
    assert _counts(evo, "fix-x", wrong) == (0.0, 1.0)


def test_unattributed_failures_with_no_retry_credit_nothing(lib: SkillLibrary) -> None:
    evo = Evolver(lib, seed=0, null_arm=False, cache_ttl_s=float("inf"), mining="inline", miner=None)
    fix_x = _skill(evo, "fix-x", r"\bx\b", Repair(ops=[CoerceArg(arg="x", to="str")],
                                                   precondition=[ArgCondition(arg="x", type="int")]))
    with evo.episode(task="t") as ep:
        sent = ep.before_tool("t", {"x": 5, "y": "worse"})
        result = _tool(**sent)
        assert ep.on_tool_result("t", sent, result)
        assert ep.on_tool_error("t", sent, result) is None
        ep.finish(reward=0.0)
    assert _counts(evo, "fix-x", fix_x) == (0.0, 0.0)


def test_a_repair_whose_episodes_score_worse_is_not_promoted(lib: SkillLibrary) -> None:
    """Every call it changes succeeds, but the episodes it runs in fail (a semantic change)."""
    config = LifecycleConfig(min_updates=3, min_episodes=3)
    evo = Evolver(lib, seed=0, cache_ttl_s=float("inf"), mining="inline", miner=None, lifecycle=config)
    version = _skill(evo, "fix-x", r"\bx\b", Repair(ops=[CoerceArg(arg="x", to="str")],
                                                     precondition=[ArgCondition(arg="x", type="int")]))
    for i in range(60):
        with evo.episode(task=f"t{i}") as ep:
            sent = ep.before_tool("t", {"x": i, "y": "good"})
            failed = ep.on_tool_result("t", sent, {"ok": True})
            assert not failed
            ep.finish(reward=0.0 if isinstance(sent["x"], str) else 1.0)
    assert not reward_holds(evo.selector, "fix-x", version)
    assert lib.version(version).status is not VersionStatus.ACTIVE


def test_reward_holds_needs_episodes_on_both_sides(lib: SkillLibrary) -> None:
    evo = Evolver(lib, seed=0, miner=None)
    for _ in range(10):
        evo.ledger.credit(episode_key("k"), "v", 0.0)
    assert reward_holds(evo.selector, "k", "v")  # no null-arm episodes yet: not judged
    for _ in range(10):
        evo.ledger.credit(episode_key("k"), NULL_ARM, 1.0)
    assert not reward_holds(evo.selector, "k", "v")


def test_a_repair_that_made_a_call_fail_is_not_applied_to_the_same_call_again_in_the_episode(
    lib: SkillLibrary,
) -> None:
    evo = Evolver(lib, seed=0, null_arm=False, cache_ttl_s=float("inf"), mining="inline", miner=None)
    _skill(evo, "fix-x", r"\bx\b", Repair(ops=[CoerceArg(arg="x", to="float")],
                                          precondition=[ArgCondition(arg="x", type="int")]))
    with evo.episode(task="t") as ep:
        first = ep.before_tool("t", {"x": 5, "y": "good"})
        assert first == {"x": 5.0, "y": "good"}
        assert ep.on_tool_result("t", first, _tool(**first))  # its own kind of failure
        again = ep.before_tool("t", {"x": 5, "y": "good"})  # the model sends the same call again
        assert again == {"x": 5, "y": "good"}
        other = ep.before_tool("t", {"x": 6, "y": "good"})  # another call: still repaired
        assert other == {"x": 6.0, "y": "good"}
        ep.finish(reward=0.0)


def test_a_repair_whose_call_failed_on_another_argument_error_is_not_applied_to_the_same_call_again(
    lib: SkillLibrary,
) -> None:
    # A constant written into a call ("card not registered" in a real tool): the error is not the
    # skill's business (not charged), but re-sending the same call with the same edit fails the same way.
    evo = Evolver(lib, seed=0, null_arm=False, cache_ttl_s=float("inf"), mining="inline", miner=None)
    _skill(evo, "set-y", r"\bmissing\b", Repair(ops=[SetArg(arg="y", value="bad")],
                                                precondition=[ArgCondition(arg="y", present=False)]))
    with evo.episode(task="t") as ep:
        first = ep.before_tool("t", {"x": "a"})
        assert first == {"x": "a", "y": "bad"}
        assert ep.on_tool_result("t", first, _tool(**first))  # "y is invalid": not the skill's class
        again = ep.before_tool("t", {"x": "a"})  # the model sends the same call again
        assert again == {"x": "a"}
        other = ep.before_tool("t", {"x": "b"})  # another call: still repaired
        assert other == {"x": "b", "y": "bad"}
        ep.finish(reward=0.0)
    # A rate limit says nothing about the arguments: the same call keeps its repair.
    with evo.episode(task="t") as ep:
        first = ep.before_tool("t", {"x": "a"})
        assert ep.on_tool_result("t", first, "Error: 429 Too Many Requests, retry after 1 s")
        assert ep.before_tool("t", {"x": "a"}) == {"x": "a", "y": "bad"}
        ep.finish(reward=1.0)


def test_a_rate_limit_is_not_charged_to_an_argument_repair_that_names_no_error(lib: SkillLibrary) -> None:
    evo = Evolver(lib, seed=0, null_arm=False, cache_ttl_s=float("inf"), mining="inline", miner=None)
    version = lib.add_skill("conv-x", Trigger(kind=TriggerKind.BEFORE_TOOL, tool="t"), Strategy(
        repair=Repair(ops=[CoerceArg(arg="x", to="str")], precondition=[ArgCondition(arg="x", type="int")])))
    evo.lifecycle.start(version.id)
    evo.invalidate()
    with evo.episode(task="t") as ep:
        sent = ep.before_tool("t", {"x": 5, "y": "good"})
        assert sent["x"] == "5"
        assert ep.on_tool_result("t", sent, "Error: 429 Too Many Requests, retry after 1 s")
        ep.finish(reward=1.0)
    assert _counts(evo, "conv-x", version.id) == (0.0, 0.0)
