"""A tool error that lists the values an argument naming a *person* accepts ("Invalid value for
'holder': must be one of Moreau, Stone, Dubois": the account holders on this customer's file, the
passengers of a booking, the recipients a customer saved) is customer data, not a tool's closed set.
The structured-error rule listed the surnames in guidance, so every later prompt of every session
(another customer's included), every stored version, the diff report and the GRPO export carried
them: they are written like any declared value (one capitalised word), so no member's shape voided
the list. The rule now reads the argument's name: a person's name, contact or identity field
declares no values to list. A tool's real closed sets (a city, a cabin, a unit) are still listed."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from skillevo._customer_keys import is_personal_key

sys.path.insert(0, str(Path(__file__).parent))  # the shared harness, leak_harness.py
from leak_harness import error_outputs

CASES: dict[str, tuple[dict[str, Any], str, dict[str, Any], tuple[str, ...]]] = {
    "account holders": (
        {"holder": "amoreau"}, "Invalid value for 'holder': must be one of Moreau, Stone, Dubois.",
        {"holder": "Moreau"}, ("Moreau", "Stone", "Dubois"),
    ),
    "passenger names": (
        {"passenger_name": "ana"}, "Invalid value for 'passenger_name': must be one of Ana, Bruno, Chloe",
        {"passenger_name": "Ana"}, ("Bruno", "Chloe"),
    ),
    "saved recipients": (
        {"recipient": "lea"}, "Invalid value for 'recipient': must be one of Lea, Maximilian",
        {"recipient": "Lea"}, ("Maximilian",),
    ),
    "a customer's last name (camel case)": (
        {"lastName": "x"}, "Invalid value for 'lastName': expected one of Okafor, Nakamura",
        {"lastName": "Okafor"}, ("Okafor", "Nakamura"),
    ),
    "a list naming no argument, on a call sending only a beneficiary": (
        {"beneficiary": "rossi"}, "Invalid value: must be one of Rossi, Bianchi.",
        {"beneficiary": "Rossi"}, ("Rossi", "Bianchi"),
    ),
}


def _outputs(folder: Path, args: dict[str, Any], message: str, correct: dict[str, Any]) -> str:
    """Every prompt's guidance, every stored version, the SKILL.md export and the diff report."""
    return "\n".join(error_outputs(folder, "transfer", args, message, correct, task="send the transfer"))


@pytest.mark.parametrize("case", list(CASES))
def test_a_persons_listed_values_reach_no_prompt_no_version_no_report(case: str, tmp_path: Path) -> None:
    args, message, correct, values = CASES[case]
    out = _outputs(tmp_path, args, message, correct)
    for value in values:
        assert value not in out


@pytest.mark.parametrize("arg", ["city", "cabin"])
def test_a_tools_own_closed_set_is_still_listed(arg: str, tmp_path: Path) -> None:
    message = f"Invalid value for '{arg}': must be one of Paris, Lyon, Nice."
    out = _outputs(tmp_path, {arg: "paris"}, message, {arg: "Paris"})
    assert "`Lyon`" in out


PERSONAL = ["holder", "account_holder", "cardholder", "passenger_name", "first_name", "lastName", "surname",
            "full_name", "recipient", "beneficiary", "payee", "customer", "customer_name", "guest", "email",
            "phone_number", "mobile", "contact", "home_address", "date_of_birth", "dob", "passport_number",
            "national_id", "iban", "account_number", "birth_date", "billing_address", "recipient_email"]  # fmt: skip
NOT_PERSONAL = ["city", "cabin", "unit", "name", "file_name", "tool_name", "product_name", "status", "currency",
                "holder_type", "recipient_count", "email_format", "name_format", "country", "contact_method",
                "customer_tier", "customer_segment", "mail_class", "passenger_class"]  # fmt: skip


@pytest.mark.parametrize("key", PERSONAL)
def test_a_persons_field_is_personal(key: str) -> None:
    assert is_personal_key(key)


@pytest.mark.parametrize("key", NOT_PERSONAL)
def test_other_fields_are_not(key: str) -> None:
    assert not is_personal_key(key)


def test_a_list_whose_members_are_field_words_is_still_listed(tmp_path: Path) -> None:
    """'email' quoted as a member names no argument: the channel's closed set is listed."""
    message = "Invalid value for 'channel': must be one of 'email', 'sms', 'push'."
    out = _outputs(tmp_path, {"channel": "letter"}, message, {"channel": "sms"})
    assert "`email`" in out
