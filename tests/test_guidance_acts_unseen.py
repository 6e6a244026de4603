"""Guidance whose own version does what it says before the model sees the mistake (a pre-emptive
repair, a retry of an outage) leaves the prompt once the episode's tool calls go through
`before_tool`: the text would only dilute the ones the model has to act on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._guidance import acts_unseen
from skillevo._models import ArgCondition, EventKind, Pad, Repair, Retry, Strategy, Trigger, TriggerKind


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _evolver(lib: SkillLibrary) -> Evolver:
    return Evolver(lib, seed=0, null_arm=False, cache_ttl_s=float("inf"), mining="inline", miner=None)


def _skill(evo: Evolver, name: str, strategy: Strategy) -> str:
    version = evo.lifecycle.store.add_skill(name, Trigger(kind=TriggerKind.TOOL_ERROR, tool="refund"), strategy)
    evo.lifecycle.start(version.id)
    evo.invalidate()
    return version.id


_PAD = Pad(arg="order_id", width=8, fill="0", side="left")
_SHORT = [ArgCondition(arg="order_id", regex=r"\d{1,7}")]
_PAD_TEXT = "When calling `refund`: pad `order_id` with zeros to 8 digits."
_RETRY_TEXT = "When `refund` fails with a rate limit error, wait and retry the same call."
_TOLD_TEXT = "When calling `refund`: the `amount` is a number of the order's currency."


def test_a_preemptive_repairs_text_leaves_the_prompt_once_calls_go_through_skillevo(lib: SkillLibrary) -> None:
    evo = _evolver(lib)
    padded = _skill(evo, "refund-pad", Strategy(guidance=_PAD_TEXT, repair=Repair(ops=[_PAD], precondition=_SHORT)))
    _skill(evo, "refund-retry", Strategy(guidance=_RETRY_TEXT, repair=Repair(ops=[Retry(backoff_s=0.0)])))
    _skill(evo, "refund-amount", Strategy(guidance=_TOLD_TEXT))
    with evo.episode(task="refund order 123") as ep:
        first = ep.guidance(tools=["refund"])
        # Before any call nothing says the calls go through skillevo: every text is shown.
        assert "pad `order_id`" in first and "rate limit" in first and "`amount`" in first
        assert ep.before_tool("refund", {"order_id": "123", "amount": 1.0}) == {"order_id": "00000123", "amount": 1.0}
        ep.on_tool_result("refund", {"order_id": "00000123", "amount": 1.0}, "ok")
        later = ep.guidance(tools=["refund"])
        assert "`amount`" in later  # the model has to act on this one
        assert "pad `order_id`" not in later and "rate limit" not in later
        ep.finish(reward=1.0)
    # The repair was still applied and credited by its call.
    a, _ = evo.selector.posterior("refund-pad", padded)
    assert a > 1.0
    shown = [e.data.get("skill") for e in evo.store.events(episode_id=ep.id) if e.kind is EventKind.GUIDANCE]
    assert "refund-amount" in shown


def test_without_tool_hooks_every_text_stays(lib: SkillLibrary) -> None:
    evo = _evolver(lib)
    _skill(evo, "refund-pad", Strategy(guidance=_PAD_TEXT, repair=Repair(ops=[_PAD], precondition=_SHORT)))
    with evo.episode(task="refund order 123") as ep:
        # A framework that only asks for guidance (no tool hooks): the repair never acts, the text stays.
        assert all("pad `order_id`" in ep.guidance(tools=["refund"]) for _ in range(3))
        ep.finish(reward=1.0)


def test_which_versions_act_unseen(lib: SkillLibrary) -> None:
    evo = _evolver(lib)
    _skill(evo, "a", Strategy(guidance=_PAD_TEXT, repair=Repair(ops=[_PAD], precondition=_SHORT)))
    _skill(evo, "b", Strategy(guidance=_RETRY_TEXT, repair=Repair(ops=[Retry()])))
    _skill(evo, "c", Strategy(guidance=_PAD_TEXT, repair=Repair(ops=[_PAD])))  # after an error: a failed call first
    _skill(evo, "d", Strategy(guidance=_TOLD_TEXT))
    unseen = {s.name: acts_unseen(s.versions[0]) for s in lib.skills()}
    assert unseen == {"a": True, "b": True, "c": False, "d": False}


def test_an_after_error_repairs_text_stays(lib: SkillLibrary) -> None:
    evo = _evolver(lib)
    _skill(evo, "refund-pad", Strategy(guidance=_PAD_TEXT, repair=Repair(ops=[_PAD])))
    with evo.episode(task="refund order 123") as ep:
        ep.guidance(tools=["refund"])
        ep.before_tool("refund", {"order_id": "123"})
        ep.on_tool_result("refund", {"order_id": "123"}, "ok")
        # The model's mistake would still cost a failed call before the repair: the text is worth its tokens.
        assert "pad `order_id`" in ep.guidance(tools=["refund"])
        ep.finish(reward=1.0)
