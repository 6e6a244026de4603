"""An episode its caller dropped without finishing it is stored, marked abandoned, not lost.

World: user code starts ``ep = evo.episode(...)`` and loses it before ``finish``: an exception path
that skips the finish, a generator never resumed, a framework run abandoned. Before 2026-12-07 the
garbage collector freed it and its record (the failed call skillevo learns from) was gone, even at
the library's close: 20 of 20 lost here. Now its finalizer only queues it (no lock, no store call:
the collector runs in whatever thread allocates, maybe one holding a store lock), and it is stored
as abandoned (reward unknown, ``metadata["aborted"] == "abandoned"``) at the next episode's start,
the library's close or interpreter exit. A ``with evo.episode()`` block the collector leaves (a
generator in a reference cycle) is queued the same way instead of writing from inside the collector.
"""

from __future__ import annotations

import contextvars
import gc
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from skillevo import EventKind, Evolver, SkillLibrary


class _Cycle:
    """Keeps what it holds in a reference cycle: only the cycle collector frees it."""

    def __init__(self, held: Any) -> None:
        self.held = held
        self.me = self


def _failed_call(ep: Any, i: int) -> None:
    ep.before_tool("book", {"date": f"03/0{i % 9 + 1}/2025"})
    ep.on_tool_error("book", {"date": f"03/0{i % 9 + 1}/2025"}, ValueError("expected YYYY-MM-DD"))


def _drop_twenty(evo: Evolver) -> list[str]:
    """Start 20 episodes, each with a failed call, and lose every one of them without a finish (in
    a context of their own: a generator suspended in a ``with`` block leaves its episode current)."""
    return contextvars.copy_context().run(_drop_twenty_here, evo)


def _drop_twenty_here(evo: Evolver) -> list[str]:
    ids: list[str] = []

    def plain(i: int) -> None:
        ep = evo.episode(task=f"t{i}")
        _failed_call(ep, i)
        ids.append(ep.id)

    def in_cycle(i: int) -> None:
        ep = evo.episode(task=f"t{i}")
        _failed_call(ep, i)
        ids.append(ep.id)
        _Cycle(ep)

    def raised(i: int) -> None:
        try:
            ep = evo.episode(task=f"t{i}")
            ids.append(ep.id)
            _failed_call(ep, i)
            raise KeyError("the caller's own bug, before its finish")
        except KeyError:
            pass

    def never_resumed(i: int) -> None:
        def run() -> Iterator[int]:
            ep = evo.episode(task=f"t{i}")
            ids.append(ep.id)
            _failed_call(ep, i)
            yield 1
            ep.finish(1.0)

        gen = run()
        next(gen)
        _Cycle(gen)

    def with_block_in_cycle(i: int) -> None:
        def run() -> Iterator[int]:
            with evo.episode(task=f"t{i}") as ep:
                ids.append(ep.id)
                _failed_call(ep, i)
                yield 1

        gen = run()
        next(gen)
        _Cycle(gen)

    ways = [plain, in_cycle, raised, never_resumed, with_block_in_cycle]
    for i in range(20):
        ways[i % len(ways)](i)
    return ids


def _stored(path: str) -> dict[str, Any]:
    with SkillLibrary(path) as lib:
        return {e.id: (e, len(lib.events(episode_id=e.id, kind=EventKind.TOOL_ERROR))) for e in lib.episodes()}


def test_dropped_episodes_are_stored_as_abandoned_at_close(tmp_path: Path) -> None:
    path = str(tmp_path / "lib.db")
    lib = SkillLibrary(path)
    ids = _drop_twenty(Evolver(lib, miner=None, sandbox=None))
    gc.collect()
    lib.close()
    stored = _stored(path)
    assert [i for i in ids if i not in stored] == []  # before: 20 of 20 lost
    for i in ids:
        episode, errors = stored[i]
        assert episode.reward is None and episode.metadata.get("aborted") == "abandoned"
        assert errors == 1  # with what it recorded


def test_the_next_episode_stores_those_dropped_before_it(tmp_path: Path) -> None:
    path = str(tmp_path / "lib.db")
    with SkillLibrary(path) as lib:
        evo = Evolver(lib, miner=None, sandbox=None)
        ids = _drop_twenty(evo)
        gc.collect()
        evo.episode(task="next").finish(1.0)
        lib.flush()
        assert {i for i in ids} <= {e.id for e in lib.episodes()}


