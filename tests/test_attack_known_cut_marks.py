"""An episode's secret echoed cut by a bracketed or spaced ellipsis (redact22).

A tool or a log cuts a long value with ``[...]``, ``(…)``, ``<...>``, ``[… 40 chars truncated]`` or
``. . .``: only ``...`` and ``…`` right after (or before) the kept part were read as a cut, so the
episode's own secret's first or last 8 to 16 characters stayed: 144 of 144 probes (3 secrets, 8
marks, a head and a tail of 8, 12 and 16 characters). Now any of these marks, a space either side,
ends a beginning of a known secret or starts an end of one; text with such marks and no secret stays.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from skillevo._redaction import redact_text

sys.path.insert(0, str(Path(__file__).parent))
from leak_harness import echo_episodes

TOKEN = "Qz7bXk9LmP4rT8vW1zY6nC3hJ5dF0gA2"
PHRASE = "plum orbit 7731 zebra canyon river"
MARKS = ["[...]", " [...]", "(\u2026)", ". . .", " . . . ", "<...>", "[\u2026 40 chars truncated]", "{...}"]


@pytest.mark.parametrize("mark", MARKS)
@pytest.mark.parametrize("secret", [TOKEN, PHRASE])
def test_a_cut_echo_of_a_known_secret_is_hidden(secret: str, mark: str) -> None:
    for n in (8, 12):
        head = redact_text(f"tool said: {secret[:n]}{mark} done", known={secret})
        tail = redact_text(f"tool said: {mark}{secret[-n:]} done", known={secret})
        assert secret[:n] not in head and head.endswith(" done"), head
        assert secret[-n:] not in tail and tail.startswith("tool said:"), tail


def test_marks_without_a_secret_stay() -> None:
    text = "loading [...] done (\u2026) see notes . . . later <...> Qz7b [...] plum orbit"
    assert redact_text(text, known={TOKEN, PHRASE}) == text


def test_a_cut_echo_reaches_no_file(tmp_path: Path) -> None:
    data = echo_episodes(tmp_path / "lib.db", {"user": "ana", "password": TOKEN}, f"{TOKEN[:12]}[...]")
    assert TOKEN[:12].encode() not in data and b"ana" in data
