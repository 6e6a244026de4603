"""A list sent as one text of its items (``"urgent, billing"``), and a list where one text is taken.

Before, neither was learned: a split or a join is no edit of the DSL, so corrections of either
produced nothing but guidance from the schema, and every call paid its failure (15 of 15 probe
calls failed first: a split on its own tool, on another tool's argument of the same name, and a
join). The cast is now mined from corrections that split (join) at exactly one separator, and
applied only to a text of non-empty items (a list of texts none of which holds the separator).
Tools are strict pydantic models declared by their schemas; driven through the episode API.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from skillevo import Evolver, SkillLibrary
from skillevo._models import CoerceArg
from skillevo._repair import apply_repair, synthesize
from skillevo._tool_schema import tool_schema


def _one_op(bad: Any, good: Any) -> Any:
    repair = synthesize(
        [({"tags": b, "id": i}, {"tags": g, "id": i}) for i, (b, g) in enumerate(zip(bad, good, strict=True))]
    )
    return repair.ops[0] if repair is not None and len(repair.ops) == 1 else repair


def test_a_split_and_a_join_are_mined_from_corrections_that_show_the_separator() -> None:
    split = _one_op(["urgent, billing", "vip;eu"], [["urgent", "billing"], ["vip", "eu"]])
    assert split is None  # two separators: no one rule
    split = _one_op(["urgent, billing", "vip,eu, late"], [["urgent", "billing"], ["vip", "eu", "late"]])
    assert isinstance(split, CoerceArg) and split.to == "list" and split.separator == ","
    join = _one_op([["urgent", "billing"], ["vip", "eu"]], ["urgent, billing", "vip, eu"])
    assert isinstance(join, CoerceArg) and join.to == "str" and join.separator == ", "


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        (CoerceArg(arg="tags", to="list", separator=","), "a , b,c", ["a", "b", "c"]),
        (CoerceArg(arg="tags", to="list", separator=","), "solo", ["solo"]),
        (CoerceArg(arg="tags", to="list", separator=","), "a,,b", "a,,b"),  # an empty item: left as it is
        (CoerceArg(arg="tags", to="list", separator=","), ["a"], ["a"]),
        (CoerceArg(arg="tags", to="str", separator=", "), ["a", "b"], "a, b"),
        (CoerceArg(arg="tags", to="str", separator=", "), ["a,b", "c"], ["a,b", "c"]),  # could not be split back
        (CoerceArg(arg="tags", to="str", separator=", "), ["a", 3], ["a", 3]),
        (CoerceArg(arg="tags", to="str", separator=", "), "a, b", "a, b"),
    ],
)
def test_the_cast_touches_only_what_it_reads_one_way(op: CoerceArg, value: Any, expected: Any) -> None:
    from skillevo._models import Repair

    assert apply_repair(Repair(ops=[op]), {"tags": value}) == {"tags": expected}


def test_a_separator_needs_a_list_cast() -> None:
    with pytest.raises(ValueError):
        CoerceArg(arg="tags", to="int", separator=",")
    with pytest.raises(ValueError):
        CoerceArg(arg="tags", to="list")


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True)


class Tag(_Strict):
    ticket_id: str
    tags: list[str]


class Post(_Strict):
    post_id: str
    tags: list[str]


class Label(_Strict):
    note_id: str
    labels: str


MODELS: dict[str, type[BaseModel]] = {"tag": Tag, "post": Post, "label": Label}
LISTS = [["urgent", "billing"], ["vip", "refund", "eu"], ["x", "y"], ["late", "damaged"], ["new", "b2b", "q3"]]


def _call(ep: Any, tool: str, bad: dict[str, Any], good: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
    args, first = bad, {}
    for attempt in range(3):
        sent = ep.before_tool(tool, dict(args))
        first = first or sent
        try:
            result: Any = MODELS[tool].model_validate(sent).model_dump()
        except ValidationError as exc:
            result = "Error: " + " ".join(str(exc).splitlines()[:3])
        if not ep.on_tool_result(tool, sent, result):
            return attempt == 0, first
        ep.on_tool_error(tool, sent, result)
        args = good
    return False, first


def _world(tool: str, arg: str, key: str, written: Any, meant: Any) -> tuple[Evolver, SkillLibrary]:
    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, seed=0, cache_ttl_s=float("inf"), mining="inline")
    evo.register_tools({name: tool_schema(model)[1] for name, model in MODELS.items()})  # type: ignore[index]
    for i, items in enumerate(LISTS):
        with evo.episode(task=f"learn {i}") as ep:
            _call(ep, tool, {key: f"k{i}", arg: written(items)}, {key: f"k{i}", arg: meant(items)})
            ep.finish(reward=1.0)
    return evo, lib


def test_a_learned_split_repairs_unseen_lists_on_its_tool_and_on_a_tool_sharing_the_argument() -> None:
    evo, lib = _world("tag", "tags", "ticket_id", ", ".join, list)
    clean = 0
    with lib:
        for j, items in enumerate([["a", "b"], ["refund", "eu", "vip"], ["q1", "q2"], ["hot", "cold"]]):
            for tool, key in (("tag", "ticket_id"), ("post", "post_id")):
                with evo.episode(task=f"use {tool} {j}") as ep:
                    ok, first = _call(ep, tool, {key: "z", "tags": ",".join(items)}, {key: "z", "tags": items})
                    ep.finish(reward=1.0)
                clean += ok
                assert not ok or first["tags"] == items
    assert clean >= 7, clean


def test_a_learned_join_writes_unseen_lists_as_one_text() -> None:
    evo, lib = _world("label", "labels", "note_id", list, ", ".join)
    clean = 0
    with lib:
        for j, items in enumerate([["a", "b"], ["refund", "eu", "vip"], ["q1", "q2"]]):
            with evo.episode(task=f"use {j}") as ep:
                ok, first = _call(
                    ep, "label", {"note_id": "z", "labels": items}, {"note_id": "z", "labels": ", ".join(items)}
                )
                ep.finish(reward=1.0)
            clean += ok
            assert not ok or first["labels"] == ", ".join(items)
    assert clean == 3, clean
