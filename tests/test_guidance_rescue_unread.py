"""A rescued guidance version no prompt carried is not judged by the calls after it.

`SiteChoices.rescue` draws a version for a guidance site whose null arm lost in the episode. The
site was already marked reached (by the null arm), so a rescued version the token budget then left
out of every prompt was still credited with the tool's later calls, as if the model had read it: an
outcome of the model's own, booked to a text it never saw.
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


def _fail(ep: Any) -> None:
    sent = ep.before_tool("save", {"text": "hi"})
    assert ep.on_tool_result("save", sent, "Error: path is required")
    ep.on_tool_error("save", sent, "Error: path is required")


def test_a_rescued_version_the_budget_left_out_is_not_credited(lib: SkillLibrary) -> None:
    evo = Evolver(lib, seed=0, cache_ttl_s=float("inf"), mining="inline")
    evo.register_tools(SAVE)
    with evo.episode(task="t0") as ep:
        _fail(ep)
        ep.finish(reward=0.0)
    (skill,) = [s for s in evo.store.skills() if s.versions[0].strategy.guidance]
    budget = evo.guidance_budget_tokens
    for i in range(40):
        evo.guidance_budget_tokens = budget
        with evo.episode(task=f"t{i + 1}") as ep:
            if "`path`" in ep.guidance(tools=["save"]):
                ep.finish(reward=1.0)
                continue
            _fail(ep)
            evo.guidance_budget_tokens = 1  # no version fits the prompt any more
            after = ep.guidance(tools=["save"])
            sent = ep.before_tool("save", {"path": "/a", "text": "hi"})
            ep.on_tool_result("save", sent, {"saved": True})
            ep.finish(reward=1.0)
        assert "`path`" not in after
        credited = [
            e.data["arm"]
            for e in ep.events
            if e.kind is EventKind.CREDIT and e.data.get("key") == skill.name and e.data["arm"] != NULL_ARM
        ]
        assert credited == []  # the version was never read: the save that worked is the model's own
        return
    raise AssertionError("no episode chose the null arm")
