"""A name an error alone introduces is a name, never one record's data (inject5, 2026-12-07).

A missing-argument error names an argument the call did not send, so the words of that name are the
tool's choice: `message_name` held them to an identifier of at most four words, but not to the rule
every declared value already crosses (`_shape.is_instance_value`: no run of five digits, no phone,
no e-mail address, no UUID). "missing required argument 'acct_88812345678'" (a tool echoing the
account it looked up, a customer's phone or SSN glued to a field's name) became
"`pay` requires `acct_88812345678`: always include it in the call." in stored guidance and in every
later session's prompt: one customer's number shown to the next. Each carrier below did so before.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from test_injection_attacks import _loop

from skillevo._guidance_facts import message_name, missing_fields
from skillevo._untrusted import identifier

CARRIERS = {
    "an account number": ("missing required argument 'acct_88812345678'", "88812345678"),
    "a phone number": ("missing required argument 'phone_4155550199'", "4155550199"),
    "an SSN glued in camelCase": ("missing required argument 'ssn078051120Confirm'", "078051120"),
    "an order number": ("missing required argument 'order_W6067464'", "6067464"),
    "a validation body's location": (
        '{"detail":[{"loc":["body","user_4155550199"],"msg":"Field required","type":"missing"}]}',
        "4155550199",
    ),
    "a validation body's index": (
        '{"detail":[{"loc":["body","cards","88812345678"],"msg":"Field required","type":"missing"}]}',
        "88812345678",
    ),
}


@pytest.mark.parametrize("name", sorted(CARRIERS))
def test_record_data_in_a_name_an_error_introduces_reaches_no_guidance(name: str) -> None:
    error, data = CARRIERS[name]
    texts = _loop("pay", {"amount": 5}, error)
    assert texts, "the loop produced nothing to read"
    for text in texts:
        assert data not in text, (name, text)


def test_a_name_with_a_short_number_is_still_a_name() -> None:
    # Versions, line numbers, hash names: a digit or four is part of many honest names.
    for name in ("address_line2", "sha256_digest", "iso8601_date", "v2_token_id"):
        assert message_name(name, {}) == name
    assert missing_fields("missing required argument 'address_line2'", {"city": "x"}) == ["address_line2"]
    texts = _loop("ship", {"city": "Lyon"}, "missing required argument 'address_line2'")
    assert any("`address_line2`" in t for t in texts)


def test_message_name_refuses_a_record_shape() -> None:
    args: dict[str, Any] = {}
    assert message_name("acct_88812345678", args) is None
    assert message_name("phone_4155550199", args) is None


NAMES_SENT = {
    "a key the agent sent, reported unexpected": (
        {"amount": 5, "order_W6067464": True}, "unexpected argument 'order_W6067464'", "6067464",
    ),
    "a key the agent sent, in the wrong case": (
        {"amount": 5, "note_4155550199": "Open"}, "note_4155550199 must be one of: open, closed", "4155550199",
    ),
}


@pytest.mark.parametrize("name", sorted(NAMES_SENT))
def test_record_data_in_a_name_the_agent_sent_reaches_no_guidance(name: str) -> None:
    # A name holding one record's number names that record, not an argument of the tool: no later
    # call has it, and shown, it is one customer's number in every later session's prompt.
    args, error, data = NAMES_SENT[name]
    texts = _loop("pay", args, error)
    assert texts
    for text in texts:
        assert data not in text, (name, text)


def test_identifier_refuses_a_record_number() -> None:
    assert identifier("order_W6067464") is None
    assert identifier("refund_4155550199") is None
    assert identifier("address_line2") == "address_line2"
    assert identifier("utf8_text") == "utf8_text"
