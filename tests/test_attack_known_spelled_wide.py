"""An episode's secret echoed one character at a time with a wide separator (attack25, 2026-12-07).

`_secret_known` matched a secret's letters and digits through at most one separator character per
character (plus 8): a tool echoing it with two spaces, ", " or " / " between its characters kept it
in the library file (3 of 3 before). Then up to three separator characters per character were read
(" ... " between them still kept it); now up to eight.
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


@pytest.mark.parametrize("sep", [" ... ", " .... ", " - / - "])
def test_a_secret_spelled_with_an_ellipsis_between_its_characters_is_hidden(sep: str) -> None:
    # Every character of the secret, in order, with only separators between: a spelling, however wide
    # (up to eight separator characters each; five let it through before).
    assert redact_text(f"see {sep.join(SECRET)}", known={SECRET}) == "see [REDACTED:secret]"


@pytest.mark.parametrize(
    "text",
    [
        "Steps: Q ... z ... 7 ... b, then the rest of the list.",  # the secret's first letters, no more
        "Rows Q, z, 7 and b are far apart in the table; X and k too.",  # words between: prose
        "Q" + " " * 40 + "z7bXk9LmP4rT",  # a gap no spelling leaves
    ],
)
def test_letters_far_apart_in_prose_are_no_echo(text: str) -> None:
    assert redact_text(text, known={SECRET}) == text
