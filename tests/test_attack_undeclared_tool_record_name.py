"""A tool name holds a customer's record number only where no declaration wrote it: the record rule
(five digits name one record) exempts declared names (`_untrusted.declared_name`: a schema is written
before any call), but every tool name of a recorded call was taken as declared. A tool the model made
up for one customer (``lookup_customer_48213``, never registered) that failed and was corrected was
learned as a skill under that name, and the customer's number was stored in the trigger and shown in
every later review and prompt. A registered tool's number still names the tool."""

from __future__ import annotations

from typing import Any

from skillevo import Evolver, SkillLibrary


def _lookup(limit: Any) -> Any:
    return {"rows": []} if isinstance(limit, int) else "Error: limit must be an integer"


def _run(evo: Evolver, tool: str) -> None:
    for i in range(4):
        with evo.episode(task=f"lookup {i}") as ep:
            args: dict[str, Any] = {"limit": "10"}
            for _ in range(2):
                sent = ep.before_tool(tool, args)
                out = _lookup(**sent)
                if not ep.on_tool_result(tool, sent, out):
                    break
                ep.on_tool_error(tool, sent, out)
                args = {"limit": 10}
            ep.finish(reward=1.0)


def _stored(lib: SkillLibrary) -> list[str]:
    return [s.trigger.model_dump_json() + v.strategy.model_dump_json() for s in lib.skills() for v in s.versions]


def test_an_undeclared_tool_named_for_a_record_gets_no_skill() -> None:
    with SkillLibrary(":memory:") as lib:
        _run(Evolver(lib, seed=1, cache_ttl_s=float("inf"), mining="inline"), "lookup_customer_48213")
        assert not any("48213" in text for text in _stored(lib)), _stored(lib)


def test_a_declared_tool_with_a_number_still_learns() -> None:
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, seed=1, cache_ttl_s=float("inf"), mining="inline")
        evo.register_tools({"orders_api_v20240101": {"properties": {"limit": {"type": "integer"}}}})
        _run(evo, "orders_api_v20240101")
        assert any("orders_api_v20240101" in text for text in _stored(lib))
