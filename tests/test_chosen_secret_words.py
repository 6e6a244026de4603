"""A secret a person chooses (a password, a passphrase, a PIN, a security answer) may be ordinary
words, and its first word may be one a sentence opens with: "the blue house", "my dog rex", "over the
moon". Words under a label read as a sentence are no secret only where the label names a secret a
system issues (a token, a session, a cookie, credentials): such a value is never words.

Before (attack25's sentence reading, 2026-12-07), every value opening with a closed-class word or a
participle was kept whatever the label: 8 of 8 below reached the text whole, where the day before
each was hidden.
"""

from __future__ import annotations

import pytest

from skillevo._detect import error_signature
from skillevo._redaction import redact_text

CHOSEN = [
    ("security answer: the blue house", "blue house"),
    ("password: my dog rex", "dog rex"),
    ("passphrase: over the moon", "moon"),
    ("password: always sunny", "sunny"),
    ("pin: over 9000", "9000"),
    ("memorable word: the river", "river"),
    ("wifi password: in the garden shed", "garden shed"),
    ("login failed; password: all good things", "good things"),
]


@pytest.mark.parametrize(("text", "secret"), CHOSEN)
def test_a_chosen_secret_that_opens_like_a_sentence_is_hidden(text: str, secret: str) -> None:
    for shown in (redact_text(text), error_signature(text)):
        assert secret not in shown, shown


@pytest.mark.parametrize(
    "text",
    [
        "session: started at noon",
        "token: the request needs one",
        "auth: failed because the user is unknown",
        "cookie: not sent by the browser",
        "access token: was not accepted by the upstream",
    ],
)
def test_words_under_an_issued_secrets_label_still_stay(text: str) -> None:
    assert redact_text(text) == text
