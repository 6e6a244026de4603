"""A library read during a store outage must not decode the whole spill journal.

The fault: every read drains the queue first, and a drain replays the journal: it read and decoded
every journaled record before its first write (which the outage refuses), then read them all again
to word the error. A `stats()` read decoded 6 records per journaled one (120 with 20 journaled, 480
with 80). Now an attempt decodes the records its first write takes (a chunk) and the error's counts
are kept as records are appended and written: the same few per read whatever the journal holds.

Real fault: another connection holds the SQLite file's write lock (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import json
import sqlite3
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from skillevo import Evolver, LibraryError, SkillLibrary, _spill, _sql_batch
from skillevo._spill import Journal
from skillevo._spill_read import LazyFile

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the journal's flock is POSIX")

CHUNK = 4


def _decodes_per_read(tmp_path: Path, journaled: int) -> tuple[list[int], str]:
    db = tmp_path / f"lib{journaled}.db"
    lib = SkillLibrary(str(db), timeout=3600.0)
    try:
        evo = Evolver(lib, miner=None, sandbox=None)
        lib.flush()
        holder = sqlite3.connect(db, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            for i in range(journaled):
                ep = evo.episode(task=f"task {i}")
                ep.on_tool_result("lookup", {"q": i}, "rows")
                try:
                    ep.finish(1.0)
                except LibraryError:
                    pass
            with pytest.raises(LibraryError):
                lib.flush()  # the store refuses: the queue goes to the journal
            journal = lib._behind._journal
            assert journal is not None
            decoded = [0]
            real = journal._decode
            reader = threading.get_ident()

            def counted(item: Any) -> Any:
                if threading.get_ident() == reader:  # (the writer thread's retries are not the read's)
                    decoded[0] += 1
                return real(item)

            journal._decode = counted
            per_read = []
            for _ in range(3):
                decoded[0] = 0
                lib.stats()
                per_read.append(decoded[0])
            with pytest.raises(LibraryError) as refused:
                lib.flush()
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        lib.flush()
        return per_read, str(refused.value)
    finally:
        lib.close()


def test_a_read_during_an_outage_decodes_a_bounded_part_of_the_journal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_sql_batch, "QUEUE_WAIT_S", 0.2)
    monkeypatch.setattr(_spill, "CHUNK", CHUNK, raising=False)
    few, few_error = _decodes_per_read(tmp_path, 12)
    many, many_error = _decodes_per_read(tmp_path, 48)
    # Bounded by the chunk whatever the journal holds (the whole-file reader decoded 6 per record:
    # 288 a read with 48 journaled).
    assert max(few) <= 8 * CHUNK and max(many) <= 8 * CHUNK, f"decodes per read: {few} (12) vs {many} (48)"
    assert "12 recorded episodes could not be written" in few_error  # counts kept, not reread
    assert "48 recorded episodes could not be written" in many_error


_CASES = {
    "plain": [{"r": 1}, {"r": 2}, {"r": 3}],
    "marked": [{"r": 1}, {"r": 2}, {"done": 1}, {"r": 3}, {"done": 2}],
    "a mark past its records": [{"r": 1}, {"done": 5}, {"r": 2}],
    "a mark counting an unreadable line": [{"r": 1}, {"r": "bad"}, {"done": 2}, {"r": 3}, {"done": 2}],
    "a negative mark": [{"done": -1}, {"r": 1}],
    "a foreign line": [{"x": 1}, {"r": 1}, {"done": "many"}, {"r": 2}],
}


def _decode(item: Any) -> int:
    if not isinstance(item, int):
        raise ValueError("not a record")
    return item


@pytest.mark.parametrize("lines", _CASES.values(), ids=list(_CASES))
def test_the_lazy_reader_reads_a_file_as_the_whole_reader_does(tmp_path: Path, lines: list[Any]) -> None:
    path = tmp_path / "j.jsonl"
    path.write_bytes(b"".join(json.dumps(line, separators=(",", ":")).encode() + b"\n" for line in lines) + b'{"r"')
    journal = Journal(tmp_path / "folder", lambda r: r, _decode)
    records, done, unread = journal._read(path, quiet=True)
    lazy = LazyFile(path, _decode)
    assert lazy.done() == done
    assert lazy.part(done, 2) == records[done : done + 2]
    assert lazy.finish() == unread
    assert lazy.records == records
    assert lazy.torn == 1
