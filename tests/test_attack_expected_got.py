""""Expected X, got Y" compares one record's value with the one sent: it declares no set (attack10).

A list of quoted members may end where the next clause of a one-line message starts (LangChain's
flattened ``... 'ppo' or 'hdhp' Please fix the error``). A verification error that reports what
the tool expected for this one record (``expected 'Moreau' Got 'Stone'``: the booking's surname, a
reference code) then read as a one-member declared set, and its value was written into a guidance
rule every later session sees (``the value must be one of `Moreau` ``). An expectation followed by
what was got instead is a comparison, however it is punctuated; a set declared as one stays one.
"""

from __future__ import annotations

import pytest

from skillevo._guidance_facts import declared_values
from skillevo._structured import structured_rule

ARGS = {"booking_ref": "B1", "last_name": "Stone", "code": "zx81qk", "seat": "window"}


@pytest.mark.parametrize(
    "message",
    [
        "Error: expected 'Moreau' Got 'Stone'",
        "Error: expected 'Moreau'. Got 'Stone'",
        "Verification failed: expected 'ZX81QK' Received 'zx81qk'",
        "Error: code: expected 'ZX81QK', but got 'zx81qk'",
        "Mismatch: expected \"Moreau\" Found \"Stone\" in the booking",
    ],
)
def test_an_expected_value_reported_against_the_one_sent_is_no_declared_set(message: str) -> None:
    assert declared_values(message, ARGS) == []
    rule = structured_rule("check_in", message, "enum", dict(ARGS), 0)
    assert rule is None or not any(v in (rule.guidance or "") for v in ("Moreau", "ZX81QK"))


@pytest.mark.parametrize(
    ("message", "members"),
    [
        ("Error: seat: Input should be 'aisle' or 'window' Please fix the error", ["aisle", "window"]),
        ("Error: plan: expected one of 'ppo', 'hdhp'. Got 'hmo'", ["ppo", "hdhp"]),
        ("1 validation error: seat Input should be 'aisle' [type=literal_error, input_value='x']", ["aisle"]),
    ],
)
def test_a_declared_set_is_still_read(message: str, members: list[str]) -> None:
    assert declared_values(message, ARGS) == members
