"""A numeric character reference with thousands of digits raised out of redaction (attack19).

The pre-filter reads a text with its HTML references decoded (`html.unescape`), and the standard
library turns ``&#`` and its digits into an int: past Python's 4300-digit limit for int() of a
string it raises ValueError. A tool's answer or error holding ``&#`` and 5000 digits (a dump, a
hostile page; leading zeros count too) made `redact_text` and `redact` raise, and an episode's
hooks raise into the agent's run: 3 of 3 raised (decimal, leading zeros, an episode's hooks; hex
has no such limit). Leading zeros are now dropped and a reference whose
number has more digits than any code point is rewritten as U+FFFD's (what `html.unescape` makes of
a number past U+10FFFF) before the standard library reads it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from skillevo._redaction import redact, redact_text

sys.path.insert(0, str(Path(__file__).parent))
from leak_harness import db_bytes

SECRET = "Quokka7731plumZ"
LONG = {
    "decimal": "&#" + "7" * 5000 + ";",
    "leading zeros": "&#" + "0" * 5000 + "119;",
    "hex": "&#x" + "f" * 5000 + ";",
}


@pytest.mark.parametrize("name", list(LONG))
def test_a_long_reference_is_read_not_raised(name: str) -> None:
    text = f"page: {LONG[name]} password={SECRET} (end)"
    shown = redact_text(text)
    assert SECRET not in shown and shown.endswith("(end)") and LONG[name] in shown
    assert redact({"body": text})["body"] == shown


def test_an_episode_with_a_long_reference_records(tmp_path: Path) -> None:
    from skillevo import Evolver, SkillLibrary

    text = f"page: {LONG['decimal']} ok"
    with SkillLibrary(str(tmp_path / "lib.db")) as lib:
        evo = Evolver(lib, seed=0)
        with evo.episode(task="read the page") as ep:
            sent = ep.before_tool("fetch_page", {"url": "https://example.test/a"})
            ep.on_tool_result("fetch_page", sent, text)
            sent = ep.before_tool("fetch_page", {"url": "https://example.test/b"})
            ep.on_tool_error("fetch_page", sent, ValueError(text))
            ep.finish(reward=1.0)
        lib.flush()
    assert b"fetch_page" in db_bytes(tmp_path / "lib.db")
