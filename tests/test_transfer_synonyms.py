"""A synonym of a declared enum member, proven at one tool, offered to the tools declaring that member.

The world: seven ticket tools take a ``priority``; six declare the enum ``low|normal|high|critical``,
one declares a free text. The agent writes ``"urgent"`` for ``critical``; the enum tools reject it
with an error that echoes the value, and the agent corrects it. Before 2026-12-07 the synonym was
learned per tool (a value map never transferred), so every other tool paid its own failures first.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._models import ArgCondition, MapValue, Repair
from skillevo._transfer import per_argument

MEMBERS = ["low", "normal", "high", "critical"]
ENUM = {"properties": {"ref": {"type": "string"}, "priority": {"type": "string", "enum": MEMBERS}},
        "required": ["ref", "priority"]}
FREE = {"properties": {"ref": {"type": "string"}, "priority": {"type": "string"}}, "required": ["ref", "priority"]}
ENUM_TOOLS = ("open_case", "escalate_case", "assign_case", "merge_case", "reopen_case", "triage_case")
SCHEMAS = {**{name: ENUM for name in ENUM_TOOLS}, "note_case": FREE}


def _tool(name: str) -> Any:
    def run(ref: str, priority: str) -> Any:
        if SCHEMAS[name] is ENUM and priority not in MEMBERS:
            detail = [{"loc": ["body", "priority"], "msg": "unknown priority", "input": priority}]
            return "HTTP 422 Unprocessable Entity: " + json.dumps({"detail": detail})
        return {"ok": True, "priority": priority}
    return run


WORLD = {name: _tool(name) for name in SCHEMAS}


def _call(ep: Any, tool: str, priority: str) -> tuple[bool, Any]:
    """(whether the first attempt succeeded, the priority the tool accepted)."""
    first, args = True, {"ref": "c-1", "priority": priority}
    for _ in range(3):
        sent = ep.before_tool(tool, args)
        result = WORLD[tool](**sent)
        if not ep.on_tool_result(tool, sent, result):
            return first, sent["priority"]
        first = False
        ep.on_tool_error(tool, sent, result)
        args = {**args, "priority": "critical"}  # the agent's own correction
    raise AssertionError("never accepted")


@pytest.fixture
def evo() -> Iterator[Evolver]:
    with SkillLibrary(":memory:") as lib:
        evolver = Evolver(lib, seed=1, cache_ttl_s=float("inf"))
        evolver.register_tools(SCHEMAS)
        yield evolver


def test_a_synonym_learned_at_one_tool_repairs_the_first_call_of_another_declaring_the_member(evo: Evolver) -> None:
    for i in range(20):  # proven (two episodes), then credited at its own tool
        with evo.episode(task=f"open {i}") as ep:
            _call(ep, "open_case", "urgent")
            ep.finish(reward=1.0)
    first = []
    for name in ENUM_TOOLS[1:]:
        with evo.episode(task=f"use {name}") as ep:
            first.append(_call(ep, name, "urgent"))
            ep.finish(reward=1.0)
    # Each transferred candidate is tested against doing nothing: most, not all, first calls use it.
    assert sum(ok for ok, _ in first) >= 4, first
    # A tool whose priority is free text takes "urgent" as the caller's word: nothing is offered there.
    assert not [s for s in evo.store.skills() if s.trigger.tool == "note_case"]
    with evo.episode(task="note") as ep:
        assert _call(ep, "note_case", "urgent") == (True, "urgent")


def test_only_a_map_acting_on_its_one_value_splits_out() -> None:
    exact = Repair(ops=[MapValue(arg="priority", mapping={"urgent": "critical"})],
                   precondition=[ArgCondition(arg="priority", regex="urgent")])
    assert [arg for arg, _ in per_argument(exact)] == ["priority"]
    wide = Repair(ops=[MapValue(arg="priority", mapping={"urgent": "critical"})],
                  precondition=[ArgCondition(arg="priority", regex="[a-z]+")])
    assert per_argument(wide) == []


def _learn_at_open_case(evo: Evolver) -> None:
    for i in range(20):  # proven (two episodes), then credited at its own tool
        with evo.episode(task=f"open {i}") as ep:
            _call(ep, "open_case", "urgent")
            ep.finish(reward=1.0)


def test_a_synonym_rejected_at_the_target_tool_is_not_transferred_back() -> None:
    """A person rejected "urgent" -> "critical" at one tool (there it means something else). The
    transfer's vouching of a synonym (the member never sent at the new tool) stood in for every check
    after it: before this fix the duplicate of the rejected version was stored and tested there
    again, under the transfer's name, and the trigger-rate minimum was skipped too."""
    from skillevo._mining import same_behaviour

    with SkillLibrary(":memory:") as lib:  # where the transfer to escalate_case comes from
        first = Evolver(lib, seed=1, cache_ttl_s=float("inf"))
        first.register_tools(SCHEMAS)
        _learn_at_open_case(first)
        moved = [s for s in lib.skills() if s.trigger.tool == "escalate_case"]
        assert moved, "the scenario transfers the synonym to escalate_case"
        trigger, strategy = moved[0].trigger, moved[0].versions[0].strategy
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, seed=1, cache_ttl_s=float("inf"))
        evo.register_tools(SCHEMAS)
        by_hand = lib.add_skill("escalate-priority-by-hand", trigger, strategy)
        evo.lifecycle.reject(by_hand.id, "urgent is not critical for escalations")
        _learn_at_open_case(evo)
        again = [v.id for s in lib.skills() if s.trigger.tool == "escalate_case" for v in s.versions
                 if v.id != by_hand.id and same_behaviour(v.strategy, strategy)]
        assert again == []  # before: the transfer's copy of the rejected version
