"""A short number a person's key held is not hidden where other arguments and errors echo it.

privacy8 hides a person's value wherever the episode's texts echo it. A short number under a
person's key (``account_number: "100"``) then masked every ``100`` of the episode: an amount sent
as ``"100"`` was stored as ``"999"``, and the error ``amount must be at most 100`` as ``at most
999``, so what learning read of non-personal arguments (the amount, the limit the tool stated)
was no longer what the agent and the tool said. A number of fewer than six digits names no one
alone; it is still masked where it sits, under its key.
"""

from __future__ import annotations

from typing import Any

from skillevo._customer_mask import mask_customers, remember_people


def _masked(data: dict[str, Any]) -> dict[str, Any]:
    people: set[str] = set()
    remember_people([data], people)
    out: dict[str, Any] = mask_customers(data, people)
    return out


def test_a_short_number_of_a_persons_key_leaves_amounts_and_limits_alone() -> None:
    data = {"args": {"account_number": "100", "amount": "100"}, "error": "amount must be at most 100"}
    out = _masked(data)
    assert out == {"args": {"account_number": "900", "amount": "100"}, "error": "amount must be at most 100"}


def test_a_long_number_is_still_hidden_where_it_is_echoed() -> None:
    data = {"args": {"account_number": "00412345"}, "error": "account 00412345 is closed"}
    assert _masked(data)["error"] == "account 00999999 is closed"
