"""Hostile SQL-shaped tool text: every ``INSERT ... VALUES (`` whose row never closes was read to the
end of the text, once per statement, so ``INSERT INTO t (password) VALUES (`` repeated through 100 KB
held the agent's thread for seconds (quadratic). A row that does not close is a statement cut short
(a truncated log): its secret column's value was shown. Now the rest of the text from an unclosed row
under a secret column is hidden, and reading stops there: one pass, whatever the text."""

from __future__ import annotations

import pytest

from skillevo import _secret_sql
from skillevo._redaction import redact_text

PW = "Zq8w-Kp3m"


@pytest.fixture
def scanned(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The characters each row read took (from its opening bracket to where it stopped)."""
    reads: list[int] = []
    real = _secret_sql._tuple

    def counting(text: str, pos: int) -> tuple[list[tuple[int, int]], int] | None:
        row = real(text, pos)
        reads.append((row[1] if row is not None else len(text)) - pos)
        return row

    monkeypatch.setattr(_secret_sql, "_tuple", counting)
    return reads


@pytest.mark.parametrize(
    "unit",
    [
        "INSERT INTO t (password) VALUES (",
        "insert into users (name, pwd) values ('a', ",
        "INSERT INTO t (password) VALUES (?) params=(",
        "INSERT INTO t (password) VALUES ('x\\'",
    ],
)
def test_unclosed_rows_are_read_once(scanned: list[int], unit: str) -> None:
    text = unit * (20_000 // len(unit))
    out = redact_text(text)
    assert sum(scanned) <= 2 * len(text)  # was about len(text) per statement
    assert out.startswith(unit.split("(")[0]) and "[REDACTED" in out


def test_a_truncated_row_hides_its_secret() -> None:
    out = redact_text(f"INSERT INTO users (name, password) VALUES ('bob', '{PW}")
    assert PW not in out and out.startswith("INSERT INTO users (name, password) VALUES (")


def test_bound_values_cut_short_are_hidden() -> None:
    out = redact_text(f"INSERT INTO users (name, password) VALUES (?, ?) params=('bob', '{PW}")
    assert PW not in out


def test_closed_rows_keep_their_other_columns() -> None:
    out = redact_text(f"INSERT INTO users (name, password) VALUES ('bob', '{PW}'), ('ana', 'x{PW}') -- ok")
    assert PW not in out and "'bob'" in out and "'ana'" in out and out.endswith("-- ok")
