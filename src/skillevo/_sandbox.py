"""Running code skills: only behind an operating-system isolation boundary, never in the agent's process.

A code skill is Python source defining ``repair(tool, args, error) -> dict | None``. It is untrusted
(a miner, a model or an imported file wrote it from tool output), so `ProcessSandbox` runs each call in
a fresh interpreter inside a bubblewrap jail (`skillevo._sandbox_jail`: own user/pid/network/ipc/uts
namespaces, uid 65534, no capabilities, a read-only file system holding only the interpreter, a seccomp
filter, resource limits) and exchanges only JSON with it over pipes, with a wall-clock limit and an output
cap (`skillevo._sandbox_worker`). RestrictedPython compiles the code first as a filter; the jail holds
without it. A pre-started spare worker makes a call cost little more than the pipe round trip. Error text
never carries the skill's exception message nor argument values. See docs/security.md.
"""

from __future__ import annotations

import builtins
import json
import math
import os
import threading
import time
import weakref
from abc import ABC, abstractmethod
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ._errors import ConfigError, SandboxError, SandboxNotRun
from ._sandbox_jail import Jail, broken, jail
from ._sandbox_result import checked_result, not_strict_json, parse_reply
from ._sandbox_worker import Outcome, Worker

__all__ = ["ALLOWED_IMPORTS", "ProcessSandbox", "Sandbox"]

ALLOWED_IMPORTS = (
    "json",
    "re",
    "math",
    "datetime",
    "string",
    "decimal",
    "fractions",
    "statistics",
    "itertools",
    "functools",
    "collections",
    "unicodedata",
    "calendar",
)

_BUILTIN_EXCEPTIONS = frozenset(
    name for name, value in vars(builtins).items() if isinstance(value, type) and issubclass(value, BaseException)
)
_STOPPED = {
    "cpu": "code skill stopped: CPU-time limit exceeded",
    "memory": "code skill stopped: memory limit exceeded",
    "recursion": "code skill stopped: recursion limit exceeded",
    "not_json": "code skill failed: repair() returned something that is not JSON",
    "no_repair": "code skill failed: a code skill must define repair(tool, args, error)",
}


class Sandbox(ABC):
    """Runs untrusted code skills."""

    @abstractmethod
    def run_repair(self, code: str, tool: str, args: dict[str, Any], error: str) -> dict[str, Any] | None:
        """Call the skill's ``repair(tool, args, error)``; returns new args or None. Raises `SandboxError`."""


#: A job (the call, JSON) may take up to this share of a worker's memory limit, 1/4: parsing holds
#: the text and what it decodes to beside the interpreter (in 256 MiB a 64 MiB call was parsed, 200 MiB not).
_JOB_SHARE = 4

# Spares are started, and used workers reaped, on one long-lived thread: bwrap's --die-with-parent is
# the kernel's parent-death signal, which fires when the *thread* that started bwrap ends, so a spare
# started on a short-lived thread would be killed as that thread returned.
_BACKGROUND = ThreadPoolExecutor(max_workers=1, thread_name_prefix="skillevo-sandbox")
_SLOTS: weakref.WeakSet[_Slot] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    """A forked agent process starts its own background thread and never shares the parent's spares."""
    global _BACKGROUND
    _BACKGROUND = ThreadPoolExecutor(max_workers=1, thread_name_prefix="skillevo-sandbox")
    for slot in list(_SLOTS):
        slot.lock = threading.Lock()
        slot.spare, slot.refilling = None, False  # the parent's processes: not ours to use or kill


class _Slot:
    """The spare worker and its bookkeeping, apart from the sandbox so a finalizer can close it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.spare: Worker | None = None
        self.refilling = False
        self.closed = False

    def take(self) -> Worker | None:
        with self.lock:
            worker, self.spare = self.spare, None
        return worker

    def close(self) -> None:
        with self.lock:
            self.closed = True
            worker, self.spare = self.spare, None
        if worker is not None:
            worker.kill()


def _after_call(used: Worker, slot: _Slot, j: Jail, config: str, allow_processes: bool, warm: bool) -> None:
    """Off the caller's path: start the next spare first, then reap the worker that served the call."""
    try:
        if warm:
            _fill(slot, j, config, allow_processes)
    finally:
        used.reap()


