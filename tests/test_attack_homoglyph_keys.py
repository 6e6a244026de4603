"""A secret's name spelled with look-alike letters of another script (attack18).

``pаssword=`` with a Cyrillic ``а``, ``tοken`` with a Greek ``ο``, ``secrеt`` with a Cyrillic ``е``
read as the secret's name to a person (and to a tool that folds them) and as no word to the key
rules: before, 6 of 6 kept the value. In a word that mixes ASCII letters with others, each other
letter that Unicode's confusables table (TR39, the kept ``confusable-homoglyphs`` data) gives an
ASCII look-alike is read as that look-alike (`_secret_escapes`); words of one script, and accented
Latin, are read as written.
"""

from __future__ import annotations

import pytest

from skillevo._redaction import redact_text

SECRET = "Quokka7731plumZ"
FORMS = [
    "p\u0430ssword",  # Cyrillic a
    "\u0440\u0430ssword",  # Cyrillic er, a
    "t\u03bfken",  # Greek omicron
    "secr\u0435t",  # Cyrillic ie
    "\u0430pi_k\u0435y",  # Cyrillic a, ie
    "p\u0430ssw\u043erd",  # Cyrillic a, o
]


@pytest.mark.parametrize("key", FORMS)
def test_a_look_alike_secret_name_hides_its_value(key: str) -> None:
    shown = redact_text(f"config rejected: {key}={SECRET} (end)")
    assert SECRET not in shown and shown.endswith("(end)"), shown


@pytest.mark.parametrize("text", ["Привет, мир: 42", "Zürich café naïve: 42", "ΑΒΓ test = 7", "Tokyo pass_through=eu"])
def test_words_of_one_script_and_accented_latin_stay(text: str) -> None:
    assert redact_text(text) == text
