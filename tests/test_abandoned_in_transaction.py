"""An episode dropped unfinished is not stored inside a transaction its caller's code rolls back.

World: user code drops an episode unfinished (queued by the collector, `skillevo._abandoned`), then
starts the next episode inside its own ``with lib.transaction():`` block, which raises. The next
episode's start stores what was queued; before 2026-12-07 it wrote the dropped episode inside the
caller's transaction, and the caller's rollback took it away: 1 of 1 lost, for good (it had left the
queue). Now an episode whose library this thread holds a transaction on stays queued, and is stored
at the next point outside one (here the library's close).
"""

from __future__ import annotations

import contextvars
import gc
from pathlib import Path

import pytest

from skillevo import Evolver, SkillLibrary


def _drop(evo: Evolver) -> str:
    def here() -> str:
        ep = evo.episode(task="dropped")
        ep.before_tool("book", {"date": "03/01/2025"})
        ep.on_tool_error("book", {"date": "03/01/2025"}, ValueError("expected YYYY-MM-DD"))
        return ep.id

    return contextvars.copy_context().run(here)


@pytest.mark.parametrize("dropped_by", ["refcount", "collector"])
def test_a_rolled_back_transaction_does_not_take_a_dropped_episode_with_it(tmp_path: Path, dropped_by: str) -> None:
    path = str(tmp_path / "lib.db")
    lib = SkillLibrary(path)
    evo = Evolver(lib, miner=None, sandbox=None)
    dropped = _drop(evo)
    if dropped_by == "collector":
        gc.collect()
    with pytest.raises(RuntimeError), lib.transaction():
        evo.episode(task="next")
        raise RuntimeError("the caller's block fails")
    lib.close()
    with SkillLibrary(path) as reopened:
        stored = {e.id: e for e in reopened.episodes()}
    assert dropped in stored  # before: lost with the caller's rollback
    assert stored[dropped].metadata.get("aborted") == "abandoned"


def test_a_dropped_episode_of_another_library_is_stored_inside_a_transaction(tmp_path: Path) -> None:
    # Only the library the thread holds a transaction on waits: another's write is no part of it.
    with SkillLibrary(str(tmp_path / "a.db")) as a, SkillLibrary(str(tmp_path / "b.db")) as b:
        evo_a, evo_b = Evolver(a, miner=None, sandbox=None), Evolver(b, miner=None, sandbox=None)
        dropped = _drop(evo_b)
        gc.collect()
        with pytest.raises(RuntimeError), a.transaction():
            evo_a.episode(task="next")
            raise RuntimeError("the caller's block fails")
        b.flush()
        assert dropped in {e.id for e in b.episodes()}
