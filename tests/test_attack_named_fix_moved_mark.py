"""A correction cut down to the argument its error names keeps the part of the fix that moved out of
that argument: the agent, told ``field amount: invalid number`` for ``"70.00 EUR"``, sent ``amount:
70.0`` with ``currency: "EUR"`` (and a memo of the task's own). Cut to ``amount`` alone, the rule
learned to drop the ``EUR`` and send the amount with no currency: the tool's default one, another
amount of money. The moved mark stays with the named change; the unrelated memo is still cut."""

from __future__ import annotations

from typing import Any

from skillevo._models import Event, EventKind
from skillevo._named_fix import synthesize_named
from skillevo._repair import apply_repair


def test_a_mark_moved_to_another_argument_stays_in_the_rule() -> None:
    pairs: list[tuple[Event, Event]] = []
    args: list[tuple[dict[str, Any], dict[str, Any]]] = []
    memos = ("rent for march", "invoice paid late", "deposit", "coffee beans")
    for i, (sent, amount) in enumerate((("1,250.00 EUR", 1250.0), ("980.50 EUR", 980.5),
                                         ("2,000.00 EUR", 2000.0), ("15.00 EUR", 15.0))):
        bad: dict[str, Any] = {"amount": sent}
        good: dict[str, Any] = {"amount": amount, "currency": "EUR", "memo": memos[i]}
        err = Event(kind=EventKind.TOOL_ERROR, tool="pay", episode_id=f"e{i}",
                    data={"error": "field amount: invalid number", "args": bad})
        pairs.append((err, Event(kind=EventKind.TOOL_RESULT, tool="pay", episode_id=f"e{i}", data={"args": good})))
        args.append((bad, good))
    repair, _ = synthesize_named(pairs, args)
    assert repair is not None
    fixed = apply_repair(repair, {"amount": "70.00 EUR"})
    assert fixed.get("currency") == "EUR", fixed  # (before: {"amount": 70.0}, the currency lost)
    assert "memo" not in fixed
