"""A pre-emptive repair whose call failed on the very value it wrote is undone at once: the call is
retried as the model sent it, instead of handing the repair's error back to the model."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._models import ArgCondition, ChangeCase, Repair, Strategy, Trigger, TriggerKind
from skillevo._undo import quotes_own_edit

FOLDERS = {"Reports", "archive"}


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _open(folder: Any, mode: Any = "read") -> Any:
    if mode not in ("read", "write"):
        return f"Error: mode {mode!r} is invalid"
    if folder not in FOLDERS:
        return {"error": f"open: '{folder}': No such file or directory"}
    return {"opened": folder}


def _evolver(lib: SkillLibrary) -> tuple[Evolver, str]:
    evo = Evolver(lib, seed=0, null_arm=False, cache_ttl_s=float("inf"), mining="inline", miner=None)
    # Learned where the model wrote a lower-case folder in title case ('Archive' for 'archive').
    version = lib.add_skill(
        "open-lower-folder",
        Trigger(kind=TriggerKind.TOOL_ERROR, tool="open", pattern="No such file"),
        Strategy(repair=Repair(ops=[ChangeCase(arg="folder", to="lower")],
                               precondition=[ArgCondition(arg="folder", type="str")])),
    )
    evo.lifecycle.start(version.id)
    evo.invalidate()
    return evo, version.id


def _charged(evo: Evolver, version: str) -> float:
    _, b = evo.selector.posterior("open-lower-folder", version)
    return b - 1.0


def test_a_repair_whose_written_value_the_error_quotes_is_undone_without_a_model_turn(lib: SkillLibrary) -> None:
    evo, version = _evolver(lib)
    with evo.episode(task="t") as ep:
        sent = ep.before_tool("open", {"folder": "Reports"})
        assert sent == {"folder": "reports"}  # the learned repair applied before the call
        assert ep.on_tool_result("open", sent, _open(**sent))  # "'reports': No such file": its own value
        retry = ep.on_tool_error("open", sent, _open(**sent))
        assert retry == {"folder": "Reports"}  # the model's own call, tried at once
        assert not ep.on_tool_result("open", retry, _open(**retry))
        ep.finish(reward=1.0)
    assert _charged(evo, version) == 1.0  # the failure stays the repair's


def test_the_repair_still_fixes_what_it_was_learned_for(lib: SkillLibrary) -> None:
    evo, _ = _evolver(lib)
    with evo.episode(task="t") as ep:
        sent = ep.before_tool("open", {"folder": "Archive"})
        assert sent == {"folder": "archive"}
        assert not ep.on_tool_result("open", sent, _open(**sent))
        ep.finish(reward=1.0)


def test_an_error_that_does_not_quote_the_written_value_is_handed_back(lib: SkillLibrary) -> None:
    evo, _ = _evolver(lib)
    with evo.episode(task="t") as ep:
        sent = ep.before_tool("open", {"folder": "Reports", "mode": "append"})
        result = _open(**sent)  # fails on the mode, which no repair touched
        assert ep.on_tool_result("open", sent, result)
        assert ep.on_tool_error("open", sent, result) is None
        ep.finish(reward=0.0)


def test_quotes_own_edit_reads_only_values_the_repair_wrote_and_the_model_did_not_send() -> None:
    sent = {"folder": "Reports", "n": 3}
    assert quotes_own_edit(sent, {"folder": "reports", "n": 3}, "'reports': not found")
    # The error quotes the model's value too (a case-blind backend): nothing tells the repair's apart.
    assert not quotes_own_edit(sent, {"folder": "reports", "n": 3}, "'reports' (asked: 'Reports'): not found")
    # A part of a longer word is no quote; nothing changed, nothing to undo.
    assert not quotes_own_edit(sent, {"folder": "reports", "n": 3}, "'reportsX': not found")
    assert not quotes_own_edit(sent, dict(sent), "'Reports': not found")
    # An argument the repair added is its own value; one it renamed carries the model's value.
    assert quotes_own_edit({"a": "x1"}, {"a": "x1", "region": "eu-west"}, "region eu-west unknown")
    assert not quotes_own_edit({"nm": "abc"}, {"name": "abc"}, "abc unknown")


#: A refund tool whose declared schema says what a currency looks like (three capitals).
REFUND_SCHEMA = {
    "properties": {
        "order_id": {"type": "string"},
        "amount": {"type": "number"},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
    },
    "required": ["order_id", "amount", "currency"],
}


def _refund(order_id: Any, amount: Any, currency: Any) -> Any:
    if currency != currency.upper():
        return {"error": f"currency: string should match pattern '^[A-Z]{{3}}$' [input_value='{currency}']"}
    return {"error": f"refund of {amount} exceeds the refundable balance 12.00 {currency}"}


def test_a_value_the_declared_schema_requires_is_not_undone_when_an_error_about_something_else_quotes_it(
    lib: SkillLibrary,
) -> None:
    evo = Evolver(lib, seed=0, null_arm=False, cache_ttl_s=float("inf"), mining="inline", miner=None)
    # The declared schema is what repairs the model's currency (`_schema_repair`): applied before
    # every call, so any error about the arguments is its site's.
    evo.register_tools({"refund": REFUND_SCHEMA})
    with evo.episode(task="t") as ep:
        sent = ep.before_tool("refund", {"order_id": "A1", "amount": 99.0, "currency": "gbp"})
        assert sent["currency"] == "GBP"
        result = _refund(**sent)  # the balance error quotes "GBP", the tool's own data
        assert ep.on_tool_result("refund", sent, result)
        # The model's "gbp" breaks the declared pattern: its own call cannot be what the tool wants,
        # so re-sending it would only fail the check the repair passes (one more failed call, and
        # that error back to the model).
        assert ep.on_tool_error("refund", sent, result) is None
        # The model's repeat still gets the repair.
        assert ep.before_tool("refund", {"order_id": "A1", "amount": 12.0, "currency": "gbp"})["currency"] == "GBP"
        ep.finish(reward=0.0)


def test_quotes_own_edit_reads_a_declared_schema_the_model_value_breaks() -> None:
    prop = {"currency": {"type": "string", "pattern": "^[A-Z]{3}$"}}
    message = "refund exceeds the balance 12.00 GBP"
    assert quotes_own_edit({"currency": "gbp"}, {"currency": "GBP"}, message)
    assert not quotes_own_edit({"currency": "gbp"}, {"currency": "GBP"}, message, prop)
    # A model value the schema accepts is no such evidence: the repair's value may be the mistake.
    loose = {"currency": {"type": "string"}}
    assert quotes_own_edit({"currency": "gbp"}, {"currency": "GBP"}, message, loose)
