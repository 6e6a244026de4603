"""On SIGTERM the episodes left open get the whole grace period, not half of it.

World: SIGTERM ends a process while one of its threads is still inside an episode's hook (holding
the episode), and leaves it after longer than half the grace period but well within it. Before
2026-12-07 the SIGTERM flush waited for the episodes' collection only half the grace period and
then wrote the queues without them: the episode was lost (1 of 1 here) with time left to spare.
Now the collection may use the whole grace period; the queues are written after it, with what is
left (and, were the collection still stuck at the end, written anyway).
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from skillevo import SkillLibrary

GRACE_S = 8.0
HELD_S = 5.0  # more than half the grace period, well within it


def test_an_episode_busy_past_half_the_grace_period_is_still_stored(tmp_path: Path) -> None:
    path = str(tmp_path / "lib.db")
    script = f"""
import os, sys, threading, time
sys.path[:0] = {sys.path!r}
from skillevo import Evolver, SkillLibrary, _durability
_durability.SIGTERM_GRACE_S = {GRACE_S}
lib = SkillLibrary({path!r})
evo = Evolver(lib, miner=None, sandbox=None)
ep = evo.episode(task="busy")
ep.before_tool("book", {{"date": "03/04/2025"}})
inside = threading.Event()
def hook():  # a thread inside one of the episode's hooks, for a while
    with ep._lock:
        inside.set()
        time.sleep({HELD_S})
threading.Thread(target=hook, daemon=True).start()
inside.wait()
import signal
os.kill(os.getpid(), signal.SIGTERM)
time.sleep(60)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGTERM, done.stderr
    with SkillLibrary(path) as lib:
        stored = [(e.task, e.metadata.get("aborted")) for e in lib.episodes()]
    assert stored == [("busy", "abandoned")]  # before: []