def test_the_collector_inside_a_store_write_does_not_deadlock(tmp_path: Path) -> None:
    # The cycle collector runs at any allocation, in whatever thread allocates: here inside the
    # store's write, with its locks held (the connection's, the write queue's). An episode it frees
    # (or a `with` block it leaves) must not be written there: the queue's lock is not reentrant.
    path = str(tmp_path / "lib.db")
    lib = SkillLibrary(path)
    evo = Evolver(lib, miner=None, sandbox=None)
    queue = lib._behind  # the write-behind queue recorded episodes go through
    hooked = {}
    for name in ("_write", "_background", "_probe"):
        real = hooked[name] = getattr(queue, name)

        def write_then_collect(batch: Any, real: Any = real) -> Any:
            result = real(batch)
            gc.collect()  # the connection's lock held
            return result

        setattr(queue, name, write_then_collect)
    ids: list[str] = []
    gc.disable()  # only where the test collects
    try:
        def run() -> None:
            for _ in range(3):
                ids.extend(_drop_twenty(evo))
                with queue._queue_lock:  # not reentrant
                    gc.collect()
                with lib._d.lock:
                    gc.collect()
                evo.episode(task="kept").finish(1.0)
                lib.flush()

        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        worker.join(120)
        assert not worker.is_alive(), "deadlocked: an episode was written from inside the collector"
    finally:
        gc.enable()
        for name, real in hooked.items():
            setattr(queue, name, real)
    gc.collect()
    lib.close()
    stored = _stored(path)
    assert [i for i in ids if i not in stored] == []
    assert len(ids) == 60


def test_dropped_episodes_are_stored_at_interpreter_exit(tmp_path: Path) -> None:
    # No close, no later episode: the process just ends.
    path = str(tmp_path / "lib.db")
    script = f"""
import sys
sys.path[:0] = {sys.path!r}
from skillevo import Evolver, SkillLibrary
lib = SkillLibrary({path!r})
evo = Evolver(lib, miner=None, sandbox=None)
for i in range(5):
    ep = evo.episode(task=f"t{{i}}")
    ep.before_tool("book", {{"date": "03/04/2025"}})
    ep.on_tool_error("book", {{"date": "03/04/2025"}}, ValueError("expected YYYY-MM-DD"))
    del ep
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    stored = _stored(path)
    assert sorted(e.task for e, _ in stored.values()) == [f"t{i}" for i in range(5)]
    assert all(e.metadata.get("aborted") == "abandoned" for e, _ in stored.values())


def test_dropped_episodes_are_stored_when_the_process_is_terminated(tmp_path: Path) -> None:
    # SIGTERM: the write queues are written, then the signal ends the process (no exit hooks run).
    path = str(tmp_path / "lib.db")
    script = f"""
import os, signal, sys, time
sys.path[:0] = {sys.path!r}
from skillevo import Evolver, SkillLibrary
lib = SkillLibrary({path!r})
evo = Evolver(lib, miner=None, sandbox=None)
for i in range(5):
    ep = evo.episode(task=f"t{{i}}")
    ep.before_tool("book", {{"date": "03/04/2025"}})
    ep.on_tool_error("book", {{"date": "03/04/2025"}}, ValueError("expected YYYY-MM-DD"))
    del ep
os.kill(os.getpid(), signal.SIGTERM)
time.sleep(60)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == -15, done.stderr
    stored = _stored(path)
    assert sorted(e.task for e, _ in stored.values()) == [f"t{i}" for i in range(5)]  # before: 0 of 5
    assert all(e.metadata.get("aborted") == "abandoned" for e, _ in stored.values())


def test_nothing_is_stored_from_inside_the_collector(tmp_path: Path) -> None:
    # A finalizer that stores the queue (closing a library from a `__del__`, say) runs wherever the
    # collector runs: there it stores nothing, and the episode waits for a safe point.
    from skillevo._abandoned import store_abandoned

    path = str(tmp_path / "lib.db")
    lib = SkillLibrary(path)
    ep = Evolver(lib, miner=None, sandbox=None).episode(task="dropped")
    _failed_call(ep, 1)
    dropped = ep.id
    del ep  # queued by its finalizer
    stored_inside: list[int] = []

    class _StoresWhenFreed:
        def __del__(self) -> None:
            stored_inside.append(store_abandoned())

    _Cycle(_StoresWhenFreed())
    gc.collect()
    assert stored_inside == [0]
    lib.close()
    assert _stored(path)[dropped][0].metadata.get("aborted") == "abandoned"
