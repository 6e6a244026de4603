"""The work the structural reading of a text does (`skillevo._secret_embedded`), counted instead of
timed: openings looked at, tries that spelled no structure, bracket/quote steps of the span finder,
and the characters each parser read (a JSON error's position tells how far the C parser got).

A test installs the counters with `count_embedded_work(monkeypatch)` and asserts the documented
bounds (`MAX_OPENINGS`, `MAX_STARTS`, `MAX_SPAN`), which hold on any machine however loaded.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from typing import Any

import pytest

from skillevo import _secret_embedded as embedded


@dataclass
class Work:
    """What one or more structural readings did, summed."""

    looked: int = 0  # openings found (`_OPEN.search` answers)
    parses: int = 0  # openings handed to `_parse` (a tag is not)
    failed: int = 0  # of those, openings that spelled no structure (a try spent)
    steps: int = 0  # brackets, quotes and line breaks `_literal_end` jumped to
    parsed_chars: int = 0  # characters the JSON and literal parsers read, failed reads included
    run_chars: int = 0  # characters of opening runs measured before the JSON parser

    @property
    def read(self) -> int:
        """Characters and steps read in all: linear in the text's length while the reading is bounded."""
        return self.steps + self.parsed_chars + self.run_chars

    def assert_bounded(self, length: int, texts: int = 1) -> None:
        """The documented bounds of `texts` readings of `length` characters in all."""
        assert self.looked <= texts * embedded.MAX_OPENINGS, self
        assert self.failed <= texts * embedded.MAX_STARTS, self
        assert self.steps <= texts * embedded.MAX_SPAN + self.parses, self  # one last look past each span
        assert self.read <= 2 * length + texts * embedded.MAX_SPAN, self


class _Pattern:
    """A compiled pattern whose calls add to `work` through `count`."""

    def __init__(self, real: Any, count: Any) -> None:
        self.real, self.count = real, count

    def search(self, *args: Any) -> Any:
        m = self.real.search(*args)
        self.count(m)
        return m

    def match(self, *args: Any) -> Any:
        m = self.real.match(*args)
        self.count(m)
        return m


class _Decoder:
    def __init__(self, work: Work) -> None:
        self.work = work

    def raw_decode(self, text: str, start: int) -> tuple[Any, int]:
        try:
            value, end = _REAL_DECODER.raw_decode(text, start)
        except json.JSONDecodeError as exc:
            self.work.parsed_chars += exc.pos - start + 1
            raise
        self.work.parsed_chars += end - start
        return value, end


_REAL_DECODER = json.JSONDecoder()


def count_embedded_work(monkeypatch: pytest.MonkeyPatch) -> Work:
    """Install counters on the structural reading's parts for the test's duration; returns the tally."""
    work = Work()

    def looked(m: Any) -> None:
        work.looked += m is not None

    def stepped(m: Any) -> None:
        work.steps += m is not None

    def ran(m: Any) -> None:
        work.run_chars += m.end() - m.start()

    real_parse, real_eval = embedded._parse, ast.literal_eval

    def parse(text: str, start: int, budget: list[int]) -> Any:
        work.parses += 1
        out = real_parse(text, start, budget)
        work.failed += isinstance(out, int)
        return out

    def literal_eval(node_or_string: Any) -> Any:
        work.parsed_chars += len(node_or_string) if isinstance(node_or_string, str) else 0
        return real_eval(node_or_string)

    monkeypatch.setattr(embedded, "_OPEN", _Pattern(embedded._OPEN, looked))
    monkeypatch.setattr(embedded, "_SPECIAL", _Pattern(embedded._SPECIAL, stepped))
    monkeypatch.setattr(embedded, "_OPENINGS", _Pattern(embedded._OPENINGS, ran))
    monkeypatch.setattr(embedded, "_DECODER", _Decoder(work))
    monkeypatch.setattr(embedded, "_parse", parse)
    monkeypatch.setattr(ast, "literal_eval", literal_eval)
    return work
