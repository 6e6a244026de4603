"""Episodes recorded while a refused queue is being moved to the spill journal go there too.

World: another process takes the library's write lock (a long `skillevo train`); the queue's write
is refused and the queue is moved to the journal on disk, where a SIGKILL cannot lose it. An agent
thread finishing an episode during that move saw no journal yet and queued its record in memory,
after the part being journaled: it stayed there until the queue's next write, `retry_s` (1 s)
later. Measured with a real lock and SIGKILL at random points: 4 of 6 runs lost 2-13 episodes
finished 0.5-1.1 s before the kill (the documented window is 0.2-0.3 s), in the journal's middle.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from skillevo import Episode, LibraryError, SkillLibrary, _sql_batch


def test_a_record_queued_during_the_move_to_the_journal_is_journaled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib = SkillLibrary(tmp_path / "lib.db")
    behind: Any = lib._behind  # type: ignore[attr-defined]
    behind.linger_s = 3600.0  # written by the flush below, not by the thread

    def locked_elsewhere(store: object, batch: object, *, wait_s: float) -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(_sql_batch, "write_batch", locked_elsewhere)
    journal = behind._journal
    extend = journal.extend
    agents: list[threading.Thread] = []

    def finish_an_episode() -> None:
        with contextlib.suppress(LibraryError):  # told the store refuses it: kept all the same
            lib.record_episode(Episode(id="meanwhile", task="t"))

    def extend_while_an_agent_finishes(records: Any, **kw: Any) -> Any:
        if not agents:  # an agent thread finishes an episode while the queue is being journaled
            queued = len(behind._queue)
            agents.append(threading.Thread(target=finish_an_episode))
            agents[0].start()
            while len(behind._queue) == queued and agents[0].is_alive():
                time.sleep(0.001)  # until its record is queued (it may then wait for this write)
        return extend(records, **kw)

    monkeypatch.setattr(journal, "extend", extend_while_an_agent_finishes)
    for i in range(3):
        lib.record_episode(Episode(id=f"ep{i}", task="t"))
    with pytest.raises(LibraryError, match="in the journal"):
        lib.flush()
    agents[0].join()
    # Every record is on disk (what a SIGKILL now leaves for the next process), none in memory only.
    assert len(behind) == 0
    assert len(journal.held()) == 4
    monkeypatch.undo()
    lib.close()  # the lock is free again: the journal is written
    with SkillLibrary(tmp_path / "lib.db") as again:
        assert {e.id for e in again.episodes()} == {"ep0", "ep1", "ep2", "meanwhile"}
