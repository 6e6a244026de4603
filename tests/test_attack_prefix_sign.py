"""Attack: an id's prefix read as a number's sign.

A `coerce` with a `prefix` drops the text before an id's number ("P-0042" -> 42). A sign after the
prefix was read as the number's: a rule learned from "P42" (prefix "P") sent "P-42" as -42, one
learned from "P-0042" (prefix "P-") sent "P--42" as -42, and a prefix that is only a sign ("-",
learned from "-42" -> 42 or imported) turned every negative amount positive. Each is a value
silently changed into another number; such a text is left as it is.
"""

from __future__ import annotations

import re

import pytest

from skillevo._models import CoerceArg, Repair
from skillevo._repair import apply_repair, precondition_holds, synthesize
from skillevo._units import number_regex, read_number


@pytest.mark.parametrize(
    ("prefix", "text"), [("P", "P-42"), ("P-", "P--42"), ("#", "#-7"), ("P", "P+42"), ("INV", "INV -3")]
)
def test_a_sign_after_the_prefix_is_not_read(prefix: str, text: str) -> None:
    assert read_number(text, "int", prefix=prefix) is None
    assert re.fullmatch(number_regex(None, None, prefix), text) is None
    repair = Repair(ops=[CoerceArg(arg="patient", to="int", prefix=prefix)])
    assert apply_repair(repair, {"patient": text}) == {"patient": text}


def test_the_ids_number_is_still_read() -> None:
    assert read_number("P42", "int", prefix="P") == 42
    assert read_number("P-0042", "int", prefix="P-") == 42
    assert read_number("INV 0042", "int", prefix="INV") == 42


@pytest.mark.parametrize("prefix", ["-", "+", "+-", "--"])
def test_a_prefix_that_is_only_a_sign_is_refused(prefix: str) -> None:
    with pytest.raises(ValueError):
        CoerceArg(arg="amount", to="int", prefix=prefix)


def test_a_sign_dropped_is_never_learned_as_a_prefix() -> None:
    repair = synthesize([({"amount": "-42"}, {"amount": 42}), ({"amount": "-7"}, {"amount": 7})])
    if repair is not None:
        assert apply_repair(repair, {"amount": "-5"}) != {"amount": 5}
        assert not precondition_holds(repair, {"amount": "-5"}) or apply_repair(repair, {"amount": "-5"})["amount"] != 5
