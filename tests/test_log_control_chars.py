"""A person's words in skillevo's log cannot forge a log line or drive the terminal.

``skillevo review mode auto --reason ... --actor ...`` logs who lowered the mark and why. Before this
the actor and reason were written as given: ``--actor $'eve\\r\\nreview mark ... by alice'`` wrote a
second, forged line, and an escape sequence (``\\x1b[2J``) cleared the terminal of whoever read the
log. Control characters in any skillevo log record are written as their escapes (line breaks in a
message such as a traceback stay), and the actor and reason are quoted.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from skillevo import SkillLibrary
from skillevo._review_mode import set_review_mode


def test_a_review_mark_change_is_one_line_without_control_characters(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="skillevo"), SkillLibrary(tmp_path / "lib.db") as lib:
        set_review_mode(lib, "auto", reason="audit done\x1b[2J\rall clear", actor="eve\r\nreview mark changed by alice")
    lines = [r.getMessage() for r in caplog.records if "review mark" in r.getMessage()]
    assert len(lines) == 1
    assert "\n" not in lines[0] and "\r" not in lines[0] and "\x1b" not in lines[0]
    assert "eve" in lines[0] and "audit done" in lines[0]


def test_control_characters_of_any_record_are_escaped(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="skillevo"):
        logging.getLogger("skillevo").warning("tool said: %s", "ok\x1b]0;owned\x07\x9b31m\nsecond line")
    message = caplog.records[-1].getMessage()
    assert not any(c in message for c in "\x1b\x07\x9b")
    assert "\nsecond line" in message  # (a line break in a message stays)
