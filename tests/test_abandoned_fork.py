"""A forked child does not store the episodes its parent dropped, or those it inherited and dropped.

World: a process drops an episode unfinished (queued by the collector, `skillevo._abandoned`) and
forks a worker before its next episode starts; the worker starts one. The child inherited the queue
and stored the parent's episode as the parent did: before 2026-12-07 its failed call was recorded
twice (2 tool errors for 1, 1 of 1 episodes), which mining counts twice. Likewise an episode the
parent still holds open, dropped in the child, was stored by the child while the parent finishes it.
Now an abandoned episode is stored only by the process that opened it.
"""

from __future__ import annotations

import contextvars
import gc
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from skillevo import EpisodeContext, EventKind, Evolver, SkillLibrary

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


def _with_failed_call(evo: Evolver, task: str) -> EpisodeContext:
    ep = evo.episode(task=task)
    ep.before_tool("book", {"date": "03/01/2025"})
    ep.on_tool_error("book", {"date": "03/01/2025"}, ValueError("expected YYYY-MM-DD"))
    return ep


def _in_child(body: Callable[[], None]) -> None:
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            body()
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def _errors(path: str, episode_id: str) -> int:
    with SkillLibrary(path) as lib:
        return len(lib.events(episode_id=episode_id, kind=EventKind.TOOL_ERROR))


def test_a_child_does_not_store_what_its_parent_dropped(tmp_path: Path) -> None:
    path = str(tmp_path / "lib.db")
    lib = SkillLibrary(path)
    evo = Evolver(lib, miner=None, sandbox=None)
    dropped = contextvars.copy_context().run(lambda: _with_failed_call(evo, "dropped").id)
    gc.collect()

    def child() -> None:
        evo.episode(task="child").finish(1.0)
        lib.flush()

    _in_child(child)
    evo.episode(task="parent").finish(1.0)
    lib.close()
    assert _errors(path, dropped) == 1  # before: 2


def test_a_child_does_not_store_an_episode_its_parent_holds_open(tmp_path: Path) -> None:
    path = str(tmp_path / "lib.db")
    lib = SkillLibrary(path)
    evo = Evolver(lib, miner=None, sandbox=None)
    held = [contextvars.copy_context().run(_with_failed_call, evo, "held")]
    episode_id = held[0].id

    def child() -> None:
        held.clear()  # the child drops its copy
        gc.collect()
        evo.episode(task="child").finish(1.0)
        lib.flush()

    _in_child(child)
    held[0].finish(1.0)
    lib.close()
    assert _errors(path, episode_id) == 1
