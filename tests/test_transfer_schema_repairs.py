"""A schema repair that won at its own tool transfers to tools that declare no schema.

The world: three tools that take an ``order_ref`` (a string). Two declare their JSON schema, so a
call sending the ref as a number gets a `conform` candidate before it fails, which wins; the third
(a tool only seen in calls, no schema) is first used after that. Before 2026-12-07 nothing reached
it (only repairs mined from corrections transferred), so each of its calls paid its own failure
first (a held-out clinic world: 9 failed calls of a tool without a schema whose argument other tools
declare, test tasks, 3 seeds). A schema repair that is a plain cast (no enum, pattern or format:
those describe one tool's values) now transfers like a mined cast, tested against doing nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._models import ArgCondition, ConformArg, Repair
from skillevo._transfer import per_argument

DECLARED = {
    name: {"properties": {"order_ref": {"type": "string"}, "note": {"type": "string"}}, "required": ["order_ref"]}
    for name in ("ship", "refund")
}


def _tool(args: dict[str, Any]) -> Any:
    if not isinstance(args.get("order_ref"), str):
        return f"Error: order {args.get('order_ref')} not found"
    return {"ok": True}


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _call(ep: Any, name: str, args: dict[str, Any], *, correct: bool = True) -> bool:
    """Whether the call went through without a failure the agent saw (after one, the agent corrects
    the call, or gives up: then nothing is mined from corrections, only the schema repair learns)."""
    sent = ep.before_tool(name, args)
    result = _tool(sent)
    if not ep.on_tool_result(name, sent, result):
        return True
    retry = ep.on_tool_error(name, sent, result)
    if retry is not None:
        ep.on_tool_result(name, retry, _tool(retry))
    if not correct:
        return False
    fixed = {**args, "order_ref": str(args["order_ref"])}
    ep.on_tool_result(name, fixed, _tool(fixed))
    return False


def test_a_winning_schema_cast_reaches_a_tool_without_a_schema(lib: SkillLibrary) -> None:
    evo = Evolver(lib, seed=4, mining="inline", cache_ttl_s=float("inf"))
    evo.register_tools(DECLARED)
    with evo.episode(task="warm-up") as ep:  # the third tool seen once, correctly called
        assert _call(ep, "audit", {"order_ref": "A-1", "note": "ok"})
    for i in range(14):
        with evo.episode(task=f"declared {i}") as ep:
            ok = _call(ep, ("ship", "refund")[i % 2], {"order_ref": 5000 + i, "note": "n"}, correct=False)
            ep.finish(reward=1.0 if ok else 0.0)
    clean = []
    for j in range(6):
        with evo.episode(task=f"audit {j}") as ep:
            clean.append(_call(ep, "audit", {"order_ref": 9000 + j, "note": "n"}))
            ep.finish(reward=1.0)
    assert clean[0] and sum(clean) >= 5, clean


def test_only_a_plain_cast_of_a_schema_repair_is_split_out() -> None:
    cond = [ArgCondition(arg="x", type="int")]
    plain = Repair(ops=[ConformArg(arg="x", to={"type": "string"})], precondition=cond)
    assert [a for a, _ in per_argument(plain)] == ["x"]
    listed = Repair(ops=[ConformArg(arg="x", to={"type": "array", "items": {"type": "string"}})],
                    precondition=[ArgCondition(arg="x", type="list")])
    assert [a for a, _ in per_argument(listed)] == ["x"]
    for to in ({"type": "string", "enum": ["a", "b"]}, {"type": "string", "format": "date"},
               {"type": "object", "properties": {"y": {"type": "string"}}}):
        assert per_argument(Repair(ops=[ConformArg(arg="x", to=to)], precondition=cond)) == []
