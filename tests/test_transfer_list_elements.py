"""A repair of every element of a list argument transfers to the other tools taking that list.

The world: six crew tools take ``crew_ids``, a list of ids ``C-0042``; one takes ``crew_ids`` as a
list of integers. The agent sends the ids without their prefix; the tools answer 404 echoing only
the first unknown id, and the agent corrects every element. The repair learned at one tool edits
``crew_ids.*``. Before 2026-12-07 it never left that tool (a path with a dot was read as a nested
member, which goes by type only), so each other tool paid its own failures first: in a held-out
world, ids without prefix in a list were the one id habit never repaired on a test-only tool.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._models import Affix, ArgCondition, Repair
from skillevo._transfer import per_argument

IDS = {"type": "array", "items": {"type": "string"}}
SCHEMA = {"properties": {"site": {"type": "string"}, "crew_ids": IDS}, "required": ["site", "crew_ids"]}
NUMBERS = {"properties": {"site": {"type": "string"}, "crew_ids": {"type": "array", "items": {"type": "integer"}}},
           "required": ["site", "crew_ids"]}
TOOLS = ("book_crew", "brief_crew", "pay_crew", "move_crew", "rest_crew", "train_crew")
SCHEMAS = {**{name: SCHEMA for name in TOOLS}, "count_crew": NUMBERS}


def _run(tool: str, crew_ids: list[Any]) -> Any:
    if SCHEMAS[tool] is SCHEMA:
        for c in crew_ids:
            if not re.fullmatch(r"C-\d{4}", str(c)):
                return f'HTTP/1.1 404 Not Found\n{{"detail": "crew member \'{c}\' not found"}}'
    return {"ok": True}


def _call(ep: Any, tool: str, ids: list[str]) -> bool:
    """Whether the first attempt succeeded (the agent then corrects every id)."""
    args: dict[str, Any] = {"site": "north", "crew_ids": [i.removeprefix("C-") for i in ids]}
    for attempt in range(3):
        sent = ep.before_tool(tool, args)
        result = _run(tool, sent["crew_ids"])
        if not ep.on_tool_result(tool, sent, result):
            return attempt == 0
        ep.on_tool_error(tool, sent, result)
        args = {**args, "crew_ids": list(ids)}
    raise AssertionError("never accepted")


@pytest.fixture
def evo() -> Iterator[Evolver]:
    with SkillLibrary(":memory:") as lib:
        evolver = Evolver(lib, seed=3, cache_ttl_s=float("inf"))
        evolver.register_tools(SCHEMAS)
        yield evolver


def test_an_element_repair_is_split_out_by_the_lists_name() -> None:
    repair = Repair(ops=[Affix(op="add_prefix", arg="crew_ids.*", text="C-")],
                    precondition=[ArgCondition(arg="crew_ids.*", regex=r"\d{4}")])
    assert [arg for arg, _ in per_argument(repair)] == ["crew_ids.*"]
    nested = Repair(ops=[Affix(op="add_prefix", arg="crew.ids", text="C-")],
                    precondition=[ArgCondition(arg="crew.ids", regex=r"\d{4}")])
    assert per_argument(nested) == []  # a nested member still goes by type only


def test_ids_without_prefix_learned_at_one_tool_are_repaired_at_the_first_call_of_another(evo: Evolver) -> None:
    for i in range(20):
        with evo.episode(task=f"book {i}") as ep:
            _call(ep, "book_crew", [f"C-{i:04d}", f"C-{i + 50:04d}"])
            ep.finish(reward=1.0)
    first = []
    for name in TOOLS[1:]:
        with evo.episode(task=f"use {name}") as ep:
            first.append(_call(ep, name, ["C-0007", "C-0031"]))
            ep.finish(reward=1.0)
    # Each transferred candidate is tested against doing nothing: most, not all, first calls use it.
    assert sum(first) >= 3, first
    # A list declared of integers takes no text prefix: nothing is offered there.
    assert not [s for s in evo.store.skills() if s.trigger.tool == "count_crew"]
