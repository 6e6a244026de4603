"""A secret a rule found, repeated in the same text in another spelling (attack19).

A rule hides a value it reads as a secret (``password='...'``) and `_secret_echo` hides every other
place the text repeats it, exactly as written. A tool that quotes the refused value back in
another spelling (``you sent 'QUOKKA7731PLUMZ'``, the passphrase lower-cased, ``\\u0051uokka...``,
``Quokka%37731plumZ``, ``Quokka-7731-plumZ``) kept the copy whenever the call had no episode
secrets to match (a direct `redact_text`, a text no secret key sent): 5 of 5. The values the rules
found are now looked for in every spelling an episode's known secrets are (`_secret_known`).
"""

from __future__ import annotations

import pytest

from skillevo._redaction import redact_text

TEXTS = {
    "passphrase lower-cased": (
        "Plum Orbit 7731 Zebra",
        "password='Plum Orbit 7731 Zebra' rejected; you sent 'plum orbit 7731 zebra'",
    ),
    "upper-cased": ("Quokka7731plumZ", "password='Quokka7731plumZ' rejected; you sent 'QUOKKA7731PLUMZ'"),
    "a \\u escape": ("Quokka7731plumZ", "password=Quokka7731plumZ rejected; echo: \\u0051uokka7731plumZ"),
    "a percent-escape": ("Quokka7731plumZ", "password=Quokka7731plumZ rejected; echo: Quokka%37731plumZ"),
    "separators put in": ("Quokka7731plumZ", "password=Quokka7731plumZ rejected; echo: Quokka-7731-plumZ"),
}


@pytest.mark.parametrize("name", list(TEXTS))
def test_a_respelled_echo_is_hidden(name: str) -> None:
    secret, text = TEXTS[name]
    shown = redact_text(text)
    assert "7731" not in shown and "[REDACTED" in shown, (secret, shown)


def test_ordinary_words_beside_a_secret_stay() -> None:
    shown = redact_text("password='Quokka7731plumZ' rejected for user quokka (plan 7731)")
    assert shown.endswith("rejected for user quokka (plan 7731)"), shown
