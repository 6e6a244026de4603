"""A secret's name in look-alike letters not touching an ASCII letter (attack19).

The escape view reads a look-alike letter (TR39's confusables) as its ASCII letter only in a run
of non-ASCII characters right beside an ASCII letter (``p\\u0430ssword``). A key whose look-alike
part sits beside a connector (``x-\\u0430\\u0440\\u0456-key``, ``api_\\u041a\\u0415\\u03a5``) or is
a whole word in letters of two other scripts (Cyrillic and Greek: ``\\u0422\\u041e\\u041a\\u0415\\u039d``
for TOKEN) named nothing: 5 of 5 kept the value. A word joined by ``_``, ``-`` or ``.`` to ASCII
letters, or mixing two scripts, is now read through the table; one-script prose stays as written.
"""

from __future__ import annotations

import pytest

from skillevo._redaction import redact_text

SECRET = "Quokka7731plumZ"
KEYS = {
    "between hyphens": "x-\u0430\u0440\u0456-key",  # x-арі-key (Cyrillic)
    "after an underscore": "api_\u041a\u0415\u03a5",  # api_КЕΥ (Cyrillic, Greek)
    "before an underscore": "\u0430\u0440\u0456_key",  # арі_key (Cyrillic)
    "cyrillic and greek": "\u0422\u041e\u041a\u0415\u039d",  # ТОКЕΝ
    "greek and cyrillic": "\u03a1\u0391\u0405\u0405",  # ΡΑЅЅ
}


@pytest.mark.parametrize("name", list(KEYS))
def test_a_look_alike_key_hides_its_value(name: str) -> None:
    for text in (f"denied: {KEYS[name]}={SECRET} (end)", f"{KEYS[name]}: {SECRET}"):
        shown = redact_text(text)
        assert SECRET not in shown and "[REDACTED" in shown, shown


@pytest.mark.parametrize(
    "text",
    [
        "\u041c\u043e\u0441\u043a\u0432\u0430: \u0441\u043e\u0440 \u0438 \u0440\u0435\u043a\u0430 key_count=12",
        "file_\u0438\u043c\u044f.txt saved, size=2048",
        "\u0391\u03b8\u03ae\u03bd\u03b1 - \u041a\u0438\u0435\u0432 order=A-1042",
    ],
)
def test_prose_in_other_scripts_stays(text: str) -> None:
    assert redact_text(text) == text
