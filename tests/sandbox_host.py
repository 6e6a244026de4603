"""The host an attack on the code sandbox tries to reach, and the harness that runs one attack.

Shared by test_sandbox_attacks.py and test_sandbox_kernel_attacks.py (not a test module itself).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from skillevo import ProcessSandbox, SandboxError

ROOT = Path(__file__).resolve().parents[1]
CUSTOMER = "4111-CUSTOMER-VALUE-9931"  # an argument value that must never show in error text
PEAK_LIMIT = 32 << 20  # this process may not allocate more than this while reading a call's output


@dataclass
class Host:
    """What an attack tries to reach, and how to tell whether it did."""

    secret: str
    marker: str
    canary_dir: Path
    canary_file: Path
    canary_text: str
    tcp: socket.socket
    udp: socket.socket
    unix: socket.socket
    unix_path: str
    bystander: subprocess.Popen[bytes]
    bystander_token: str
    listing: set[str] = field(default_factory=set)
    abstract: socket.socket | None = None  # a listener in the host's abstract unix namespace
    abstract_name: str = ""

    def listeners(self) -> list[socket.socket]:
        return [s for s in (self.tcp, self.unix, self.abstract) if s is not None]

    def args(self) -> dict[str, Any]:
        stdlib = os.path.dirname(os.__file__)
        return {
            "card": CUSTOMER,
            "n": 173,
            "file": str(self.canary_file),
            "dir": str(self.canary_dir),
            "tcp": self.tcp.getsockname()[1],
            "udp": self.udp.getsockname()[1],
            "unix": self.unix_path,
            "pid": self.bystander.pid,
            "host_pid": os.getpid(),
            "host_pgid": os.getpgid(0),
            "abstract": self.abstract_name,
            "marker": self.marker,
            "marker_path": f"/tmp/{self.marker}",
            "project": str(ROOT / "pyproject.toml"),
            "venv_file": str(Path(sys.modules["skillevo"].__file__ or "").resolve()),
            "stdlib": stdlib,
        }

    def marker_processes(self) -> list[int]:
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    status = (entry / "stat").read_text().rsplit(")", 1)[-1].split()
                    if status and status[0] != "Z" and self.marker.encode() in (entry / "cmdline").read_bytes():
                        found.append(int(entry.name))
        return found

    def reset(self) -> None:
        """Put the host back as it was, so one attack that got through does not fail the next one."""
        self.canary_dir.mkdir(exist_ok=True)
        self.canary_file.write_text(self.canary_text)
        for extra in {p.name for p in self.canary_dir.iterdir()} - self.listing:
            (self.canary_dir / extra).unlink()
        for made in (Path(f"/tmp/{self.marker}"), Path(os.path.dirname(os.__file__), f"{self.marker}.py")):
            made.unlink(missing_ok=True)
        for pid in self.marker_processes():
            with contextlib.suppress(OSError):
                os.kill(pid, 9)
        for listener in self.listeners():
            with contextlib.suppress(BlockingIOError):
                while True:
                    listener.accept()[0].close()
        with contextlib.suppress(BlockingIOError):
            while True:
                self.udp.recv(65536)

    def assert_held(self, text: str, *, error: bool) -> None:
        for leaked in (self.secret, self.canary_text, "root:x:0:0", "[build-system]", self.bystander_token):
            assert leaked not in text, f"leaked {leaked[:20]!r}"
        if error:
            assert CUSTOMER not in text and "173" not in text
        assert self.canary_file.read_text() == self.canary_text
        assert {p.name for p in self.canary_dir.iterdir()} == self.listing
        assert not Path(f"/tmp/{self.marker}").exists()
        assert not Path(os.path.dirname(os.__file__), f"{self.marker}.py").exists()
        for listener in self.listeners():
            with pytest.raises(BlockingIOError):
                listener.accept()
        with pytest.raises(BlockingIOError):
            self.udp.recv(65536)
        assert self.bystander.poll() is None, "the bystander process was killed"
        # The worker is reaped before run_repair returns; the kernel ends the rest of its pid namespace
        # asynchronously: wait (bounded) for that, then nothing of the call may be left.
        deadline = time.monotonic() + 10
        while self.marker_processes() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.marker_processes() == [], "a process started by the skill is still running"


def make_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Host]:
    """The body of a module-scoped ``host`` fixture."""
    secret = "canary-" + secrets.token_hex(12)
    token = "bystander-" + secrets.token_hex(8)
    directory = tmp_path_factory.mktemp("canary")
    canary = directory / "canary.txt"
    text = "canary-file-" + secrets.token_hex(12)
    canary.write_text(text)
    previous = os.environ.get("SKILLEVO_CANARY_SECRET")
    os.environ["SKILLEVO_CANARY_SECRET"] = secret
    tcp = socket.create_server(("127.0.0.1", 0))
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    unix_path = str(tmp_path_factory.mktemp("agent") / "agent.sock")
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    unix.bind(unix_path)
    unix.listen()
    abstract_name = "skillevo-agent-" + secrets.token_hex(8)
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    abstract.bind("\0" + abstract_name)
    abstract.listen()
    for s in (tcp, udp, unix, abstract):
        s.setblocking(False)
    bystander = subprocess.Popen(
        [sys.executable, "-c", "import time\nwhile True: time.sleep(1)", token],
        env={**os.environ, "SKILLEVO_CANARY_SECRET": secret},
    )
    marker = "pwned-" + secrets.token_hex(8)
    h = Host(secret, marker, directory, canary, text, tcp, udp, unix, unix_path, bystander, token)
    h.listing = {p.name for p in directory.iterdir()}
    h.abstract, h.abstract_name = abstract, abstract_name
    try:
        yield h
    finally:
        bystander.kill()
        bystander.wait()
        for s in (tcp, udp, unix, abstract):
            s.close()
        if previous is None:
            os.environ.pop("SKILLEVO_CANARY_SECRET", None)
        else:
            os.environ["SKILLEVO_CANARY_SECRET"] = previous


def make_sandbox(guard: bool, unavailable: str | None) -> Iterator[ProcessSandbox]:
    """The body of a module-scoped ``sandbox`` fixture, parametrized by the guard."""
    if unavailable:
        pytest.skip(unavailable)
    sb = ProcessSandbox(cpu_s=1, memory_mb=256, wall_s=4.0, guard=guard)
    sb.start()
    yield sb
    sb.close()


@dataclass(frozen=True)
class Attack:
    name: str
    code: str
    must_fail: bool = False  # the call must end in SandboxError (a limit, a refusal, an exception)
    then: str | None = None  # a second call, which must see nothing the first one left
    check: Callable[[Any], None] | None = None  # an extra check on the result


def all_refused(result: Any) -> None:
    assert isinstance(result, dict) and result and all(v == -1 for v in result.values()), result


def nothing_connected(result: Any) -> None:
    assert "connected" not in json.dumps(result)


def saw_nothing(result: Any) -> None:
    assert result in (None, {}, {"seen": []}), result


def only_denied(result: Any) -> None:
    assert isinstance(result, dict) and result and set(result.values()) == {"denied"}, result


def call(sandbox: ProcessSandbox, code: str, args: dict[str, Any]) -> tuple[Any, str, bool]:
    tracemalloc.start()
    try:
        result: Any = sandbox.run_repair(code, "tool", args, "error")
        return result, json.dumps(result), False
    except SandboxError as exc:
        return None, str(exc), True
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < PEAK_LIMIT, f"the parent allocated {peak} bytes for one call"


def check_attack(attack: Attack, sandbox: ProcessSandbox, host: Host) -> None:
    """Run the attack (and its follow-up call), then check the host and that an honest call still works."""
    host.reset()
    result, text, error = call(sandbox, attack.code, host.args())
    if attack.must_fail:
        assert error, f"expected SandboxError, got {text[:200]}"
    host.assert_held(text, error=error)
    if attack.then is not None:
        result, text, error = call(sandbox, attack.then, host.args())
        host.assert_held(text, error=error)
    if attack.check is not None and not error:
        attack.check(result)
    # The sandbox still works for the next, honest call.
    assert sandbox.run_repair("def repair(tool, args, error):\n    return {'ok': 1}\n", "t", {}, "e") == {"ok": 1}
