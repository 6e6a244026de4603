"""The train lock on the holder's own host is not judged by the wall clock, which an operator or
NTP may step by hours: a jump forward past ``lock_stale_after_s`` must not let a second run take a
live run's lock, a jump back must not keep a silent holder's lock forever, and a pid that another
process now has is no holder."""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from skillevo import SkillLibrary, TrainLockedError
from skillevo import _train_lock as train_lock
from skillevo._train_lock import LOCK_KEY, Lock

pytestmark = pytest.mark.skipif(
    train_lock._boot_id() is None or train_lock._started(os.getpid()) is None,
    reason="needs the boot id and process start times of /proc",
)

_STALE = 60.0


@pytest.fixture()
def lib(tmp_path: Path) -> Iterator[SkillLibrary]:
    with SkillLibrary(tmp_path / "lib.db") as library:
        yield library


def _held_by_this_process(lib: SkillLibrary, **fields: object) -> None:
    now = time.time()
    record = {"token": "x" * 32, "pid": os.getpid(), "host": socket.gethostname(), "since": now,
              "heartbeat": now, "run": "first", "boot": train_lock._boot_id(),
              "started": train_lock._started(os.getpid()), "monotonic": time.monotonic(), **fields}
    lib.set_meta(LOCK_KEY, json.dumps(record))


def test_a_wall_clock_jump_forward_does_not_hand_a_live_runs_lock_to_another(
    lib: SkillLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    Lock(lib, _STALE).acquire("first")  # this process holds it, and is alive
    real = time.time
    monkeypatch.setattr(train_lock.time, "time", lambda: real() + 100 * _STALE)
    with pytest.raises(TrainLockedError, match="holds the lock"):
        Lock(lib, _STALE).acquire("second")


def test_a_silent_holder_is_taken_over_after_a_jump_back(lib: SkillLibrary) -> None:
    # The wall clock went back an hour after its last beat: by wall time it beat in the future.
    _held_by_this_process(lib, heartbeat=time.time() + 3600, monotonic=time.monotonic() - 2 * _STALE)
    Lock(lib, _STALE).acquire("second")
    holder = train_lock.lock_holder(lib)
    assert holder is not None and holder["run"] == "second"


def test_a_pid_another_process_now_has_is_no_holder(lib: SkillLibrary) -> None:
    # The recorded holder had this pid, but started at another moment: it is gone, the pid reused.
    _held_by_this_process(lib, started=int(train_lock._started(os.getpid()) or 0) + 1)
    Lock(lib, _STALE).acquire("second")
    holder = train_lock.lock_holder(lib)
    assert holder is not None and holder["run"] == "second"


def test_a_live_holder_heard_from_just_now_keeps_its_lock(lib: SkillLibrary) -> None:
    _held_by_this_process(lib)
    with pytest.raises(TrainLockedError):
        Lock(lib, _STALE).acquire("second")


def test_a_holder_in_another_pid_namespace_on_this_host_is_not_judged_by_its_pid(
    lib: SkillLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two containers sharing the host's name and kernel (Kubernetes hostNetwork pods, docker
    # --uts=host) each number their processes from 1: the holder's pid is absent, or another
    # process, here. It beat just now, so it keeps its lock.
    monkeypatch.setattr(train_lock, "_pid_ns", lambda: "pid:[4026531836]")
    child = os.fork()
    if child == 0:
        os._exit(0)
    os.waitpid(child, 0)  # a pid no process of this namespace has now
    _held_by_this_process(lib, pid=child, pidns="pid:[4026532999]")
    with pytest.raises(TrainLockedError, match="holds the lock"):
        Lock(lib, _STALE).acquire("second")
    # In this namespace the same record names a process that is gone: taken over.
    _held_by_this_process(lib, pid=child, pidns="pid:[4026531836]")
    Lock(lib, _STALE).acquire("third")
    holder = train_lock.lock_holder(lib)
    assert holder is not None and holder["run"] == "third"
