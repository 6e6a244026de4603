"""Episodes dropped in reference cycles the collector has not reached yet are stored at exit.

World: a process drops episodes unfinished, each held in a reference cycle (a framework's run
object pointing back at itself), and ends without a close or a later episode. The collector runs
only at allocation thresholds, so the last cycles are still uncollected when the exit hook stores
the queue: before 2026-12-07 they were freed after it, unrecorded (5 of 5 lost here, with the
collector off to make it certain; 3 of 25 in a plain run). Now the exit hook runs the collector
first, and what it frees is stored with the rest.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from skillevo import SkillLibrary


def test_episodes_dropped_in_cycles_are_stored_at_interpreter_exit(tmp_path: Path) -> None:
    path = str(tmp_path / "lib.db")
    script = f"""
import gc, sys
sys.path[:0] = {sys.path!r}
from skillevo import Evolver, SkillLibrary
gc.disable()  # (the collector not reaching the cycles before exit, made certain)
lib = SkillLibrary({path!r})
evo = Evolver(lib, miner=None, sandbox=None)

class Run:
    def __init__(self, ep):
        self.ep, self.me = ep, self

for i in range(5):
    ep = evo.episode(task=f"t{{i}}")
    ep.before_tool("book", {{"date": "03/04/2025"}})
    ep.on_tool_error("book", {{"date": "03/04/2025"}}, ValueError("expected YYYY-MM-DD"))
    Run(ep)
    del ep
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    with SkillLibrary(path) as lib:
        stored = list(lib.episodes())
    assert sorted(e.task for e in stored) == [f"t{i}" for i in range(5)]  # before: none
    assert all(e.metadata.get("aborted") == "abandoned" for e in stored)
