"""A customer's values queued during a store outage reach the spill journal only as pseudonyms (attack40).

privacy8 masked them where events are built and at the store boundary, and left the write-behind
journal (`skillevo._spill`) untested: another process holds the SQLite file's write lock, the queue
is capped at 3, and 12 runs send a person's name, e-mail, phone and birth date in the task, the
metadata, tool arguments, results and errors. Every byte of the journal is searched while the outage
lasts; then every record is written once the lock is released, masked as well.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from skillevo import Evolver, LibraryError, SkillLibrary, _sql_batch

NEEDLES = ("ngozi", "okonkwo", "ngozi.o@mail.ng", "0803 555 0142", "1988-11-23", "23.11.1988")


@pytest.fixture(autouse=True)
def short_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_sql_batch, "QUEUE_WAIT_S", 0.2)


def _runs(lib: SkillLibrary, n: int) -> list[str]:
    evo = Evolver(lib, miner=None, sandbox=None, cache_ttl_s=0.0)
    ids = []
    for i in range(n):
        ep = evo.episode(
            task=f"call Ngozi Okonkwo on 0803 555 0142 (ticket {i})",
            metadata={"customer": {"full_name": "Ngozi Okonkwo", "email": "Ngozi.O@mail.ng"}},
        )
        args = ep.before_tool("update", {"customer_name": "ngozi okonkwo", "date_of_birth": "1988-11-23"})
        ep.on_tool_error("update", args, ValueError("OKONKWO, NGOZI born 23.11.1988: no such customer"))
        ep.on_tool_result("update", args, {"contact": {"email": "ngozi.o@mail.ng"}, "note": "okonkwo updated"})
        try:
            ep.finish(1.0)
        except LibraryError:
            pass
        ids.append(ep.id)
    return ids


def test_the_spill_journal_keeps_no_customer_value(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    lib = SkillLibrary(db, timeout=3600.0)
    lib._behind.max_pending = 3
    lib.flush()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        ids = _runs(lib, 12)
        files = sorted(Path(f"{db}.journal").glob("*.jsonl"))
        assert files, "the queue never filled: the fault was not made"
        journal = b"".join(f.read_bytes() for f in files).lower()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    leaks = [n for n in NEEDLES if n.encode() in journal]
    assert not leaks, leaks
    lib.close()
    with SkillLibrary(db) as check:
        assert set(ids) <= {e.id for e in check.episodes()}
    stored = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()).lower()
    assert not [n for n in NEEDLES if n.encode() in stored]
