"""Corrections that change the elements of a list of plain values teach an edit of every element.

The world: a tool with no declared schema taking a list of ids (strings). The agent sends the ids
as JSON numbers; the tool rejects them (a Python ``TypeError`` naming an element's index, or a
message carrying the value), and the agent corrects the call by sending every id as a string.
Before 2026-12-07 nothing was learned from such corrections (a list of plain values was one leaf:
only a `set` of the whole list could relate them, which memorises one task's ids), so every later
call failed again: in a held-out clinic world, 29 of the 33 failed calls of that class on the test
tasks over 3 seeds. The correction is now read element by element (``ids.*``), as for lists of
objects, and the edit gets a precondition on the elements' type, so it applies before the call.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._models import CoerceArg
from skillevo._repair import apply_repair, precondition_holds, synthesize

MESSAGES = (
    "TypeError: sequence item {i}: expected str instance, int found",
    "Error: member {x} does not exist",
)


def _tool(template: str) -> Any:
    def notify(args: dict[str, Any]) -> Any:
        for i, x in enumerate(args["ids"]):
            if not isinstance(x, str):
                return template.format(i=i, x=x)
        return {"sent": len(args["ids"])}

    return notify


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


@pytest.mark.parametrize("template", MESSAGES)
def test_ids_sent_as_numbers_in_a_list_are_repaired_before_the_call_once_learned(
    lib: SkillLibrary, template: str
) -> None:
    notify = _tool(template)
    evo = Evolver(lib, seed=2, mining="inline", cache_ttl_s=float("inf"))
    clean = []
    for k in range(8):
        ids = [300 + k, 410 + k, 520 + k][: 1 + k % 3]
        with evo.episode(task=f"notify {k}") as ep:
            sent = ep.before_tool("notify", {"ids": ids, "text": "moved"})
            result = notify(sent)
            failed = ep.on_tool_result("notify", sent, result)
            clean.append(not failed)
            if failed:
                retry = ep.on_tool_error("notify", sent, result)
                if retry is None or ep.on_tool_result("notify", retry, notify(retry)):
                    fixed = {"ids": [str(x) for x in ids], "text": "moved"}  # the agent's own correction
                    assert not ep.on_tool_result("notify", fixed, notify(fixed))
            ep.finish(reward=1.0)
    assert sum(clean[3:]) >= 4, clean


def test_an_element_edit_is_synthesised_from_list_corrections() -> None:
    pairs = [({"ids": [300, 410]}, {"ids": ["300", "410"]}), ({"ids": [7]}, {"ids": ["7"]})]
    repair = synthesize(pairs)
    assert repair is not None
    assert repair.ops == [CoerceArg(arg="ids.*", to="str")]
    assert apply_repair(repair, {"ids": [12, "13"]}) == {"ids": ["12", "13"]}
    assert precondition_holds(repair, {"ids": ["1", 2]}) and not precondition_holds(repair, {"ids": ["1", "2"]})


def test_list_corrections_that_change_the_items_are_not_an_element_edit() -> None:
    # Another list (other ids, more of them): the task's data changed, not the elements' spelling.
    assert synthesize([({"ids": [1, 2]}, {"ids": ["9"]}), ({"ids": [3]}, {"ids": ["4", "5"]})]) is None
    assert synthesize([({"ids": [1, 2]}, {"ids": ["2", "1"]}), ({"ids": [3, 5]}, {"ids": ["5", "3"]})]) is None
