"""The interpreter's exit is bounded however many episodes are busy, and never mines.

World: a process ends with many episodes open in threads still inside them (daemon threads in
their runs, several Evolvers) and an inline miner. The exit hook stores each as abandoned (see
`skillevo._abandoned`). Before 2026-12-07 it waited up to `LOCK_WAIT_S` (2 s) for each busy
episode in turn: 40 busy episodes, 80 s before the process could end; and it mined each stored
episode inline, so a miner that hangs (a model call without a timeout) held the exit for ever.
Now one deadline bounds the exit hook's waits in all, and the episodes stored at exit are
stored, not mined (the nightly `skillevo train` mines every stored episode with a failure).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from skillevo import Event, Evolver, SkillLibrary, _abandoned
from skillevo._mining import Miner, Proposal
from skillevo._store import SkillStore


class _Clock:
    """A monotonic clock that moves only when a lock wait times out (no real waiting)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class _BusyLock:
    """An episode lock another thread keeps: every acquire times out, advancing `clock`."""

    def __init__(self, clock: _Clock) -> None:
        self.clock = clock

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        self.clock.now += max(0.0, timeout)
        return False

    def release(self) -> None:  # pragma: no cover - never acquired
        raise AssertionError("released a lock never acquired")

    def __enter__(self) -> bool:  # pragma: no cover
        raise AssertionError("entered a busy episode")

    def __exit__(self, *exc: object) -> None:  # pragma: no cover
        pass


def test_exit_waits_for_busy_episodes_within_one_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = _Clock()
    monkeypatch.setattr(_abandoned.time, "monotonic", clock)
    libs = [SkillLibrary(str(tmp_path / f"lib{i}.db")) for i in range(4)]
    eps = []
    for lib in libs:  # several Evolvers, each with busy episodes
        evo = Evolver(lib, miner=None, sandbox=None)
        for i in range(10):
            ep = evo.episode(task=f"busy {i}")
            ep.before_tool("book", {"date": "03/04/2025"})
            eps.append(ep)
    real = [ep._lock for ep in eps]
    for ep in eps:
        ep._lock = _BusyLock(clock)
    start = clock.now
    _abandoned._at_exit()
    waited = clock.now - start
    for ep, lock in zip(eps, real, strict=True):
        ep._lock = lock
    # Before: 40 busy episodes x 2 s = 80 s of waiting at exit; now one episode's wait in all.
    assert waited <= _abandoned.LOCK_WAIT_S
    for ep in eps:  # (they stay open: the next exit point, or the library's close, stores them)
        assert not ep.finished
    for lib in libs:
        lib.close()


def test_episodes_stored_at_exit_are_not_mined(tmp_path: Path) -> None:
    mined: list[Any] = []

    class Counting(Miner):
        name = "counting"

        def mine(self, events: Sequence[Event], store: SkillStore) -> list[Proposal]:
            mined.append(len(events))  # a miner that hangs here (a model call) holds the exit for ever
            return []

    lib = SkillLibrary(str(tmp_path / "lib.db"))
    evo = Evolver(lib, miner=Counting(), sandbox=None, mining="inline")
    ep = evo.episode(task="held at exit")
    args = ep.before_tool("book", {"date": "03/04/2025"})
    ep.on_tool_error("book", args, ValueError("date must be YYYY-MM-DD"))
    _abandoned._at_exit()
    assert ep.finished
    assert mined == []  # before: mined inline in the exit hook
    lib.flush()
    stored = {e.id: e for e in lib.episodes()}
    assert stored[ep.id].metadata.get("aborted") == "abandoned"
    assert any(e.kind == "tool_error" for e in lib.events(episode_id=ep.id))  # train mines it later
    lib.close()
