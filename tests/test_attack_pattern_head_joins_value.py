"""The declared-head repair adds a prefix, never a digit or letter of the value itself (attack36).

``_conform`` puts the literal head of an anchored declared pattern before a value that lacks it
(``"40321"`` -> ``"PKG_40321"`` for ``^PKG_[0-9]{5}$``). When the head ends in the same kind of
character the value starts with, the head is not a prefix set apart from the value but part of the
number or word: ``^1[0-9]{9}$`` turned a phone number short of one digit (``"555123456"``) into a
valid-looking other one (``"1555123456"``), ``^9[0-9]{7}$`` an account id typed short into another
customer's id, ``^0[0-9]{4}$`` a four-digit postal code into a different one. Each call then went
through to the wrong record, silently. Now the head is added only where it joins the value at a
boundary: it ends in a separator, or it ends in a letter before a digit (or a digit before a letter).
"""

from __future__ import annotations

import pytest

from skillevo._conform import NO, conform


@pytest.mark.parametrize(
    ("value", "pattern"),
    [
        ("555123456", r"^1\d{9}$"),  # one digit short: another phone number
        ("2345678", "^9[0-9]{7}$"),  # an account id typed short: another customer's
        ("1234", "^0[0-9]{4}$"),  # another postal code
        ("ANE", "^J[A-Z]{3}$"),  # a letter of the word
        ("olor", "^c[a-z]+$"),
    ],
)
def test_a_head_continuing_the_value_is_not_added(value: str, pattern: str) -> None:
    assert conform(value, {"type": "string", "pattern": pattern}) is NO


@pytest.mark.parametrize(
    ("value", "pattern", "want"),
    [
        ("40321", "^PKG_[0-9]{5}$", "PKG_40321"),
        ("40321", "^PKG[0-9]{5}$", "PKG40321"),  # a letter head before digits: a boundary
        ("7", r"^v\d+(\.\d+)*$", "v7"),
        ("AB12", "^1-[A-Z0-9]+$", "1-AB12"),
        ("ab", "^9[a-z]+$", "9ab"),  # a digit head before letters
    ],
)
def test_a_head_set_apart_is_still_added(value: str, pattern: str, want: str) -> None:
    assert conform(value, {"type": "string", "pattern": pattern}) == want
