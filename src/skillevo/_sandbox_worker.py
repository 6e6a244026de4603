"""One jailed worker process: started ahead, given exactly one job, read with caps, then gone.

The worker is ``bwrap`` (its own process group) with the runner inside; killing that group kills
``bwrap``, whose death takes the jail's pid namespace with it (``--die-with-parent`` on the jail's init,
and the kernel ends every process of a pid namespace when its init dies), so no grandchild outlives a
call. Output is read through non-blocking pipes with a byte cap and a deadline: an overflow or a late
answer kills the worker rather than growing the parent's memory or blocking the agent.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import time
from dataclasses import dataclass

from ._sandbox_jail import Jail, runner_argv

READY = b"+"  # written by the runner once booted (see _sandbox_runner.READY)
BOOT_TIMEOUT_S = 30.0

__all__ = ["Outcome", "Worker"]


@dataclass(frozen=True)
class Outcome:
    """What a worker gave back: its reply bytes, and why it was stopped, if it was."""

    reply: bytes
    stopped: str | None  # "boot" | "wall" | "output" | None
    why: str = ""  # for "boot": bwrap's own reason, when it exited saying one


class Worker:
    """A jailed interpreter that has booted (or is booting) and waits on stdin for its one job."""

    def __init__(self, jail: Jail, config: str, *, allow_processes: bool = False) -> None:
        self.config = config
        self.started = time.monotonic()
        self.booted = False  # the runner's READY byte (the first byte of its stdout) has been read
        self._first = True  # the next stdout byte is the first one
        bpf = jail.seccomp_bpf_with_processes if allow_processes else jail.seccomp_bpf
        read_fd, write_fd = os.pipe()
        try:
            os.write(write_fd, bpf)  # a few hundred bytes: fits in the pipe buffer
        finally:
            os.close(write_fd)
        try:
            self.proc = subprocess.Popen(
                runner_argv(jail, read_fd, config),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(read_fd,),
                start_new_session=True,  # its own process group, killed whole
                cwd="/",
                env={},
            )
        finally:
            os.close(read_fd)

    def wait_booted(self, timeout_s: float) -> bool:
        """Block until the runner has booted (its READY byte); False if it died or took longer."""
        stdout = self.proc.stdout
        if self.booted or stdout is None:
            return self.booted
        with selectors.DefaultSelector() as sel:
            sel.register(stdout, selectors.EVENT_READ)
            if self._first and sel.select(timeout_s):
                self._first = False
                self.booted = os.read(stdout.fileno(), 1) == READY
        return self.booted

    def booting(self) -> bool:
        """Still booting: nothing read from it yet (no READY, no end), within `BOOT_TIMEOUT_S` of its start."""
        return self._first and not self.booted and time.monotonic() - self.started < BOOT_TIMEOUT_S

    def alive(self) -> bool:
        """Whether the process is still waiting (a spare that died while idle is not used)."""
        return self.proc.poll() is None

    def stop(self) -> None:
        """Kill the whole process group (and with it the jail's pid namespace); `reap` collects it."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                try:
                    pipe.close()
                except OSError:
                    pass

    def reap(self) -> None:
        """Wait for the killed process (off the caller's path: done in the background after a call)."""
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL cannot be ignored
            pass

    def kill(self) -> None:
        """`stop` and `reap`."""
        self.stop()
        self.reap()

    def _exit_reason(self) -> str:
        """The first words ``bwrap`` wrote on stderr if it has exited before booting (no job was sent,
        so no skill wrote them), on one line; empty otherwise."""
        stderr = self.proc.stderr
        try:
            self.proc.wait(timeout=0.5)  # its stdout ended: it is exiting (a hung one stays hung)
        except subprocess.TimeoutExpired:
            return ""
        if stderr is None:
            return ""
        try:
            os.set_blocking(stderr.fileno(), False)
            head = os.read(stderr.fileno(), 512)
        except OSError:
            return ""
        return " ".join(head.decode("utf-8", "replace").split())[:200]

    def run(self, job: bytes, wall_s: float, max_output: int) -> Outcome:
        """Send the job, collect at most ``max_output`` bytes of stdout and stderr before ``wall_s``.

        The wall clock starts once the worker has booted (a cold start on a loaded host is not the
        skill's time); a worker that has not booted `BOOT_TIMEOUT_S` after it was started is stopped
        as "boot".
        """
        proc = self.proc
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        if not self.wait_booted(max(0.0, self.started + BOOT_TIMEOUT_S - time.monotonic())):
            why = self._exit_reason()
            self.stop()
            return Outcome(b"", "boot", why)
        deadline = time.monotonic() + wall_s
        reply = bytearray()
        seen = 0
        pending = memoryview(job)
        sel = selectors.DefaultSelector()
        try:
            for pipe in (proc.stdin, proc.stdout, proc.stderr):
                os.set_blocking(pipe.fileno(), False)
            sel.register(proc.stdout, selectors.EVENT_READ)
            sel.register(proc.stderr, selectors.EVENT_READ)
            if pending:
                sel.register(proc.stdin, selectors.EVENT_WRITE)
            else:
                proc.stdin.close()
            open_reads = 2
            while open_reads:
                left = deadline - time.monotonic()
                if left <= 0:
                    return Outcome(bytes(reply), "wall")
                for key, _ in sel.select(left):
                    if key.fileobj is proc.stdin:
                        try:
                            pending = pending[os.write(proc.stdin.fileno(), pending[:65536]) :]
                        except BrokenPipeError:
                            pending = pending[:0]
                        if not pending:
                            sel.unregister(proc.stdin)
                            proc.stdin.close()
                        continue
                    fd = key.fd
                    chunk = os.read(fd, 65536)
                    if not chunk:
                        sel.unregister(key.fileobj)
                        open_reads -= 1
                        continue
                    seen += len(chunk)
                    if seen > max_output:
                        return Outcome(b"", "output")
                    if key.fileobj is proc.stdout:
                        reply += chunk
                        framed = _frame(reply)
                        if framed is not None:
                            return Outcome(framed, None)
            return Outcome(b"", None)  # ended without a whole reply
        finally:
            sel.close()
            self.stop()


def _frame(buf: bytearray) -> bytes | None:
    """The reply once ``<length>\\n<bytes>`` is complete; what is there if the header is not a length."""
    newline = buf.find(b"\n", 0, 24)
    if newline < 0:
        return bytes(buf) if len(buf) >= 24 else None
    header = bytes(buf[:newline])
    if not header.isdigit():
        return bytes(buf)
    size = int(header)
    if len(buf) - newline - 1 < size:
        return None
    return bytes(buf[newline + 1 : newline + 1 + size])
