"""A learned drop of an undeclared argument is refused only where its name is the missing declared
argument's in part (``site`` next to an absent ``site_id``), not where the two merely share a generic
word: ``trace_id`` beside an optional ``order_id`` the call left out is no misnamed order, and an
honest closed schema that refuses the extra argument on every call must still teach the drop."""

from __future__ import annotations

from typing import Any

from skillevo import Evolver, SkillLibrary
from skillevo.adapters import call_tool

SCHEMA = {
    "type": "object",
    "properties": {"query": {"type": "string"}, "order_id": {"type": "string"}},
    "required": ["query"],
    "additionalProperties": False,
}


def _run(args: dict[str, Any]) -> Any:
    extra = sorted(set(args) - {"query", "order_id"})
    if extra:
        raise ValueError(f"unexpected argument '{extra[0]}'")
    return "ok"


def test_an_undeclared_argument_sharing_only_a_generic_word_is_still_dropped() -> None:
    evo = Evolver(SkillLibrary(":memory:"), mining="inline", seed=0)
    evo.register_tools({"search": SCHEMA})
    sent = ok = 0
    for i in range(8):
        ep = evo.episode(task=f"t{i}")
        out = call_tool(
            ep, "search", {"query": f"q{i}", "trace_id": f"tr{i}"}, _run, on_exception=lambda e: f"Error: {e}"
        )
        sent += 1
        if out != "ok":
            out = call_tool(ep, "search", {"query": f"q{i}"}, _run, on_exception=lambda e: f"Error: {e}")
            sent += 1
        ok += out == "ok"
        ep.finish(1.0)
    assert ok == 8
    assert sent < 16  # the drop was learned and made
