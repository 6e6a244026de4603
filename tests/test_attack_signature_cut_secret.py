"""A passphrase cut by the error signature's length cap (attack19).

An error signature keeps 196 characters of the reshaped message. `hide_in_signature` hides an
episode's secret where the signature holds its whole shape (``plum orbit <n> zebra canyon``); an
error that quotes the passphrase where the cap falls inside it left its first words in the stored
signature (``... phrase plum orbit <n> zebra canyo``, ``... plum orbit <n> z``, ``... plum o``): 3 of
3 cut positions kept part of the secret. A shape's beginning that ends the signature (6 characters or
more, holding one of its words) is now hidden too; a signature that merely ends in a common word
stays.
"""

from __future__ import annotations

import pytest

from skillevo._detect import error_signature, hide_in_signature

SECRET = "plum orbit 7731 zebra canyon"


@pytest.mark.parametrize("words", [29, 31, 33])
def test_a_secret_cut_by_the_cap_is_hidden(words: int) -> None:
    message = "login refused for " + "word " * words + "phrase " + SECRET + " try again"
    shown = hide_in_signature(error_signature(message), {SECRET})
    assert "plum o" not in shown and shown.endswith("[REDACTED:secret]"), shown


def test_a_signature_ending_in_an_ordinary_word_stays() -> None:
    signature = error_signature("login refused: unknown plum")
    assert hide_in_signature(signature, {SECRET}) == signature
    whole = error_signature(f"bad value: {SECRET}; try again")
    assert hide_in_signature(whole, {SECRET}) == "v3:bad value: [REDACTED:secret]; try again"
