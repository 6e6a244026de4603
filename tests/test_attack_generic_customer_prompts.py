"""A customer's values under a key that names no person reach no model's prompt (2026-12-07,
attack16's pass).

`LLMMiner` showed a personal field's value (``holder``, ``account_number``) by its shape, but any
other argument as sent: a ``note`` or ``memo`` holding a customer's name and passport number, a
``query`` holding their street, a ``to``, ``user``, ``client`` or ``customer_ref`` holding their
name, a ``callback`` holding their phone number. Before: 9 of 9 such calls put the customer's
values into the prompt and the GRPO ``skill_generator`` rows (which are that prompt). Now a value
that reads as a person's whatever its key (a name of words, a phone number, free text with a
letter) is shown by its shape, and by its argument's name where the error repeats it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_attack_customer_prompts import _prompts

CASES: dict[str, tuple[dict[str, Any], list[str]]] = {
    "a note": ({"note": "refund for Alice Moreau, passport X1234567"}, ["Alice", "Moreau", "X1234567"]),
    "a query": ({"query": "Alice Moreau 12 Rue de Rivoli"}, ["Alice", "Moreau", "Rivoli"]),
    "to": ({"to": "Alice Moreau"}, ["Alice", "Moreau"]),
    "a reference": ({"customer_ref": "Alice Moreau"}, ["Alice", "Moreau"]),
    "a memo": ({"memo": "for Jean Dupont, born 1984-03-07"}, ["Dupont", "1984-03-07"]),
    "a user": ({"user": "Alice Moreau"}, ["Alice", "Moreau"]),
    "a client": ({"client": "Alice Moreau"}, ["Alice", "Moreau"]),
    "nested": ({"payer_info": {"who": "Alice Moreau"}}, ["Alice", "Moreau"]),
    "a phone number": ({"callback": "4155550199"}, ["4155550199"]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_customer_value_under_a_generic_key_reaches_no_prompt(name: str, tmp_path: Path) -> None:
    extra, values = CASES[name]
    seen, rows = _prompts(tmp_path, "amount must be an integer", {"amount": "3", "invoice": "INV-2291", **extra})
    assert seen, "the miner was asked"
    for value in values:
        assert not [p for p in seen if value in p], value
        assert value not in rows
    assert all("amount must be an integer" in p and "INV-2291" in p for p in seen)  # what a repair needs stays


def test_an_error_repeating_part_of_a_note_names_the_argument(tmp_path: Path) -> None:
    args = {"amount": "3", "invoice": "INV-2291", "note": "refund for Alice Moreau"}
    seen, rows = _prompts(tmp_path, "no account for Alice Moreau; amount must be an integer", args)
    assert seen
    for value in ("Alice", "Moreau"):
        assert not [p for p in seen if value in p] and value not in rows
    assert all("free text of 4 words" in p for p in seen)


def test_forms_a_repair_reads_stay(tmp_path: Path) -> None:
    args = {"amount": "3", "invoice": "INV-2291", "cabin": "Economy", "date": "03/07/2024", "region": "eu-west-1"}
    seen, _ = _prompts(tmp_path, "cabin Economy: amount must be an integer", args)
    assert seen
    assert all(v in p for p in seen for v in ("Economy", "03/07/2024", "eu-west-1", "INV-2291"))
