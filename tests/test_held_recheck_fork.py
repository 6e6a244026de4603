"""A forked child of a process whose held-import re-check was in flight (attack17).

`ReviewGate`'s re-check of a held import runs on a background thread (`_Holds`), and a forked child
(a pre-forking server, multiprocessing's fork start) has none of the parent's threads. The child
kept the parent's worker (its thread object, never running there), so no call of the child started
another: an import that won its evidence stayed held in that child for good (0 of 200 calls freed
it before), and `settle()` spun forever on the dead worker. A lock the worker (or any thread)
held at the fork stayed held in the child: every later call taking the gate's lock (each canary
draw, each approval read) hung. A child now starts with no worker, no queued check, and fresh locks.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from skillevo import SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus, _review_gate
from skillevo._models import MapValue, Repair, SkillVersion
from skillevo._review_gate import ReviewGate
from skillevo._store import SkillStore

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
TTL = 0.05


def _in_child(body: object) -> int:
    """Run `body()` in a forked child with a 20 s alarm; its exit code (3: it hung)."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        import signal

        signal.signal(signal.SIGALRM, lambda *_: os._exit(3))
        signal.alarm(20)
        try:
            os._exit(0 if body() else 1)  # type: ignore[operator]
        except BaseException:
            os._exit(2)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def test_a_forked_child_rechecks_a_held_import_and_frees_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_review_gate, "_HELD_TTL_S", TTL)
    release = threading.Event()
    state = {"evidence": False, "blocking": False}

    def awaits(store: SkillStore, v: SkillVersion) -> bool:
        if state["blocking"]:
            release.wait(10)
        return not state["evidence"]

    monkeypatch.setattr(_review_gate, "awaits_evidence", awaits)
    lib = SkillLibrary(tmp_path / "lib.db")
    version = lib.add_skill("held-map", Trigger(kind=TriggerKind.TOOL_ERROR, tool="t"),
                            Strategy(repair=Repair(ops=[MapValue(arg="s", mapping={"a": "b"})])),
                            status=VersionStatus.TESTING)
    gate = ReviewGate(lib, "canary", 0.5)
    assert gate.held(version)
    time.sleep(TTL * 2)
    state["blocking"] = True
    assert gate.held(version)  # the re-check is in flight on the parent's worker (blocked)

    def child() -> bool:
        state["blocking"] = False
        state["evidence"] = True
        for _ in range(200):
            if not gate.held(version):
                gate.draw_canary()
                return gate.settle(5.0)
            time.sleep(TTL / 2)
        return False

    try:
        assert _in_child(child) == 0
    finally:
        release.set()
        gate.settle(5.0)
        lib.close()


def test_a_lock_held_at_the_fork_does_not_hang_the_child(tmp_path: Path) -> None:
    lib = SkillLibrary(tmp_path / "lib.db")
    gate = ReviewGate(lib, "canary", 0.5)
    taken, done = threading.Event(), threading.Event()

    def hold() -> None:
        with gate._lock:
            taken.set()
            done.wait(10)

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    taken.wait(5)
    try:
        assert _in_child(lambda: len([gate.draw_canary() for _ in range(10)]) == 10) == 0
    finally:
        done.set()
        holder.join(5)
        lib.close()
