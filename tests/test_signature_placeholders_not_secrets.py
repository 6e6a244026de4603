"""A signature's placeholders name a value's shape, never a secret's: the text after one is kept.

The recorder redacts an event's signature like any text; a placeholder read as a secret's name
(``<secret> declined; amount must be an integer``) made the rest of the error a secret's value, so
the stored error lost the words a miner and a reviewer need."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from skillevo import EventKind, Evolver, SkillLibrary
from skillevo._redaction import redact_text

_SOURCES = ["_detect.py", "_detect_shapes.py", "_signature_shapes.py"]
_SRC = Path(__file__).resolve().parents[1] / "src" / "skillevo"
PLACEHOLDERS = sorted(
    {m for name in _SOURCES for m in re.findall(r'"(<[a-z_ ]+>)"', (_SRC / name).read_text())}
)


def test_the_placeholders_were_found() -> None:
    assert len(PLACEHOLDERS) >= 10


@pytest.mark.parametrize("placeholder", PLACEHOLDERS)
def test_text_after_a_placeholder_is_no_secret(placeholder: str) -> None:
    text = f"v3:card {placeholder} declined; amount must be an integer"
    assert redact_text(text) == text


def test_an_error_quoting_a_card_keeps_its_words(tmp_path: Path) -> None:
    with SkillLibrary(tmp_path / "lib.db") as lib:
        evo = Evolver(lib, seed=0, miner=None)
        with evo.episode(task="pay") as ep:
            sent = ep.before_tool("pay", {"amount": "3"})
            ep.on_tool_error("pay", sent, ValueError("card 4111.1111.1111.1111 declined; amount must be an integer"))
            ep.finish(reward=1.0)
        lib.flush()
        (event,) = lib.events(kind=EventKind.TOOL_ERROR)
    assert "4111" not in event.data["error"]
    assert event.data["error"].endswith("declined; amount must be an integer")
