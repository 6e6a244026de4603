"""Character escapes the escape view did not read (attack19).

The view (`_secret_escapes`) decodes HTML numeric references with at most 7 decimal or 6 hex
digits, and ``\\u`` with exactly four. HTML allows any number of leading zeros (``&#x0000077;``,
``&#00000119;``: what a browser and `html.unescape` read as ``w``), and JavaScript, Rust, Swift,
Ruby and PHP write ``\\u{77}``. A key in those escapes (``pass&#x0000077;ord=``, ``pass\\u{77}ord=``)
named nothing, and an episode's secret echoed one ``\\u{..}`` at a time stayed: 6 of 6 kept the value.
Now leading zeros are read past and ``\\u{...}`` (1 to 6 hex digits) is an escape; ``{`` after a
``\\u`` that is not one (``\\u{name}``) stays text.
"""

from __future__ import annotations

import pytest

from skillevo._redaction import redact_text

SECRET = "Quokka7731plumZ"
KEYS = {
    "hex reference, 7 digits": "pass&#x0000077;ord",
    "decimal reference, 8 digits": "pass&#00000119;ord",
    "braced \\u, 2 digits": "pass\\u{77}ord",
    "braced \\u, 6 digits": "pass\\u{000077}ord",
    "braced \\u, whole key": "".join(f"\\u{{{ord(c):x}}}" for c in "password"),
}


@pytest.mark.parametrize("name", list(KEYS))
def test_a_key_in_these_escapes_hides_its_value(name: str) -> None:
    shown = redact_text(f"rejected: {KEYS[name]}={SECRET} (end)")
    assert SECRET not in shown and "[REDACTED" in shown and shown.endswith("(end)"), shown


def test_an_echo_in_braced_escapes_hides_the_known_secret() -> None:
    echo = "".join(f"\\u{{{ord(c):x}}}" for c in SECRET)
    shown = redact_text(f"const s = '{echo}';", known={SECRET})
    assert echo not in shown and "[REDACTED" in shown, shown


@pytest.mark.parametrize(
    "text",
    [
        "template \\u{name} and regex /\\u{1F600}/u matched",
        "entity &#x0000e9; in caf&#x0000e9; stays",
        "price 100% off, 50%-60% range",
    ],
)
def test_escapes_of_no_secret_stay(text: str) -> None:
    assert redact_text(text) == text
