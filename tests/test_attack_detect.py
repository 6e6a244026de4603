"""A tool's failure is read as one whatever form its text comes in: behind a byte-order mark or a
zero-width character, as bytes, as a list of content blocks (a LangChain message's or an MCP
tool's content). Before, each was recorded as a success (nothing learned from it), while the same
words as a plain text were an error; the per-call shortcut (`FAILURE_FIRST`) agrees."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from skillevo import EventKind, Evolver, SkillLibrary
from skillevo._detect import FAILURE_FIRST, INVISIBLE_LEAD, detect_failure
from skillevo.adapters import call_tool

FAILURES: dict[str, Any] = {
    "byte-order mark": "\ufeffError: order 42 not found",
    "zero-width space": "\u200b Error: order 42 not found",
    "mark before JSON": '\ufeff{"error": "order 42 not found"}',
    "bytes": b"Error: order 42 not found",
    "content blocks": [{"type": "text", "text": "Error: order 42 not found"}],
    "JSON in a block": [{"type": "text", "text": '{"error": "order 42 not found"}'}],
}
SUCCESSES: dict[str, Any] = {
    "mark before a success": "\ufeffOrder 42 shipped",
    "blocks of a success": [{"type": "text", "text": "Order 42 shipped"}],
    "data with a text field": [{"id": 1, "text": "Error: looked up in the manual"}],
    "bytes of a success": b"Order 42 shipped",
}


@pytest.fixture
def evo() -> Iterator[Evolver]:
    with SkillLibrary(":memory:") as lib:
        yield Evolver(lib, miner=None, sandbox=None)


def _errors(evo: Evolver, episode_id: str) -> list[str]:
    return [str(e.data.get("error")) for e in evo.store.events(episode_id=episode_id, kind=EventKind.TOOL_ERROR)]


@pytest.mark.parametrize("result", list(FAILURES.values()), ids=list(FAILURES))
def test_a_failure_in_any_form_is_recorded_as_one(evo: Evolver, result: Any) -> None:
    with evo.episode(task="t") as ep:
        assert ep.on_tool_result("orders", {"id": 42}, result) is True
    assert any("order 42 not found" in e for e in _errors(evo, ep.id))


@pytest.mark.parametrize("result", list(SUCCESSES.values()), ids=list(SUCCESSES))
def test_a_success_in_those_forms_stays_one(evo: Evolver, result: Any) -> None:
    with evo.episode(task="t") as ep:
        assert ep.on_tool_result("orders", {"id": 42}, result) is False
    assert _errors(evo, ep.id) == []


@pytest.mark.parametrize("result", list(FAILURES.values()), ids=list(FAILURES))
def test_call_tool_hears_the_failure(evo: Evolver, result: Any) -> None:
    heard: list[Any] = []
    with evo.episode(task="t") as ep:
        original = ep.on_tool_error

        def on_tool_error(name: str, args: dict[str, Any], error: Any) -> dict[str, Any] | None:
            heard.append(error)
            return original(name, args, error)

        ep.on_tool_error = on_tool_error  # type: ignore[method-assign]
        assert call_tool(ep, "orders", {"id": 42}, lambda args: result) is result
    assert heard == [result]


def test_the_shortcut_leaves_every_invisible_first_character_to_detect_failure() -> None:
    for c in INVISIBLE_LEAD:
        assert c in FAILURE_FIRST and detect_failure(c + "Error: x") is not None
        assert detect_failure(c + "fine") is None
