"""An episode finished in an exit handler that runs after skillevo's own is written, not lost.

World: `atexit` runs handlers last-registered first, so a handler registered before skillevo was
imported (an application's shutdown hook, a framework's tracer flush that ends runs, skillevo
imported lazily inside an adapter) runs *after* the hook that writes the queue. A run it finishes
was queued behind that hook's back, for a writer thread the ending interpreter never lets write.
Before 2026-12-07: 3 of 3 such episodes lost, with no word on stderr. Now, once the exit hook has
run, every queue writes through in the caller's thread (as in a forked child): 0 of 3 lost.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from skillevo import SkillLibrary

CHILD = textwrap.dedent(
    """
    import atexit, sys
    runs = []

    def shutdown():  # registered before skillevo's exit hook: runs after it
        for ep in runs:
            ep.finish(1.0)
        print("FINISHED", len(runs), flush=True)

    atexit.register(shutdown)
    from skillevo import Evolver, SkillLibrary
    lib = SkillLibrary(sys.argv[1], durability=sys.argv[2])
    evo = Evolver(lib, miner=None, sandbox=None)
    for i in range(3):
        ep = evo.episode(task=f"open {i}")
        ep.on_tool_result("lookup", {"q": i}, "rows")
        runs.append(ep)
    done = evo.episode(task="done before exit")
    done.finish(1.0)
    """
)


@pytest.mark.parametrize("durability", ["batched", "sync"])
def test_runs_finished_by_a_later_exit_handler_are_stored(tmp_path: Path, durability: str) -> None:
    db = tmp_path / "lib.db"
    out = subprocess.run([sys.executable, "-c", CHILD, str(db), durability],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "FINISHED 3" in out.stdout
    with SkillLibrary(db) as lib:
        stored = {e.task: e for e in lib.episodes()}
    assert sorted(stored) == ["done before exit", "open 0", "open 1", "open 2"], out.stderr[-2000:]
    assert all(e.reward == 1.0 for e in stored.values())
