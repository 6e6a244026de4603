"""A write on an agent's run path is refused only while journaled records wait to be written back.

faults8 (2026-12-07) refuses a run-path write that finds records the writer thread has yet to write
back from the spill journal: written now, it would go before them. The check asked whether the
queue held anything at all, so a record another agent thread queued between this write's own
drain and the write (parallel tool calls, a crew's agents: each ``on_tool_result`` queues a
posterior update) refused the write as if the journal held records: "1 records wait to be written
first", the run's write given up, with no journal and no outage. Another thread's queued record
is no earlier record of this write's: the queue is written after it, as it always was.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from skillevo import SkillLibrary
from skillevo._models import Episode
from skillevo._run_path import run_path_scope


def test_a_record_queued_by_another_thread_meanwhile_does_not_refuse_the_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with SkillLibrary(tmp_path / "lib.db") as lib:
        behind = lib._behind
        monkeypatch.setattr(behind, "linger_s", 3600.0)  # the writer thread does not write it first
        drain = behind.drain
        queued: list[str] = []

        def drain_then_another_thread_queues(**kwargs: Any) -> None:
            drain(**kwargs)
            if not queued:  # what a parallel agent's thread queues right after this drain
                episode = Episode(task="another agent", finished_at=1.0, reward=1.0)
                lib.record_episode(episode)
                queued.append(episode.id)

        monkeypatch.setattr(behind, "drain", drain_then_another_thread_queues)
        lib.record_episode(Episode(task="first", finished_at=1.0, reward=1.0))  # a queue to drain
        with run_path_scope():
            lib.set_meta("run-path-write", "done")
        monkeypatch.undo()
        assert queued
        assert lib.get_meta("run-path-write") == "done"
        assert lib.episode(queued[0]).task == "another agent"  # and that record is kept
