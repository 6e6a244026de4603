"""A store outage (a full disk here: SQLite's real SQLITE_FULL) seen through the adapter contract:
the agent's runs go on, no episode is lost, and the log says it once. Before 2026-12-06 every
failing store call of every run was logged at ERROR with its traceback: 20 runs while the disk
was full logged 20 tracebacks of the same "database or disk is full". Now the first is logged in
full, the repeats of the same store error are counted, and the count is said when a store error
is logged again after the quiet interval (or a different one comes)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo.adapters import call_tool, finish_with


def _run(evo: Evolver, i: int) -> str:
    ep = evo.episode(task=f"task {i}")
    call_tool(ep, "lookup", {"q": i}, lambda args: {"rows": ["x" * 400] * 4})
    finish_with(ep, lambda state: 1.0, None)
    return ep.id


def test_a_full_disk_is_one_logged_error_and_no_lost_episode(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    lib = SkillLibrary(tmp_path / "lib.db", durability="sync")  # each finish() writes, and meets the full disk
    evo = Evolver(lib, miner=None, sandbox=None)
    ids = [_run(evo, 0)]
    lib.flush()
    conn = lib._conn  # type: ignore[attr-defined]
    conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0]}")  # the disk is full
    caplog.set_level(logging.INFO, logger="skillevo")
    ids += [_run(evo, i) for i in range(1, 21)]
    loud = [r for r in caplog.records if r.name.startswith("skillevo") and r.levelno >= logging.WARNING]
    assert 1 <= len(loud) <= 2, [r.getMessage()[:100] for r in loud]
    assert "full" in loud[0].getMessage()
    conn.execute("PRAGMA max_page_count = 1073741823")  # room again
    ids.append(_run(evo, 21))
    lib.close()
    with SkillLibrary(tmp_path / "lib.db") as again:
        assert {e.id for e in again.episodes()} >= set(ids)