def _fill(slot: _Slot, j: Jail, config: str, allow_processes: bool) -> None:
    try:
        worker: Worker | None = Worker(j, config, allow_processes=allow_processes)
    except Exception:  # the next call starts one itself and reports what fails
        worker = None
    with slot.lock:
        slot.refilling = False
        if worker is not None and not slot.closed and slot.spare is None:
            slot.spare, worker = worker, None
    if worker is not None:
        worker.kill()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _number(name: str, value: object) -> float:
    """`value` as a finite number > 0, or `ConfigError`: a limit of NaN, infinity, 0 or below cannot
    hold (the kernel reads a negative RLIMIT_AS as none, the selector refuses NaN)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
        raise ConfigError(f"ProcessSandbox {name}: expected a finite number > 0 (got {str(value)[:40]!r})")
    return float(value)


class ProcessSandbox(Sandbox):
    """Each call in a fresh interpreter inside a bubblewrap jail; a spare worker is kept started ahead.

    Needs Linux with ``bwrap`` (Debian/Ubuntu: ``apt-get install bubblewrap``) and libseccomp; without
    them (or once the jail stops starting) every call raises `SandboxUnavailable` naming the fix or
    bwrap's reason, at once (see `skillevo._sandbox_jail.jail`): code never runs unisolated.

    Args:
        cpu_s: CPU-time limit of one call (RLIMIT_CPU).
        memory_mb: address-space limit of one call (RLIMIT_AS).
        wall_s: wall-clock limit of one call; the worker and everything it started are killed after it.
        imports: modules code skills may import (enforced by the guard).
        guard: compile with RestrictedPython first (a filter in front of the jail; the jail holds without it).
        max_output_bytes: cap on what one call may write (reply, stdout and stderr together); more kills it.
        warm: keep a spare worker booted and waiting, so a call costs only its work and the pipe round trip.
        max_workers: calls of this sandbox that may run at once (each is a process tree with three pipes);
            more wait for a free one (at most the time a call may take), so many agent threads cannot
            exhaust the host's processes, memory or the agent's file descriptors.
        boot_wait_s: the longest a call waits for the engine (the jail's build, a worker's boot) before
            it goes on without the code skill (`SandboxNotRun`, "still starting"); the build or boot
            goes on in the background, so a launcher that hangs never holds the agent's call longer.

    Raises:
        ConfigError: a limit that is not a finite number > 0, or imports that are not module names.
    """

    def __init__(
        self,
        *,
        cpu_s: int = 2,
        memory_mb: int = 256,
        wall_s: float = 5.0,
        imports: tuple[str, ...] = ALLOWED_IMPORTS,
        guard: bool = True,
        max_output_bytes: int = 1 << 20,
        warm: bool = True,
        max_workers: int = 8,
        boot_wait_s: float = 5.0,
    ) -> None:
        self.cpu_s = max(1, int(_number("cpu_s", cpu_s)))
        self.memory_mb = int(_number("memory_mb", memory_mb))
        self.wall_s = _number("wall_s", wall_s)
        try:  # read once: an iterator checked and then stored would be stored empty
            given: tuple[object, ...] | None = None if isinstance(imports, str) else tuple(imports)
        except TypeError:
            given = None
        names = tuple(
            m for m in given or () if isinstance(m, str) and all(part.isidentifier() for part in m.split("."))
        )
        if given is None or len(names) != len(given):
            raise ConfigError("ProcessSandbox imports: expected a sequence of module names, like ('json', 're')")
        self.imports = names
        self.guard = bool(guard)
        self.max_output_bytes = int(_number("max_output_bytes", max_output_bytes))
        self.warm = bool(warm)
        self.max_workers = max(1, int(_number("max_workers", max_workers)))
        self.boot_wait_s = _number("boot_wait_s", boot_wait_s)
        self._running = threading.BoundedSemaphore(self.max_workers)
        # No new processes (seccomp and RLIMIT_NPROC); tests lift this to check the pid-namespace kill alone.
        self._allow_processes = False
        self._slot = _Slot()
        _SLOTS.add(self._slot)
        weakref.finalize(self, self._slot.close)

    def _config(self) -> str:
        return json.dumps(
            {
                "imports": list(self.imports),
                "guard": self.guard,
                "cpu": self.cpu_s,
                "mem": self.memory_mb * 1024 * 1024,
                "nofile": 16,
                "nproc": 64 if self._allow_processes else 0,
            }
        )

    def start(self) -> None:
        """Boot a spare worker now (in the background), so that even the first call is warm.

        Raises:
            SandboxUnavailable: the jail cannot be built here (no bubblewrap, ...).
        """
        self._refill(jail())

    def wait_ready(self, timeout_s: float = 30.0) -> bool:
        """Block until a spare worker has booted (starting one if none is coming); False on timeout.

        Raises:
            SandboxUnavailable: the jail cannot be built here (no bubblewrap, ...).
        """
        deadline = time.monotonic() + timeout_s
        self.start()
        while time.monotonic() < deadline:
            with self._slot.lock:
                spare = self._slot.spare
            if spare is not None:
                return spare.wait_booted(max(0.0, deadline - time.monotonic()))
            time.sleep(0.005)
        return False

    def close(self) -> None:
        """Kill the spare worker; later calls start cold and keep no spare."""
        self._slot.close()

    def __enter__(self) -> ProcessSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _claim_refill(self) -> bool:
        slot = self._slot
        with slot.lock:
            if slot.closed or slot.spare is not None or slot.refilling:
                return False
            slot.refilling = True
            return True

    def _refill(self, j: Jail) -> None:
        if self._claim_refill():
            try:
                _BACKGROUND.submit(_fill, self._slot, j, self._config(), self._allow_processes)
            except RuntimeError:  # the interpreter is shutting down: no spare, calls start cold
                with self._slot.lock:
                    self._slot.refilling = False

    def run_repair(self, code: str, tool: str, args: dict[str, Any], error: str) -> dict[str, Any] | None:
        """Run the skill in the jail; new arguments, None (no repair), or `SandboxError`.

        The error's text names the limit hit, or the exception's built-in type and line, never its
        message or an argument value.
        """
        # Strict JSON only: what the skill gets is what the call holds (no NaN, no key turned into text).
        problem = not_strict_json(args) or not_strict_json([code, tool, error])
        if problem is not None:
            raise SandboxNotRun(f"code skill not run: the arguments are {problem}")
        job = json.dumps({"code": code, "tool": tool, "args": args, "error": error}, allow_nan=False).encode()
        # The worker parses the job inside its own memory limit (the text, then the objects it holds):
        # a larger call would stop the skill at that limit before it ran, and be counted against it.
        if len(job) > self.memory_mb * 1024 * 1024 // _JOB_SHARE:
            raise SandboxNotRun(
                f"code skill not run: the call is {len(job) >> 20} MiB, more than a sandbox of "
                f"{self.memory_mb} MiB can take in"
            )
        j = jail(self.boot_wait_s)
        # A running call holds its slot for at most the boot wait and its wall clock.
        if not self._running.acquire(timeout=self.boot_wait_s + self.wall_s):
            raise SandboxNotRun(f"code skill not run: {self.max_workers} calls of this sandbox are still running")
        try:
            outcome = self._run(j, job)
        finally:
            self._running.release()
        return self._decode(outcome, code.count("\n") + code.count("\r") + 1)

    def _run(self, j: Jail, job: bytes) -> Outcome:
        worker = self._slot.take()
        if worker is not None and (worker.config != self._config() or not worker.alive()):
            worker.kill()
            worker = None
        if worker is None:
            try:
                worker = Worker(j, self._config(), allow_processes=self._allow_processes)
            except OSError as exc:  # bwrap gone or not executable since the jail was built
                raise broken(f"code skills cannot run: the jail could not start ({exc.strerror})") from None
        # Waited for at most `boot_wait_s` after the worker started, by all calls together: a spare
        # still booting from an earlier call costs this one only what is left of that.
        waited = max(0.0, worker.started + self.boot_wait_s - time.monotonic())
        if not worker.wait_booted(waited) and worker.booting():
            # Still booting (a launcher that hangs, a host under load): this call goes on without the
            # skill; the worker boots on as the next call's spare, or is stopped once overdue.
            self._park(worker)
            raise SandboxNotRun(
                f"code skill not run: the sandbox is still starting (no worker booted within {self.boot_wait_s:g} s); "
                "code skills run once one has"
            )
        try:
            return worker.run(job, self.wall_s, self.max_output_bytes)
        except OSError as exc:  # out of descriptors for the selector, ...: the worker is stopped either way
            worker.stop()
            raise SandboxError(f"code skill stopped: its output could not be read ({exc.strerror})") from None
        finally:
            refill = self.warm and self._claim_refill()
            try:
                _BACKGROUND.submit(_after_call, worker, self._slot, j, self._config(), self._allow_processes, refill)
            except RuntimeError:  # the interpreter is shutting down (atexit): reap here, start no spare
                with self._slot.lock:
                    self._slot.refilling = False
                worker.kill()

    def _park(self, worker: Worker) -> None:
        slot = self._slot
        with slot.lock:
            if not slot.closed and slot.spare is None:
                slot.spare, worker = worker, None  # type: ignore[assignment]
        if worker is not None:
            worker.stop()
            try:
                _BACKGROUND.submit(worker.reap)
            except RuntimeError:  # the interpreter is shutting down
                pass

    def _decode(self, outcome: Outcome, lines: int) -> dict[str, Any] | None:
        if outcome.stopped == "boot":  # before the job was sent: the engine's failure, not the skill's
            why = f": {outcome.why}" if outcome.why else " (no worker booted)"
            raise broken(f"code skills cannot run: the jail stopped starting{why}")
        if outcome.stopped == "wall":
            raise SandboxError(f"code skill stopped: wall-clock limit of {self.wall_s:g} s exceeded")
        if outcome.stopped == "output":
            raise SandboxError(f"code skill stopped: it wrote more than {self.max_output_bytes} bytes")
        if not outcome.reply:
            raise SandboxError("code skill stopped: it ended without a reply (killed at a limit, or it exited)")
        out = parse_reply(outcome.reply)
        if not isinstance(out, dict):
            raise SandboxError("code skill stopped: unreadable reply")
        if out.get("ok") is True:
            result = out.get("result")
            if result is None:
                return None
            if isinstance(result, dict):
                return checked_result(result)
            raise SandboxError(f"repair() must return a dict of arguments or None, not {type(result).__name__}")
        kind = out.get("kind")
        if isinstance(kind, str) and kind in _STOPPED:
            raise SandboxError(_STOPPED[kind])
        # Only names and numbers we recognise leave the jail: the reply itself may be forged by the skill.
        name = out.get("type")
        exc_type = name if isinstance(name, str) and name in _BUILTIN_EXCEPTIONS else None
        line = out.get("line")
        # A line the skill's source does not have was forged (code compiled under the skill's file
        # name, a reply written by hand): a number the skill chooses would carry argument values out.
        at = f" at line {line}" if isinstance(line, int) and not isinstance(line, bool) and 0 < line <= lines else ""
        if kind == "refused":
            raise SandboxError(f"code skill refused: it does not compile, or the guard rejected it{at}")
        if kind == "exception":
            raise SandboxError(f"code skill failed: {exc_type or 'an exception of its own class'} raised{at}")
        raise SandboxError("code skill stopped: unreadable reply")
