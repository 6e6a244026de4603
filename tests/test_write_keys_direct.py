"""The keys of direct saves (`finish()` saves an episode to mine under a key) are deleted once
their save is known committed, by the next write that carries keys, a direct save included.
Before 2026-12-06 only the queue's next batch deleted them: a run whose episodes all had a tool
error (each saved directly, none queued) left one row in ``write_keys`` per episode for 7 days
(300 of 300 with 3 threads; 8,052 over a 40 s run of three processes), where the table is to
hold about one batch per live writer."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from skillevo import Evolver, SkillLibrary


@pytest.mark.parametrize("durability", ["sync", "batched"])
def test_direct_saves_leave_no_trail_of_keys(tmp_path: Path, durability: str) -> None:
    lib = SkillLibrary(tmp_path / "lib.db", durability=durability)  # type: ignore[arg-type]
    evo = Evolver(lib, sandbox=None, mining="inline")

    def work(t: int) -> None:
        for i in range(40):
            ep = evo.episode(task=f"task {t} {i}")
            ep.on_tool_error("book", {"date": "03/04/2025"}, "ValueError: date must be YYYY-MM-DD")
            ep.finish(0.0)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    lib.close()
    conn = sqlite3.connect(tmp_path / "lib.db")
    assert conn.execute("SELECT count(*) FROM episodes").fetchone()[0] == 120
    assert conn.execute("SELECT count(*) FROM write_keys").fetchone()[0] <= 3  # the last save of each thread at most
    conn.close()
