"""A value the call sent, echoed back in its error, names no argument (attack36).

`error_names` reads a compound spelling in an error (``binCode``) as the name of the argument sent
as ``bin_code``, so that credit is isolated for the argument the error is about. The words of an
echoed value were read too: a customer's note saying "please check binCode", quoted back in the
error about the note, made the failure the bin code's. A repair editing ``bin_code`` was then
charged a failure it had nothing to do with (a good repair retired), and a repair whose own
argument failed could be cleared by text naming another argument (a bad repair kept): whoever
writes a value steered the credit. Now a sent value's text, wherever the error repeats it as a
whole, is read as the value, not as names.
"""

from __future__ import annotations

import pytest

from skillevo._attribution import error_names, names_elsewhere

_ARGS = {"bin_code": "A7", "note": "please check binCode and CardNumber"}


@pytest.mark.parametrize(
    "message",
    [
        "invalid note 'please check binCode and CardNumber'",
        "invalid note: please check binCode and CardNumber",
        'note must be under 20 characters (got "please check binCode and CardNumber")',
    ],
)
def test_an_echoed_value_names_no_other_argument(message: str) -> None:
    args = {**_ARGS, "card_number": "x"}
    named = error_names(message, "stock", args)
    assert "bin_code" not in named and "card_number" not in named
    # The bin-code repair's site is not charged through the customer's words (nor cleared by them).
    assert not names_elsewhere(frozenset({"note"}), message, "stock", args, lambda tool, arg: True)


def test_the_backend_spelling_outside_the_echo_still_names_its_argument() -> None:
    message = "binCode must be upper case; note 'please check binCode and CardNumber' was ignored"
    assert "bin_code" in error_names(message, "stock", _ARGS)


def test_a_value_inside_a_longer_name_is_not_cut_out() -> None:
    assert "bin_code" in error_names("binCode must be upper case", "stock", {"bin_code": "bin", "x": "Code"})
