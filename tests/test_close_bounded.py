"""A library's close waits for learning its Evolvers owe it at most once, whatever their number.

World: a server shuts down (``lib.close()``, ``with SkillLibrary(...)`` left) while runs are open
(paused at an interrupt, other threads' runs) and its miner is slow (an `LLMMiner` whose model takes
seconds). Closing stops the open episodes and stores them, unmined. Before 2026-12-07 that mining had no bound
with ``mining="inline"`` (40 open episodes x a 0.5 s miner: the close took 20.2 s, growing with each
episode), and with background mining each Evolver of the library waited 10 s of its own (3 Evolvers:
30 s); the jobs still queued then ran against the closed library, each logging a ``LibraryError``.
Now one budget (`skillevo._store.CLOSE_HOOKS_S`) covers the close: what it does not reach is
stored, counted in one warning, and mined by the nightly `skillevo train`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from skillevo import Evolver, SkillLibrary, _store
from skillevo._mining import Miner, Proposal

OPEN = 6


class _Slow(Miner):
    """A miner that takes longer than the test's close budget, or waits for `release`."""

    name = "slow"

    def __init__(self, release: threading.Event | None = None) -> None:
        self.calls = 0
        self.release = release

    def mine(self, events: Sequence[Any], store: Any) -> list[Proposal]:
        self.calls += 1
        if self.release is None:
            time.sleep(0.3)
        else:
            self.release.wait(30)
        return []


def _open_runs(evo: Evolver, n: int, tag: str) -> list[Any]:
    kept = []
    for i in range(n):
        ep = evo.episode(task=f"{tag}{i}")
        ep.before_tool("lookup", {"q": i})
        ep.on_tool_error("lookup", {"q": i}, ValueError("lookup failed: no such row"))
        kept.append(ep)
    return kept


def test_inline_mining_of_the_stopped_episodes_stops_at_the_close_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(_store, "CLOSE_HOOKS_S", 0.2)
    path = tmp_path / "lib.db"
    lib = SkillLibrary(path)
    miner = _Slow()
    evo = Evolver(lib, miner=miner, mining="inline", sandbox=None)
    runs = _open_runs(evo, OPEN, "t")
    with caplog.at_level(logging.INFO, logger="skillevo"):
        lib.close()
    assert miner.calls == 0  # stored for `skillevo train`, not mined at the close (before: 6)
    assert any(f"{OPEN} episodes stopped" in r.getMessage() for r in caplog.records)
    with SkillLibrary(path) as again:
        stored = again.episodes()
    assert len(stored) == OPEN and all(e.metadata.get("aborted") == "stopped" for e in stored)
    assert len(runs) == OPEN


def test_background_mining_of_several_evolvers_shares_one_budget_and_stops_at_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(_store, "CLOSE_HOOKS_S", 0.3)
    path = tmp_path / "lib.db"
    lib = SkillLibrary(path)
    release = threading.Event()
    miners = [_Slow(release) for _ in range(3)]
    evolvers = [Evolver(lib, miner=m, mining="background", sandbox=None) for m in miners]
    runs = [_open_runs(evo, 2, f"e{i}-") for i, evo in enumerate(evolvers)]
    for kept in runs:
        kept[0].finish(1.0)  # queued: its mining blocks the worker until `release`
    closed = threading.Thread(target=lib.close, daemon=True)
    with caplog.at_level(logging.WARNING, logger="skillevo"):
        closed.start()
        # The close must not wait for the blocked miners (before: 10 s per Evolver, then their
        # queued jobs met the closed library); the join is generous, the test waits for nothing.
        closed.join(60)
        assert not closed.is_alive()
        release.set()
        for evo in evolvers:
            assert evo.flush(30)
    assert sum(m.calls for m in miners) == len(miners)  # the running job of each, nothing after the close
    assert not [r for r in caplog.records if "LibraryError" in r.getMessage() or r.exc_info]
    assert any("mining jobs not run when the library closed" in r.getMessage() for r in caplog.records)
    with SkillLibrary(path) as again:
        assert len(again.episodes()) == 6  # every run stored, the open ones as stopped
