"""The invisible characters a text may start with are skipped at the regular-expression engine's
pace and only within what `detect_failure` reads (`SCAN_CHARS`): they were skipped one Python step
per character over the whole text, so a tool result of a megabyte of zero-width spaces cost about
200 ms on every call. Shown by the Python lines the read runs, which no longer grow with the run."""

from __future__ import annotations

import sys
from types import FrameType
from typing import Any

from skillevo._detect import SCAN_CHARS, detect_failure


def _lines_run(result: Any) -> int:
    count = 0

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return tracer

    sys.settrace(tracer)
    try:
        detect_failure(result)
    finally:
        sys.settrace(None)
    return count


def test_a_long_invisible_lead_costs_what_a_short_one_does() -> None:
    for lead in ("\u200b", "\ufeff \u200c", "\u2060\n"):
        short = _lines_run(lead * 10 + "Order 42 shipped")
        long = _lines_run(lead * 100_000 + "Order 42 shipped")
        assert long == short


def test_what_follows_a_short_lead_is_still_read() -> None:
    assert detect_failure("\u200b \ufeff" * 10 + "Error: order 42 not found") is not None
    assert detect_failure("\u200b" * 10 + "Order 42 shipped") is None
    assert detect_failure("\u200b" * (SCAN_CHARS + 10) + "Error: past what is read") is None
