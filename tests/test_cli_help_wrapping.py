"""Help text follows the terminal's width, not the docstring's line breaks."""

from __future__ import annotations

import re

import pytest

from skillevo.cli import main


@pytest.mark.parametrize(
    ("argv", "sentence"),
    [
        (["import", "--help"], "a skill that fails a check (injection filter"),
        (["migrate", "--help"], "is verified by comparing the record counts"),
        (["review", "--help"], "an unapproved active one is marked approved"),
        (["review", "approve", "--help"], "an unapproved active one is marked approved"),
    ],
)
def test_a_paragraph_is_not_broken_where_its_docstring_wraps(
    argv: list[str], sentence: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    assert main(argv) == 0
    # 250 columns hold each paragraph on one line: the sentence must not be split over two
    lines = [re.sub(r"\s+", " ", line) for line in capsys.readouterr().out.splitlines()]
    assert any(sentence in line for line in lines)
