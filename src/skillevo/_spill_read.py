"""Reading one spill journal file lazily: records are decoded only as far as a replay writes them.

A replay during a store outage fails on its first write; every library read tries one (the queue is
written first), so a reader that decoded the whole file each time cost each read O(records
journaled). Here a first pass only splits the file into lines and parses the progress marks; a
record is decoded when a mark must be checked against it or a chunk is about to be written, so an
attempt that fails on its first write decodes the records already written and one chunk.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

__all__ = ["LazyFile"]

T = TypeVar("T")
_RECORD = b'{"r":'  # how `Journal.extend` begins every record line: no need to parse it to know it


class LazyFile(Generic[T]):
    """The lines of one journal file as read now, the records decoded on demand, in order.

    `unread` (the whole lines that cannot be read, in file order) and `torn` are complete once
    `finish` ran; before, they hold what was met so far.
    """

    def __init__(self, path: Path, decode: Callable[[object], T]) -> None:
        self._decode = decode
        self._lines: list[tuple[int, bytes]] = []  # (line number, record line) not decoded yet, in order
        self._marks: list[tuple[int, int, int, bytes]] = []  # (line number, record lines before it, value, line)
        self._bad: list[tuple[int, bytes]] = []  # (line number, unreadable whole line)
        self.torn = 0  # lines cut short by a crash mid-append
        self.records: list[T] = []
        self._tried = 0  # record lines decoded (or found unreadable) so far
        self._ok_after: list[int] = [0]  # records decoded among the first i record lines
        with open(path, "rb") as f:
            for number, raw in enumerate(f):
                if not raw.endswith(b"\n"):
                    self.torn += 1
                elif raw.startswith(_RECORD):
                    self._lines.append((number, raw))
                else:
                    self._other(number, raw)
        self.count = len(self._lines)  # record lines: at most the records the file holds

    def _other(self, number: int, raw: bytes) -> None:
        """A progress mark (any line with a "done" key) or a record line written some other way."""
        try:
            item = json.loads(raw)
            if "done" in item:
                self._marks.append((number, len(self._lines), int(item["done"]), raw))
                return
        except Exception:  # see `_decode_next`: never raised
            self._bad.append((number, raw))
            return
        self._lines.append((number, raw))

    def _decode_next(self) -> bool:
        """Decode the next record line (False: none is left)."""
        if self._tried >= len(self._lines):
            return False
        number, raw = self._lines[self._tried]
        try:
            self.records.append(self._decode(json.loads(raw)["r"]))
        except Exception:  # any line the reader cannot take is skipped, never raised (an infinite
            # count's OverflowError, a nesting's RecursionError): raised, the same line would fail
            # every process that opens the library, and lose the rest.
            self._bad.append((number, raw))
        self._tried += 1
        self._ok_after.append(len(self.records))
        return True

    def done(self) -> int:
        """How many records are written (the largest valid progress mark). A mark counts the records
        before it, never more: one claiming more (corrupt, foreign) would have the records after it
        skipped as written; it is an unread line then. Decodes only what the marks need."""
        done = 0
        for number, before, mark, raw in self._marks:
            valid = 0 <= mark <= before
            if valid and mark > done:
                while len(self.records) < mark and self._tried < before:
                    self._decode_next()
                valid = self._ok_after[min(before, self._tried)] >= mark
            if valid:
                done = max(done, mark)
            else:
                self._bad.append((number, raw))
        return done

    def part(self, start: int, chunk: int) -> list[T]:
        """The records `start` to `start + chunk` (fewer at the end), decoded now if not yet."""
        while len(self.records) < start + chunk and self._decode_next():
            pass
        return self.records[start : start + chunk]

    def finish(self) -> list[bytes]:
        """Decode what is left; the whole lines that could not be read, in file order."""
        while self._decode_next():
            pass
        return self.unread

    @property
    def unread(self) -> list[bytes]:
        return [raw for _, raw in sorted(self._bad, key=lambda bad: bad[0])]
