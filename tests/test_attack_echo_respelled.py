"""A secret a rule found, repeated in the same text in another spelling (attack19).

A rule hides a value it reads as a secret (``password='...'``) and `_secret_echo` hides every other
place the text repeats it, exactly as written. A tool that quotes the refused value back in
another spelling (``you sent 'QUOKKA7731PLUMZ'``, the passphrase lower-cased, ``\\u0051uokka...``,
``Quokka%37731plumZ``, ``Quokka-7731-plumZ``) kept the copy whenever the call had no episode
secrets to match (a direct `redact_text`, a text no secret key sent): 5 of 5. The values the rules
found are now looked for in every spelling an episode's known secrets are (`_secret_known`).
"""

from __future__ import annotations

from typing import Any

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


def test_a_dump_of_many_secrets_is_not_searched_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """A table of a thousand rows, each its own secret, is no echo: looked for again in every spelling
    it took 4x the rules' time (66 KB, 1500 rows); only a few found values are."""
    import skillevo._redaction as redaction
    from skillevo._secret_known import hide_known as real

    calls: list[int] = []

    def counting(text: str, known: set[str], apply: Any) -> str:
        calls.append(len(known))
        return real(text, known, apply)

    monkeypatch.setattr(redaction, "hide_known", counting)
    rows = "\n".join(f"user{i}: password=Qk{i:04d}x7Lm9Pz role=staff" for i in range(40))
    shown = redact_text(rows)
    assert "Qk0001x7Lm9Pz" not in shown and calls == []
    redact_text("password='Quokka7731plumZ' rejected; you sent 'QUOKKA7731PLUMZ'")
    assert calls == [1]
