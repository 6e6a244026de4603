"""A secret's name with an invisible character inside that is not a format character (attack19).

The escape view (`_secret_escapes`) drops Unicode's format characters (category Cf: a zero-width
space, a soft hyphen) from a word, so ``pass<ZWSP>word=...`` names a password. Unicode's
Default_Ignorable_Code_Point set holds more characters a reader never sees, in other categories:
variation selectors (``U+FE0F``, Mongolian ``U+180B``), the combining grapheme joiner ``U+034F``
(Mn), the Hangul fillers ``U+3164``, ``U+FFA0``, ``U+115F`` (Lo), Khmer ``U+17B4``. Inside a key
each kept the value: 8 of 8 reached the redacted text and the library file. The view now drops
every default-ignorable code point; visible combining marks (an accent) and ordinary text stay.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from skillevo._redaction import redact_text

sys.path.insert(0, str(Path(__file__).parent))
from leak_harness import db_bytes

SECRET = "Quokka7731plumZ"
INVISIBLE = {
    "variation selector 16": "\ufe0f",
    "variation selector 1": "\ufe00",
    "mongolian free variation selector": "\u180b",
    "combining grapheme joiner": "\u034f",
    "hangul filler": "\u3164",
    "half-width hangul filler": "\uffa0",
    "hangul choseong filler": "\u115f",
    "khmer inherent vowel": "\u17b4",
}


@pytest.mark.parametrize("name", list(INVISIBLE))
def test_an_invisible_character_in_a_key_hides_its_value(name: str) -> None:
    mark = INVISIBLE[name]
    for text in (f"login failed: pass{mark}word={SECRET} (end)", f'{{"api{mark}_key": "{SECRET}"}}'):
        shown = redact_text(text)
        assert SECRET not in shown and "[REDACTED" in shown, shown


@pytest.mark.parametrize(
    "text",
    [
        "ready ❤️ 👍🏽 done",  # emoji with their variation selector and skin tone stay
        "한글 텍스트 ㅤ 확인",  # Korean with a Hangul filler
        "Zürich, São Paulo, naïve café",
        "class\u034fname=Widget",  # an invisible joiner in a word naming no secret
    ],
)
def test_invisible_characters_naming_no_secret_stay(text: str) -> None:
    assert redact_text(text) == text


def test_an_invisible_character_in_a_key_reaches_no_file(tmp_path: Path) -> None:
    from skillevo import Evolver, SkillLibrary

    db = tmp_path / "lib.db"
    with SkillLibrary(str(db)) as lib:
        evo = Evolver(lib, seed=0)
        with evo.episode(task="sign in") as ep:
            sent = ep.before_tool("sign_in", {"user": "ana"})
            ep.on_tool_error("sign_in", sent, ValueError(f"config rejected: pass\ufe0fword={SECRET}"))
            ep.on_tool_result("sign_in", sent, {"log": f"token\u3164={SECRET}"})
            ep.finish(reward=0.0)
        lib.flush()
    data = db_bytes(db)
    assert SECRET.encode() not in data and b"sign_in" in data
