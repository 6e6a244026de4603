"""A learned edit is applied after an error only to a call of the shape it was learned from.

The world: one tool taking a reference (a string) and a mode (one of two values). In two episodes
the agent leaves the mode out and corrects the call by adding it, with the same value both times:
a `set` of the mode, whose precondition is "the mode is absent", is learned. The trigger of such a
skill is any error of the tool. Later the agent sends a mode (the other value, the one its task
needs) and makes another mistake: the error is about the reference, not the mode. Before
2026-12-07 the learned `set` was applied after that error anyway and overwrote the mode the agent
chose (a held-out clinic world, 3 seeds: 3 of the 19 calls that succeeded with a meaning the agent
did not intend, a synonym the agent sent replaced by a mode learned for its absence); an edit is
now applied after an error only where its argument has the shape the precondition describes
(present or absent, its JSON type).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._models import ArgCondition, Repair, SetArg
from skillevo._repair_plan import plan_stored_repair

MODES = ("remote", "onsite")


def book(args: dict[str, Any]) -> Any:
    ref, mode = args.get("ref"), args.get("mode")
    if mode is None:
        return "Error: field 'mode' is required"
    if mode not in MODES:
        return f"Error: mode must be one of {', '.join(MODES)}"
    if not isinstance(ref, str):
        return f"Error: booking {ref} not found"
    return {"booked": ref, "mode": mode}


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _learn_the_missing_mode(evo: Evolver) -> None:
    for i in range(3):
        with evo.episode(task=f"book {i}") as ep:
            sent = ep.before_tool("book", {"ref": f"R{i}"})
            result = book(sent)
            if ep.on_tool_result("book", sent, result):
                retry = ep.on_tool_error("book", sent, result)
                if retry is not None:
                    ep.on_tool_result("book", retry, book(retry))
                fixed = {"ref": f"R{i}", "mode": "remote"}  # the agent adds the mode its task needs
                ep.on_tool_result("book", fixed, book(fixed))
            ep.finish(reward=1.0)


def test_a_learned_addition_never_overwrites_a_value_the_agent_sent(lib: SkillLibrary) -> None:
    evo = Evolver(lib, seed=5, mining="inline", cache_ttl_s=float("inf"))
    _learn_the_missing_mode(evo)
    learned = [
        v.strategy.repair for s in lib.skills() for v in s.versions
        if v.strategy.repair is not None and any(isinstance(op, SetArg) for op in v.strategy.repair.ops)
    ]
    assert learned, "the world should teach a `set` of the missing mode"
    retried = []
    for j in range(12):
        with evo.episode(task=f"onsite {j}") as ep:
            sent = ep.before_tool("book", {"ref": 7000 + j, "mode": "onsite"})
            assert sent["mode"] == "onsite"
            result = book(sent)
            assert ep.on_tool_result("book", sent, result)
            retry = ep.on_tool_error("book", sent, result)
            if retry is not None:
                retried.append(retry)
                ep.on_tool_result("book", retry, book(retry))
            ep.finish(reward=1.0)
    assert all(r.get("mode") == "onsite" for r in retried), retried


def test_after_an_error_an_op_is_kept_only_where_its_argument_has_the_learned_shape() -> None:
    addition = Repair(ops=[SetArg(arg="mode", value="remote")], precondition=[ArgCondition(arg="mode", present=False)])
    assert plan_stored_repair(addition, {"ref": "R1"}, "Error", attempts=0, tried=False).args == {
        "ref": "R1", "mode": "remote"}
    assert plan_stored_repair(addition, {"ref": 5, "mode": "onsite"}, "Error", attempts=0, tried=False).args is None
    # A condition on the value's text (a regex) still says nothing here: the error is the evidence.
    typed = Repair(ops=[SetArg(arg="mode", value="remote")],
                   precondition=[ArgCondition(arg="mode", type="str", regex="rem.*")])
    assert plan_stored_repair(typed, {"mode": "Remote!"}, "Error", attempts=0, tried=False).args == {"mode": "remote"}
    assert plan_stored_repair(typed, {"mode": 3}, "Error", attempts=0, tried=False).args is None
    # Without a precondition an edit applies after an error as before.
    bare = Repair(ops=[SetArg(arg="mode", value="remote")])
    assert plan_stored_repair(bare, {"mode": "onsite"}, "Error", attempts=0, tried=False).args == {"mode": "remote"}
