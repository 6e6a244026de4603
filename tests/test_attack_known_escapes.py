"""An episode's own secret echoed back character by character in an escape notation (attack18).

A value the episode sent under a secret's name is hidden wherever a later text echoes it, in the
spellings a tool writes it in (JSON-escaped, percent-encoded as a whole, base64, hex, another case,
other separators: `_secret_known`). A tool that writes each character as an escape was not read:
HTML character references (``&#81;&#117;...``, ``&#x51;...``, one character of many), every
character percent-encoded (``%51%75...``) or twice (``%2551...``), ``\\x51``, ``\\u0051``,
``\\U00000051``, octal ``\\121``, CSS ``\\51 ``, full-width letters, a soft hyphen between each
character. Before: 13 of 13 notations kept the secret in the text, and 4 of 4 reached the library file.
The echoes are now read through one view of the text with those escapes decoded (and compatibility
characters folded, invisible formatting dropped), each decoded character mapped back to its escape.
"""

from __future__ import annotations

import sys
import urllib.parse
from pathlib import Path

import pytest

from skillevo._redaction import redact_text

sys.path.insert(0, str(Path(__file__).parent))
from leak_harness import echo_episodes

SECRET = "Quokka7731plumZ"

FORMS = {
    "html decimal": "".join(f"&#{ord(c)};" for c in SECRET),
    "html hex": "".join(f"&#x{ord(c):x};" for c in SECRET),
    "html one character": SECRET[:4] + f"&#{ord(SECRET[4])};" + SECRET[5:],
    "percent every character": "".join(f"%{ord(c):02X}" for c in SECRET),
    "percent twice": urllib.parse.quote("".join(f"%{ord(c):02X}" for c in SECRET)),
    "\\x": "".join(f"\\x{ord(c):02x}" for c in SECRET),
    "\\u": "".join(f"\\u{ord(c):04x}" for c in SECRET),
    "\\U": "".join(f"\\U{ord(c):08x}" for c in SECRET),
    "octal": "".join(f"\\{ord(c):03o}" for c in SECRET),
    "css": "".join(f"\\{ord(c):x} " for c in SECRET),
    "full-width": "".join(chr(ord(c) + 0xFEE0) for c in SECRET),
    "soft hyphens": "\u00ad".join(SECRET),
    "mixed": "".join(f"&#{ord(c)};" if i % 2 else f"\\u{ord(c):04x}" for i, c in enumerate(SECRET)),
}


@pytest.mark.parametrize("form", list(FORMS))
def test_a_known_secret_echoed_in_escapes_is_hidden(form: str) -> None:
    echo = FORMS[form]
    shown = redact_text(f"tool echoed: {echo} (end)", known={SECRET})
    assert echo not in shown and shown.startswith("tool echoed: [REDACTED") and shown.endswith("(end)"), shown


def test_escapes_of_other_values_stay() -> None:
    text = "path=%2Fhome%2Fana&q=caf%C3%A9 &amp; bar \\u00e9t\\u00e9 order &#35;4411"
    assert redact_text(text, known={SECRET, "hunter2!x"}) == redact_text(text)


@pytest.mark.parametrize("form", ["html decimal", "html hex", "percent every character", "percent twice"])
def test_an_escaped_echo_reaches_no_file(tmp_path: Path, form: str) -> None:
    data = echo_episodes(tmp_path / "lib.db", {"user": "ana", "password": SECRET}, FORMS[form], raw=True)
    assert FORMS[form].encode() not in data and SECRET.encode() not in data
    assert b"sign_in" in data
