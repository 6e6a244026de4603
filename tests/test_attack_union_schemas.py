"""A tool's union schemas, read by an adversary: `compact_schema` kept the first 8 branches of an
``anyOf``, so a value a later branch accepts as it is (``"5"`` for a ninth ``{"type": "string"}``)
was converted to an earlier branch's form (``5``), and unions nested in unions were all kept, so one
call's conversion tried every path through them (8 x 8 x 8 branches over a long argument: most of a
minute on the agent's path). A union past what is read is not judged at all: no conversion."""

from __future__ import annotations

from typing import Any

from skillevo._conform import compact_schema, conform


def test_a_union_with_more_branches_than_read_converts_nothing() -> None:
    schema = compact_schema({"anyOf": [{"type": "integer", "enum": [i]} for i in range(8)] + [{"type": "string"}]})
    assert conform("5", schema) == "5"


def _nest(depth: int) -> dict[str, Any]:
    if depth == 0:
        return {"type": ["array", "object", "integer"], "items": {"type": "integer", "enum": [1]}}
    return {"anyOf": [_nest(depth - 1) for _ in range(8)]}


def test_unions_nested_past_the_bound_are_not_judged() -> None:
    schema = compact_schema(_nest(3))
    assert schema == {}
    assert conform("[" + ",".join(['"2"'] * 5000) + "]", schema) == "[" + ",".join(['"2"'] * 5000) + "]"


def test_a_small_union_still_converts() -> None:
    schema = compact_schema({"anyOf": [{"type": "integer"}, {"type": "null"}]})
    assert conform("5", schema) == 5
