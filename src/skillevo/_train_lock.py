"""The `skillevo train` lock: one run at a time per library.

A lock row in the library's meta table (holder pid, host, heartbeat), taken with a compare-and-set
inside a transaction; a holder that died on this host, or that has not been heard from for
``lock_stale_after_s``, is taken over.

On the holder's own host (same host name and boot id) neither is judged by the wall clock, which an
operator or NTP may step by hours: the holder is the process with its pid *and* its start time (a
pid reused by another process is no holder), and its silence is measured on the system-wide
monotonic clock it wrote with each beat. The wall-clock heartbeat only judges a holder on another
host.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ._errors import SkillevoError
from ._models import new_id
from ._store import SkillStore

__all__ = ["LOCK_KEY", "TrainLockedError", "describe_holder", "lock_holder"]

LOCK_KEY = "train.lock"
_GUARD_KEY = "train.lock.guard"


class TrainLockedError(SkillevoError):
    """Another ``skillevo train`` run holds the library's lock (the CLI exits with status 3)."""



def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _boot_id() -> str | None:
    """This boot of this machine's kernel (Linux), or None."""
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as fh:
            return fh.read().strip() or None
    except OSError:
        return None


def _pid_ns() -> str | None:
    """This process's pid namespace (Linux), or None: containers that share a host name and kernel
    (Kubernetes hostNetwork pods, docker ``--uts=host``) each number their processes from 1."""
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return None


def _started(pid: int) -> int | None:
    """When process `pid` started, in clock ticks since boot (Linux), or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
    except OSError:
        return None
    fields = stat.rpartition(b")")[2].split()  # the command name, in parentheses, may hold spaces
    try:
        return int(fields[19])  # field 22 of proc(5); the first two are before the parenthesis
    except (IndexError, ValueError):
        return None


def _holder(raw: str | None) -> dict[str, Any] | None:
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) and value.get("token") else None


def _stale(holder: dict[str, Any], stale_after_s: float, now: float) -> bool:
    same_host = holder.get("host") == socket.gethostname()
    pid = holder.get("pid")
    # A pid names a process only in the namespace that numbered it (a record that says none was
    # written before namespaces were recorded, or where they are not known).
    ns, here = holder.get("pidns"), _pid_ns()
    if same_host and isinstance(pid, int) and (ns is None or here is None or ns == here):
        if not _pid_alive(pid):
            return True
        boot = _boot_id()
        if boot is not None and holder.get("boot") == boot:
            # This boot of this machine: the pid names the holder only if it started when the
            # holder did, and its silence is read on the monotonic clock, which no one steps.
            started = _started(pid)
            if started is not None and holder.get("started") not in (None, started):
                return True
            mono = holder.get("monotonic")
            if isinstance(mono, int | float):
                return time.monotonic() - float(mono) > stale_after_s
    beat = holder.get("heartbeat")
    return not isinstance(beat, int | float) or now - float(beat) > stale_after_s


def describe_holder(holder: dict[str, Any]) -> str:
    """``pid N on host H since T``."""
    import datetime as dt

    since = holder.get("since")
    when = (
        dt.datetime.fromtimestamp(float(since), tz=dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        if isinstance(since, int | float)
        else "?"
    )
    return f"pid {holder.get('pid')} on host {holder.get('host')} since {when} (run {holder.get('run', '?')})"


class Lock:
    """The advisory lock: a meta row written by compare-and-set inside one transaction."""

    def __init__(self, store: SkillStore, stale_after_s: float) -> None:
        self.store = store
        self.stale_after_s = stale_after_s
        self.token = new_id()
        self.run = ""

    @contextmanager
    def _cas(self) -> Iterator[dict[str, Any] | None]:
        with self.store.transaction():
            # Writing the guard row first serialises concurrent acquirers: on SQLite the write
            # transaction already does; on PostgreSQL the row lock is held until commit, so the
            # read below sees any lock committed by a run that got here first.
            self.store.set_meta(_GUARD_KEY, self.token)
            yield _holder(self.store.get_meta(LOCK_KEY))

    def acquire(self, run: str) -> None:
        now = time.time()
        with self._cas() as holder:
            if holder is not None and holder.get("token") != self.token and not _stale(holder, self.stale_after_s, now):
                raise TrainLockedError(f"another skillevo train run holds the lock: {describe_holder(holder)}")
            self.run = run
            self._write(now, now)

    def _write(self, since: float, beat: float) -> None:
        self.store.set_meta(
            LOCK_KEY,
            json.dumps(
                {
                    "token": self.token,
                    "pid": os.getpid(),
                    "host": socket.gethostname(),
                    "since": since,
                    "heartbeat": beat,
                    "run": self.run,
                    "boot": _boot_id(),
                    "started": _started(os.getpid()),
                    "pidns": _pid_ns(),
                    "monotonic": time.monotonic(),
                }
            ),
        )

    def heartbeat(self) -> None:
        with self._cas() as holder:
            if holder is None or holder.get("token") != self.token:
                who = describe_holder(holder) if holder else "nobody"
                raise TrainLockedError(f"this run lost the train lock (now held by {who}); stopping")
            self._write(float(holder.get("since", time.time())), time.time())

    def release(self) -> None:
        with self._cas() as holder:
            if holder is not None and holder.get("token") == self.token:
                # The store API deletes nothing: an empty value means "free".
                self.store.set_meta(LOCK_KEY, "")


def lock_holder(store: SkillStore) -> dict[str, Any] | None:
    """The current lock holder's record (pid, host, since, heartbeat, run), or None when free."""
    return _holder(store.get_meta(LOCK_KEY))


class Heartbeat:
    """Beats `lock` from a thread while a long call runs (the lock is taken over once stale)."""

    def __init__(self, lock: Lock | None) -> None:
        self.lock = lock
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None

    def _beat(self) -> None:
        assert self.lock is not None
        interval = min(60.0, self.lock.stale_after_s / 10.0)
        while not self.stop.wait(interval):
            try:
                self.lock.heartbeat()
            except BaseException as exc:  # reported by __exit__, in the run's own thread
                self.error = exc
                return

    def __enter__(self) -> Heartbeat:
        if self.lock is not None:
            self.thread = threading.Thread(target=self._beat, name="skillevo-train-heartbeat", daemon=True)
            self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join()
        if self.error is not None and exc[0] is None:
            raise self.error
