"""Episodes the user's code still holds open when the interpreter exits are stored, not lost.

World: a process opens episodes and keeps them (a module-level list of runs, a daemon thread still
in its run) and ends without finishing them and without closing its library. Nothing drops them,
so no finalizer queues them, and the library's close, which stops its open episodes, never runs:
before 2026-12-07 every one was lost with its events (25 of 25 here). Now the exit hook (and the
SIGTERM flush) stores each episode of the process still unfinished as abandoned, with its events.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from skillevo import SkillLibrary

_SCRIPT = """
import sys, threading
sys.path[:0] = {syspath!r}
from skillevo import Evolver, SkillLibrary
lib = SkillLibrary({path!r})
evo = Evolver(lib, miner=None, sandbox=None)
HELD = []
for i in range(24):
    ep = evo.episode(task=f"t{{i}}")
    ep.before_tool("book", {{"date": "03/04/2025"}})
    ep.on_tool_error("book", {{"date": "03/04/2025"}}, ValueError("expected YYYY-MM-DD"))
    HELD.append(ep)
started, never = threading.Event(), threading.Event()
def run():
    ep = evo.episode(task="t24")  # held by a daemon thread's frame while the process ends
    ep.before_tool("book", {{"date": "03/04/2025"}})
    started.set()
    never.wait()
threading.Thread(target=run, daemon=True).start()
started.wait()
{end}
"""


def _stored(path: str) -> list[tuple[str, object, int]]:
    with SkillLibrary(path) as lib:
        return sorted((e.task, e.metadata.get("aborted"), len(list(lib.events(episode_id=e.id))))
                      for e in lib.episodes())


def _run(tmp_path: Path, end: str) -> tuple[subprocess.CompletedProcess[str], str]:
    path = str(tmp_path / "lib.db")
    script = _SCRIPT.format(syspath=sys.path, path=path, end=end)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    return done, path


def test_episodes_held_open_at_interpreter_exit_are_stored_as_abandoned(tmp_path: Path) -> None:
    done, path = _run(tmp_path, "")
    assert done.returncode == 0, done.stderr
    stored = _stored(path)
    assert [task for task, _, _ in stored] == sorted(f"t{i}" for i in range(25))  # before: none
    assert {aborted for _, aborted, _ in stored} == {"abandoned"}
    assert all(n >= 1 for _, _, n in stored)  # with the events each had


def test_episodes_held_open_at_sigterm_are_stored_as_abandoned(tmp_path: Path) -> None:
    done, path = _run(tmp_path, "import os, signal, time\nos.kill(os.getpid(), signal.SIGTERM)\ntime.sleep(60)")
    assert done.returncode == -signal.SIGTERM, done.stderr
    stored = _stored(path)
    assert [task for task, _, _ in stored] == sorted(f"t{i}" for i in range(25))
    assert {aborted for _, aborted, _ in stored} == {"abandoned"}
