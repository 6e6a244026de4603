"""Closing a library mines none of the episodes it stops: they are stored, and mined later.

Closing a library first records its episodes still open as stopped (`skillevo._open_episodes`).
Before 2026-12-07 an Evolver mining inline mined each of them there too: the close took one mining
per open episode with a failure (an LLM miner: a model call each; 4 of 4 here), however many were
open. Now the close only records them; the nightly `skillevo train`, whose mine stage mines every
stored episode with a failure since its last run, mines them (4 of 4 here, skills created).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from skillevo import Evolver, RuleMiner, SkillLibrary, run_train

from .train_world import _book_flight, train_config


class _Counted(RuleMiner):
    """The rule miner, counting the episodes it is handed (a model-backed miner pays a call each)."""

    name = "counted"
    mined = 0

    def mine(self, events: Any, store: Any) -> Any:
        type(self).mined += 1
        return super().mine(events, store)


def test_closing_the_library_mines_no_open_episode_and_train_mines_them(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    with SkillLibrary(db) as lib:
        evo = Evolver(lib, sandbox=None, mining="inline", miner=_Counted())
        open_runs = []
        for day in range(10, 14):
            ep = evo.episode(task="book")
            args = ep.before_tool("book_flight", {"date": f"{day}/11/2026"})
            try:
                _book_flight(args)
            except ValueError as exc:
                ep.on_tool_error("book_flight", args, exc)
            fixed = ep.before_tool("book_flight", {"date": f"2026-11-{day}"})
            ep.on_tool_result("book_flight", fixed, _book_flight(fixed))
            open_runs.append(ep)  # paused, waiting for a person: still open when the server stops
    assert _Counted.mined == 0  # before: 4, one mining per open episode inside the close
    assert all(ep.finish().metadata.get("aborted") == "stopped" for ep in open_runs)
    report = run_train(train_config(db))
    assert report.episodes_mined == 4 and report.created
