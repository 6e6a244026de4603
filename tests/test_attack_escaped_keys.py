"""A secret's name written in character escapes or look-alike forms, in a text (attack18).

The pair rules read ``password=...`` and decode a key's JSON escapes (``pass\\u0077ord``),
percent-encoding and HTML entities. A key in other escapes, or in characters a reader sees as the
same letters, named nothing: ``pass\\x77ord=``, octal ``pass\\167ord=``, CSS ``pass\\77 ord=``,
full-width ``ｐａｓｓｗｏｒｄ=``, a zero-width space or a soft hyphen inside the word, a whole pair in
``\\u`` or ``\\x`` escapes. Before: 8 of 8 kept the value. The rules now also read the text's
decoded view (`_secret_escapes`: escapes decoded, compatibility forms folded, invisible format
characters dropped), each span mapped back onto the escapes that wrote it. Texts whose escapes
spell no secret (a Windows path, a regex, JSON's ``\\n``) are unchanged.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from skillevo._redaction import redact_text, secret_spans

sys.path.insert(0, str(Path(__file__).parent))
from leak_harness import db_bytes

SECRET = "Quokka7731plumZ"
FORMS = {
    "\\x in the key": f"pass\\x77ord={SECRET}",
    "octal in the key": f"pass\\167ord={SECRET}",
    "css in the key": f"pass\\77 ord={SECRET}",
    "full-width key": f"ｐａｓｓｗｏｒｄ={SECRET}",
    "zero-width space in the key": f"pass\u200bword={SECRET}",
    "soft hyphen in the key": f"pass\u00adword={SECRET}",
    "pair in \\u escapes": "".join(f"\\u{ord(c):04x}" for c in f"password={SECRET}"),
    "pair in \\x escapes": "".join(f"\\x{ord(c):02x}" for c in f"password={SECRET}"),
}


def _leaks(text: str) -> bool:
    return SECRET in text or "".join(f"\\u{ord(c):04x}" for c in SECRET) in text or (
        "".join(f"\\x{ord(c):02x}" for c in SECRET) in text
    )


@pytest.mark.parametrize("form", list(FORMS))
def test_an_escaped_secret_name_hides_its_value(form: str) -> None:
    text = f"request rejected: {FORMS[form]} (end)"
    shown = redact_text(text)
    assert not _leaks(shown) and "[REDACTED" in shown and shown.endswith("(end)"), shown
    assert secret_spans(text)


@pytest.mark.parametrize(
    "text",
    [
        "cannot open C:\\dev\\bin\\tool.exe: access denied",
        "pattern \\d{4}-\\d{2} did not match 'abc'",
        'body: {"note": "line one\\nline two", "city": "Z\\u00fcrich"}',
        "Straße ｱｲｳ café ﬁle naïve",
    ],
)
def test_escapes_that_spell_no_secret_stay(text: str) -> None:
    assert redact_text(text) == text


def test_an_escaped_secret_name_reaches_no_file(tmp_path: Path) -> None:
    from skillevo import Evolver, SkillLibrary

    db = tmp_path / "lib.db"
    with SkillLibrary(str(db)) as lib:
        evo = Evolver(lib, seed=0)
        with evo.episode(task="sign in") as ep:
            sent = ep.before_tool("sign_in", {"user": "ana"})
            ep.on_tool_error("sign_in", sent, ValueError(f"config rejected: {FORMS['full-width key']}"))
            ep.on_tool_result("sign_in", sent, {"log": FORMS["zero-width space in the key"]})
            ep.finish(reward=0.0)
        lib.flush()
    data = db_bytes(db)
    assert SECRET.encode() not in data and b"sign_in" in data
