"""A customer's values never reach a model's prompt (2026-12-06, eleventh attacker's pass).

`LLMMiner` sends a model the failed call's arguments and error text, and the GRPO export's
``skill_generator`` rows carry that same prompt as training data. Before: a phone number in the
error (in any of its national formats), a card number grouped with dots, an IBAN written in lower
case, and the values of the call's personal fields (a holder's name, an account number, a date of
birth) were in both, while e-mail addresses were already hidden there. The model needs the
*shape* of such a value to propose a repair, never the value: no mined repair may write a
person's value (`writes_person`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from skillevo import Evolver, LLMMiner, SkillLibrary
from skillevo._grpo_generator import skill_generator_rows
from skillevo._redaction import redact_text

PHONES = ["+1 415 555 0199", "(415) 555-0187", "020 7946 0958", "06 12 34 56 78", "+49 30 901820", "415.555.0142"]
CARD_DOTS = "4111.1111.1111.1111"
IBAN_LOWER = "de89 3704 0044 0532 0130 00"
PERSON = {"holder": "Moreau", "account_number": "88234411", "date_of_birth": "1984-03-07"}

ANSWER = (
    '{"name": "fix-pay", "description": "d", "trigger": {"kind": "tool_error", "tool": "pay"}, '
    '"strategy": {"guidance": "Send the amount as an integer."}}'
)


def _prompts(folder: Path, error: str, args: dict[str, object]) -> tuple[list[str], str]:
    seen: list[str] = []

    def complete(prompt: str) -> str:
        seen.append(prompt)
        return ANSWER

    with SkillLibrary(str(folder / "lib.db")) as lib:
        evo = Evolver(lib, seed=0, mining="inline", miner=LLMMiner(complete))
        for _ in range(2):
            with evo.episode(task="pay the invoice") as ep:
                sent = ep.before_tool("pay", dict(args))
                ep.on_tool_error("pay", sent, ValueError(error))
                fixed = ep.before_tool("pay", {**args, "amount": 3})
                ep.on_tool_result("pay", fixed, {"ok": True})
                ep.finish(reward=1.0)
        lib.flush()
        rows = "\n".join(str(r.get("prompt")) for r in skill_generator_rows(lib))
    return seen, rows


CASES = {
    **{f"a phone number: {p}": (f"recipient unreachable at {p}; amount must be an integer", p) for p in PHONES},
    "a card number grouped with dots": (f"card {CARD_DOTS} declined; amount must be an integer", CARD_DOTS),
    "an IBAN in lower case": (f"iban {IBAN_LOWER} is closed; amount must be an integer", IBAN_LOWER),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_customer_value_in_an_error_reaches_no_prompt(name: str, tmp_path: Path) -> None:
    error, value = CASES[name]
    seen, rows = _prompts(tmp_path, error, {"amount": "3", "invoice": "INV-2291"})
    assert seen, "the miner was asked"
    assert not [p for p in seen if value in p]
    assert value not in rows
    assert any("amount must be an integer" in p and "INV-2291" in p for p in seen)


def test_a_personal_field_reaches_no_prompt_as_its_value(tmp_path: Path) -> None:
    error = f"holder {PERSON['holder']} (born {PERSON['date_of_birth']}) has no account {PERSON['account_number']}"
    seen, rows = _prompts(tmp_path, error, {"amount": "3", "invoice": "INV-2291", **PERSON})
    assert seen
    for value in PERSON.values():
        assert not [p for p in seen if value in p], value
        assert value not in rows
    assert all("holder" in p and "account_number" in p and "INV-2291" in p for p in seen)


@pytest.mark.parametrize(
    "text",
    [
        "order #W6067464 failed at 2024-01-07 10:30:00",
        "amount 1 000 000 exceeds the limit",
        "retry after 120 s (request 5f2c-9a1b)",
        "version 1.24.3 of the API; host 10.0.0.12",
        "invoice INV-2291 of 12.50 EUR",
        "tracking 1Z999AA10123456784",
    ],
)
def test_ordinary_numbers_stay_in_prompt_text(text: str) -> None:
    assert redact_text(text, emails=True) == text


def test_dotted_cards_and_lower_case_ibans_are_hidden_everywhere() -> None:
    for value in (CARD_DOTS, IBAN_LOWER, IBAN_LOWER.replace(" ", "")):
        assert value not in redact_text(f"payment with {value} failed")
    assert redact_text("pi is 3.1415926535897932") == "pi is 3.1415926535897932"


def test_a_customer_named_only_by_the_error_reaches_no_prompt(tmp_path: Path) -> None:
    """An error quoting a customer the call's arguments do not name (a name, a passport number, a
    birth date, a street): the prompt shows the error's class, not its instance data, as the diff
    report does (`mask_data`)."""
    error = (
        "booking for Alice Moreau (passport X1234567, born 1984-03-07, 12 Rue de Rivoli) failed: "
        "amount must be an integer"
    )
    seen, rows = _prompts(tmp_path, error, {"amount": "3", "invoice": "INV-2291"})
    assert seen
    for value in ("Alice", "Moreau", "X1234567", "1984-03-07", "Rivoli"):
        assert not [p for p in seen if value in p], value
        assert value not in rows
    assert all("failed: amount must be an integer" in p and "INV-2291" in p for p in seen)


def test_the_values_an_error_declares_and_the_calls_values_stay_in_the_prompt(tmp_path: Path) -> None:
    """The model still reads what a repair needs: the closed set the error declares, and the sent
    value the error quotes (shown in the arguments anyway)."""
    error = "Invalid value 'Premium Plus' for cabin: must be one of Economy, Business, First"
    seen, _ = _prompts(tmp_path, error, {"amount": "3", "cabin": "Premium Plus"})
    assert seen and all("Economy, Business, First" in p and "Premium Plus" in p for p in seen)
