"""Two `skillevo train` runs at once (one took over the other's lock) never mine one episode twice.

World: a long train run goes silent past ``lock_stale_after_s`` (a paused VM, a stalled disk) and a
second run takes its lock over and mines from the progress it reads; then the first wakes up and
commits the chunk it was mining. Before 2026-12-07 the first run checked that it still held the
lock only after committing each chunk: the chunk's episodes (a gap range's late ones as much as
the main range's) were mined by both runs (here: the chunk in flight, 1 of 4 episodes mined twice;
each a model call with an LLM miner, and a candidate of its own). Now each chunk's transaction
first checks the lock (a write on the lock's guard row: a run taking it over waits for that
commit), so a run that lost it stops before mining anything more.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skillevo import Evolver, SkillLibrary, TrainLockedError, _train_stages, run_train

from .train_world import train_config


def _config(tmp_path: Path, location: Any, **train: Any) -> Any:
    config = train_config(tmp_path / "lib.db", **train)
    return config.model_copy(update={"library": config.library.model_copy(update={"db": str(location)})})


def _failed_episodes(path: Path | str, n: int) -> None:
    with SkillLibrary(path) as lib:
        evo = Evolver(lib, miner=None, sandbox=None)
        for i in range(n):
            ep = evo.episode(task=f"book {i}")
            ep.before_tool("book", {"date": "03/04/2025"})
            ep.on_tool_error("book", {"date": "03/04/2025"}, ValueError("expected YYYY-MM-DD"))
            ep.finish(0.0)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_run_that_lost_its_lock_mid_stage_mines_nothing_the_new_holder_mines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest, backend: str
) -> None:
    path: Any = tmp_path / "lib.db" if backend == "sqlite" else request.getfixturevalue("pg_url")
    _failed_episodes(path, 4)
    mined: Counter[str] = Counter()
    mine_episode = _train_stages._mine_episode

    def counted(run: Any, events: Any, miners: Any) -> None:
        mined[str(events[0].episode_id)] += 1
        mine_episode(run, events, miners)

    monkeypatch.setattr(_train_stages, "_mine_episode", counted)

    first = SkillLibrary(path)
    episodes_read = 0
    iter_events = first.iter_events

    def slow_first(*args: Any, **kwargs: Any) -> Iterator[Any]:
        nonlocal episodes_read
        seen: set[str | None] = set()
        for event in iter_events(*args, **kwargs):
            seen.add(event.episode_id)
            if len(seen) == 2 and episodes_read == 0:
                # The first run stalls here, past its lock's staleness: a second run takes over.
                episodes_read = 1
                second = run_train(_config(tmp_path, path, chunk_episodes=1, lock_stale_after_s=1e-9))
                assert second.episodes_mined >= 1
            yield event

    monkeypatch.setattr(first, "iter_events", slow_first)
    try:
        with pytest.raises(TrainLockedError):
            run_train(_config(tmp_path, path, chunk_episodes=1), store=first)
    finally:
        first.close()
    assert episodes_read == 1
    assert sorted(mined.values()) == [1, 1, 1, 1]  # before: [1, 1, 1, 2]
