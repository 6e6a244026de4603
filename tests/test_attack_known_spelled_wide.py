"""An episode's secret echoed one character at a time with a wide separator (attack25, 2026-12-07).

`_secret_known` matched a secret's letters and digits through at most one separator character per
character (plus 8): a tool echoing it with two spaces, ", " or " / " between its characters kept it
in the library file (3 of 3 before). Now up to three separator characters per character are read.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from skillevo._redaction import redact_text

sys.path.insert(0, str(Path(__file__).parent))
from leak_harness import echo_episodes

SECRET = "Qz7bXk9LmP4rT8"


@pytest.mark.parametrize("sep", ["  ", ", ", " / ", " | ", "- "])
def test_a_secret_spelled_with_a_wide_separator_is_hidden(sep: str, tmp_path: Path) -> None:
    echo = sep.join(SECRET)
    data = echo_episodes(tmp_path / "lib.db", {"user": "ana", "password": SECRET}, echo, raw=True)
    assert echo.encode() not in data and SECRET.encode() not in data
    assert redact_text(f"you sent {echo}", known={SECRET}) == "you sent [REDACTED:secret]"


def test_letters_far_apart_are_no_echo() -> None:
    spread = " ... ".join(SECRET)  # five characters between each: prose, not a spelling
    assert redact_text(f"see {spread}", known={SECRET}) == f"see {spread}"
