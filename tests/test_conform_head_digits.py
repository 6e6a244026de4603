"""The literal head a declared pattern starts with is put before a value only where it stays a part
of its own: never a digit joined to a value's leading digit, which makes the caller's number another
number.

world9 added the head (``"40321"`` -> ``"PKG_40321"`` for ``^PKG_[0-9]{5}$``). For a pattern whose
head ends in a digit, ``"1234"`` for ``^9[0-9]{4}$`` conformed as ``"91234"`` and ``"999"`` for a
``^1[0-9]{3}$`` year as ``"1999"``: a lossless conversion "only one conforming value can be meant"
sent the tool another record's id, or another year, as the caller's.
"""

from __future__ import annotations

from typing import Any

import pytest

from skillevo._conform import NO, conform


@pytest.mark.parametrize(
    ("value", "schema"),
    [
        ("1234", {"type": "string", "pattern": "^9[0-9]{4}$"}),
        ("999", {"type": "string", "pattern": "^1[0-9]{3}$"}),
        ("4567", {"type": "string", "pattern": r"^PKG7\d{4}$"}),
    ],
)
def test_a_number_is_not_made_another_number(value: str, schema: dict[str, Any]) -> None:
    assert conform(value, schema) is NO


def test_a_head_that_stays_apart_is_still_added() -> None:
    assert conform("40321", {"type": "string", "pattern": "^PKG_[0-9]{5}$"}) == "PKG_40321"
    assert conform("7", {"type": "string", "pattern": r"^v\d+$"}) == "v7"
