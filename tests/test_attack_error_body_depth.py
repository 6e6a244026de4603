"""A tool's error body nested deeper than the JSON parser's stack is no body, not a failed mining.

World: a tool wrapping an API answers a call with an HTTP 422 whose JSON body is nested thousands
deep (hostile, or a broken upstream). The validation-body reader (`_error_items`, 2026-12-07) let the
parser's RecursionError out: the RuleMiner's `mine` raised for the whole episode, so the correction
the agent made at another tool in the same episode was never learned (0 of 1 skills), and the
missing-argument reader raised on every such message. The body is read as absent (the message is
read as words), as every other JSON reader of tool text in skillevo does.
"""

from __future__ import annotations

from skillevo import Evolver, SkillLibrary
from skillevo._error_items import error_items
from skillevo._guidance_facts import missing_fields

DEEP = "HTTP 422 Unprocessable Entity: field required " + '{"detail": ' + "[" * 5000


def test_a_body_nested_past_the_parsers_stack_reads_as_no_body() -> None:
    assert error_items(DEEP) is None
    assert error_items('{"detail": [' + '{"loc": [' * 3000) is None
    assert "ref" not in missing_fields(DEEP, {"ref": "c-1"})  # read as words; before: RecursionError


def test_a_deep_error_body_at_one_tool_loses_no_skill_learned_at_another() -> None:
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, seed=3, sandbox=None, cache_ttl_s=0.0)
        for i in range(3):
            with evo.episode(task=f"book {i}") as ep:
                sent = ep.before_tool("book", {"date": "05/06/2025"})
                ep.on_tool_error("book", sent, "date must be YYYY-MM-DD")
                ok = ep.before_tool("book", {"date": "2025-06-05"})
                ep.on_tool_result("book", ok, {"ok": True})
                bad = ep.before_tool("lookup", {"ref": "c-1"})
                ep.on_tool_error("lookup", bad, DEEP)
                ep.finish(reward=1.0)
        evo.flush(60)
        assert any(s.trigger.tool == "book" for s in lib.skills())  # before: none (the miner raised)
