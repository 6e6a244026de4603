"""Guidance drawn from a tool's schema is judged by the argument it concerns, not by the tool's failures.

A "`path` is required" line is tested by whether the tool's later calls still leave `path` out:
a failure of the tool on something else (a full disk, another argument) says nothing about it, and
charging it would drown a small effect in the tool's other failures. The call that revealed the
mistake is the null arm's first observation (the model, told nothing, made it).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from skillevo import NULL_ARM, Evolver, SkillLibrary
from skillevo._models import EventKind

SAVE = {"save": {"properties": {"path": {"type": "string"}, "text": {"type": "string"}}, "required": ["path", "text"]}}


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _evo(lib: SkillLibrary) -> Evolver:
    evo = Evolver(lib, seed=0, cache_ttl_s=float("inf"), mining="inline")
    evo.register_tools(SAVE)
    return evo


def _guidance_credits(events: list[Any], key: str) -> list[float]:
    return [e.data["reward"] for e in events
            if e.kind is EventKind.CREDIT and e.data.get("key") == key and e.data.get("source") == "tool_calls"]


def _reveal(evo: Evolver) -> str:
    """One episode whose call leaves out `path`: the schema's guidance candidate is proposed."""
    with evo.episode(task="t0") as ep:
        sent = ep.before_tool("save", {"text": "hi"})
        assert ep.on_tool_result("save", sent, "Error: path is required")
        ep.on_tool_error("save", sent, "Error: path is required")
        ep.finish(reward=0.0)
    (skill,) = [s for s in evo.store.skills() if s.versions[0].strategy.guidance]
    return skill.name


def test_the_revealing_call_is_the_null_arms_first_observation(lib: SkillLibrary) -> None:
    evo = _evo(lib)
    key = _reveal(evo)
    alpha, beta = evo.selector.posterior(key, NULL_ARM)
    prior_alpha, prior_beta = evo.selector.posterior("never-seen", NULL_ARM)
    assert (alpha, beta) == (prior_alpha, prior_beta + 1.0)
    version = evo.store.skill(key).versions[0]
    assert evo.selector.posterior(key, version.id) == (prior_alpha, prior_beta)  # nothing for the guidance


def test_a_failure_on_something_else_does_not_charge_the_guidance(lib: SkillLibrary) -> None:
    evo = _evo(lib)
    key = _reveal(evo)
    with evo.episode(task="t1") as ep:
        ep.guidance(tools=["save"])  # the episode chooses at the guidance's site (a version or nothing)
        sent = ep.before_tool("save", {"path": "/a", "text": "hi"})
        assert ep.on_tool_result("save", sent, "Error: disk full")
        assert ep.on_tool_error("save", sent, "Error: disk full") is None
        ep.finish(reward=0.0)
    assert _guidance_credits(ep.events, key) == [1.0]  # `path` was sent: what the guidance is about held


def test_a_later_call_leaving_the_argument_out_again_charges_it(lib: SkillLibrary) -> None:
    evo = _evo(lib)
    key = _reveal(evo)
    with evo.episode(task="t2") as ep:
        ep.guidance(tools=["save"])
        sent = ep.before_tool("save", {"text": "hi"})
        assert sent == {"text": "hi"}  # no value to supply: guidance only
        ep.on_tool_result("save", sent, {"saved": True})  # even where the tool let it through
        ep.finish(reward=1.0)
    assert _guidance_credits(ep.events, key) == [0.0]


def test_guidance_mined_from_errors_is_still_charged_the_tools_failures(lib: SkillLibrary) -> None:
    """Only the schema's candidates are judged by conformance; a tool-error skill keeps its rule."""
    from skillevo._models import Origin, Strategy, Trigger, TriggerKind

    evo = Evolver(lib, seed=0, cache_ttl_s=float("inf"), mining="inline")
    version = lib.add_skill("disk-full", Trigger(kind=TriggerKind.TOOL_ERROR, tool="save", pattern="disk"),
                            Strategy(guidance="When calling `save`: free space first."), origin=Origin(miner="manual"))
    evo.lifecycle.start(version.id)
    evo.invalidate()
    with evo.episode(task="t") as ep:
        ep.guidance(tools=["save"])
        sent = ep.before_tool("save", {"path": "/a", "text": "hi"})
        assert ep.on_tool_result("save", sent, "Error: disk full")
        assert ep.on_tool_error("save", sent, "Error: disk full") is None
        ep.finish(reward=0.0)
    assert _guidance_credits(ep.events, "disk-full") == [0.0]
