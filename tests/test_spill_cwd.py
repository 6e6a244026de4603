"""A SQLite library opened by a relative path keeps its spill journal (`skillevo._spill`) next to
its file when the process changes its working folder (an agent whose tool runs ``os.chdir``).

The fault: ``SkillLibrary("lib.db")`` in folder ``a``, a store outage past the queue's cap, the agent
moves to folder ``b``. Before 2026-12-07 the journal was the relative ``lib.db.journal``: records
past the cap went to ``b/lib.db.journal``, where a later process opening ``a/lib.db`` never looks,
so a process killed during the outage lost them (every journaled record in ``b``). Now the
journal's folder is made absolute when the library opens: none in ``b``, all next to ``a/lib.db``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from skillevo import Evolver, LibraryError, SkillLibrary, _sql_batch


def test_the_journal_stays_next_to_the_library_after_a_chdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_sql_batch, "QUEUE_WAIT_S", 0.2)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    monkeypatch.chdir(tmp_path / "a")
    lib = SkillLibrary("lib.db", timeout=3600.0, durability="batched")
    lib._behind.max_pending = 1
    evo = Evolver(lib, miner=None, sandbox=None, cache_ttl_s=0.0)
    holder = sqlite3.connect(tmp_path / "a" / "lib.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    monkeypatch.chdir(tmp_path / "b")
    ids = []
    try:
        for i in range(5):
            ep = evo.episode(task=f"task {i}")
            ep.on_tool_result("login", {"user": "u"}, {"ok": True})
            try:
                ep.finish(1.0)
            except LibraryError:
                pass
            ids.append(ep.id)
        in_b = list((tmp_path / "b").glob("lib.db.journal/*.jsonl"))
        in_a = list((tmp_path / "a").glob("lib.db.journal/*.jsonl"))
        assert not in_b and in_a  # where the next process to open a/lib.db looks
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    try:
        lib.close()
    except LibraryError:
        pass
    assert not (tmp_path / "b" / "lib.db.journal").exists()
    with SkillLibrary(tmp_path / "a" / "lib.db") as check:
        assert sorted(e.id for e in check.episodes()) == sorted(ids)


def test_two_relative_libraries_never_share_a_configured_journal(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """``$SKILLEVO_JOURNAL_DIR`` set, ``SkillLibrary("lib.db")`` opened in two folders: before
    2026-12-07 both were keyed by the text ``lib.db`` and shared one journal (one's records
    replayed into the other); now each is keyed by its absolute path."""
    monkeypatch.setenv("SKILLEVO_JOURNAL_DIR", str(tmp_path / "state"))
    folders = []
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        monkeypatch.chdir(tmp_path / name)
        with SkillLibrary("lib.db") as lib:
            folders.append(lib._behind._journal.folder)  # type: ignore[union-attr]
    assert folders[0] != folders[1]
