"""A guidance site whose null arm already lost in this episode shows its guidance for the rest of it.

An episode chooses once per call site between a guidance version and "nothing". When it chose
nothing and the tool then fails the site's way (a later call leaves the same argument out), the
null arm's outcome in this episode is known: 0. Like a repair's rescue after a failed call, the
site's guidance is then drawn among its versions and shown for the episode's remaining calls (not
judged by them: they follow the error); the null arm keeps its one 0 (credited at once, not again at
the end).
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


def _reveal(evo: Evolver) -> str:
    with evo.episode(task="t0") as ep:
        sent = ep.before_tool("save", {"text": "hi"})
        assert ep.on_tool_result("save", sent, "Error: path is required")
        ep.on_tool_error("save", sent, "Error: path is required")
        ep.finish(reward=0.0)
    (skill,) = [s for s in evo.store.skills() if s.versions[0].strategy.guidance]
    return skill.name


def _credits(events: list[Any], key: str, arm: str | None = None) -> list[tuple[str, float, str]]:
    return [
        (e.data["arm"], e.data["reward"], e.data.get("source", ""))
        for e in events
        if e.kind is EventKind.CREDIT and e.data.get("key") == key and (arm is None or e.data["arm"] == arm)
    ]


def _null_episode(evo: Evolver, key: str) -> tuple[Any, str, str]:
    """Episodes until one chooses nothing at the site: there the call leaves `path` out again."""
    for i in range(40):
        with evo.episode(task=f"t{i + 1}") as ep:
            before = ep.guidance(tools=["save"])
            if "`path`" in before:  # the guidance was chosen: a clean episode
                sent = ep.before_tool("save", {"path": "/a", "text": "hi"})
                ep.on_tool_result("save", sent, {"saved": True})
                ep.finish(reward=1.0)
                continue
            sent = ep.before_tool("save", {"text": "hi"})
            assert ep.on_tool_result("save", sent, "Error: path is required")
            ep.on_tool_error("save", sent, "Error: path is required")
            after = ep.guidance(tools=["save"])
            sent = ep.before_tool("save", {"path": "/a", "text": "hi"})
            ep.on_tool_result("save", sent, {"saved": True})
            ep.finish(reward=1.0)
            return ep, before, after
    raise AssertionError("no episode chose the null arm")


def test_guidance_is_shown_once_the_null_arm_lost_in_the_episode(lib: SkillLibrary) -> None:
    evo = _evo(lib)
    key = _reveal(evo)
    _, before, after = _null_episode(evo, key)
    assert "`path`" not in before
    assert "`path`" in after and "save" in after


def test_the_null_arm_keeps_one_zero_and_the_rescue_is_shown_not_judged(lib: SkillLibrary) -> None:
    evo = _evo(lib)
    key = _reveal(evo)
    ep, _, _ = _null_episode(evo, key)
    version = evo.store.skill(key).versions[0]
    assert _credits(ep.events, key, NULL_ARM) == [(NULL_ARM, 0.0, "rescue")]
    # The calls after the failure follow the error the model read (`tests/test_attack_rescue_credit.py`).
    assert _credits(ep.events, key, version.id) == []


def test_a_failure_on_something_else_rescues_nothing(lib: SkillLibrary) -> None:
    evo = _evo(lib)
    key = _reveal(evo)
    for i in range(40):
        with evo.episode(task=f"u{i}") as ep:
            before = ep.guidance(tools=["save"])
            sent = ep.before_tool("save", {"path": "/a", "text": "hi"})
            assert ep.on_tool_result("save", sent, "Error: disk full")
            ep.on_tool_error("save", sent, "Error: disk full")
            after = ep.guidance(tools=["save"])
            ep.finish(reward=0.0)
        if "`path`" not in before:
            assert "`path`" not in after
            assert _credits(ep.events, key, NULL_ARM) == [(NULL_ARM, 1.0, "tool_calls")]
            return
    raise AssertionError("no episode chose the null arm")
