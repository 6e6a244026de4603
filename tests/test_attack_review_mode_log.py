"""The review mark's change log, redacted like every other record skillevo writes.

`set_review_mode` logs who changed a library's review mark and the reason they gave, on the
``skillevo.review`` logger. A logger's filter sees only the records logged on it, not those its
children propagate, and that logger was not among those `skillevo._logsafe` redacts: a reason that
quoted a credential ("rotated after password=... leaked") reached the application's handlers as
written, 1 of 1 (and `tests/test_secret_gaps.py`'s check of every logger failed on main). Now the
record is redacted before any handler sees it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from skillevo import SkillLibrary
from skillevo._review_mode import set_review_mode

SECRET = "Hx9qLm2Vb7Tz4Kp1"


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def captured() -> Iterator[_Capture]:
    handler = _Capture()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


def test_a_review_mark_change_logs_no_secret_of_its_reason(captured: _Capture) -> None:
    with SkillLibrary(":memory:") as lib:
        set_review_mode(lib, "required", reason=f"gated after password={SECRET} leaked", actor="ana")
    (line,) = [line for line in captured.lines if "review mark" in line]
    assert "'required'" in line and "ana" in line and "gated after" in line
    assert SECRET not in line
