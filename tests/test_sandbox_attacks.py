"""Attacks on the code sandbox, each asserting that it held: run with the RestrictedPython guard on and off.

With the guard off the attack code gets the real ``import os``, ``open``, ``ctypes``...: only the jail
(namespaces, uid 65534, read-only file system, seccomp, rlimits, the wall-clock kill, capped output)
stands between it and this test process. Every attack is checked against the same host state: a
canary secret in the environment of this process and of a bystander process, a canary file, TCP, UDP
and unix listeners, the bystander's life, files that must not appear, processes that must not remain,
and this process's memory. docs/security.md lists them.
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


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Host]:
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


@pytest.fixture(scope="module", params=[True, False], ids=["guard-on", "guard-off"])
def sandbox(request: pytest.FixtureRequest, host: Host, sandbox_unavailable: str | None) -> Iterator[ProcessSandbox]:
    if sandbox_unavailable:
        pytest.skip(sandbox_unavailable)
    sb = ProcessSandbox(cpu_s=1, memory_mb=256, wall_s=4.0, guard=request.param)
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


def _all_refused(result: Any) -> None:
    assert isinstance(result, dict) and result and all(v == -1 for v in result.values()), result


def _nothing_connected(result: Any) -> None:
    assert "connected" not in json.dumps(result)


def _saw_nothing(result: Any) -> None:
    assert result in (None, {}, {"seen": []}), result


def _only_denied(result: Any) -> None:
    assert isinstance(result, dict) and result and set(result.values()) == {"denied"}, result


ATTACKS = [
    Attack("escape via json.codecs.sys -> os -> read /etc/passwd", """
import json
def repair(tool, args, error):
    os = json.codecs.sys.modules['os']
    fd = os.open('/etc/passwd', os.O_RDONLY)
    return {'x': os.read(fd, 1 << 20).decode()}
"""),
    Attack("escape via statistics.sys -> os -> read the parent's /proc/<ppid>/environ", """
import statistics
def repair(tool, args, error):
    os = statistics.sys.modules['os']
    out = {'env': dict(os.environ)}
    for pid in ['self', str(os.getppid()), '1', str(args['pid']), str(args['host_pid'])]:
        try:
            fd = os.open('/proc/' + pid + '/environ', os.O_RDONLY)
            out[pid] = os.read(fd, 1 << 20).decode('latin-1')
        except OSError:
            out[pid] = 'denied'
    return out
"""),
    Attack("escape via re.enum.sys -> os -> truncate and delete a file outside", """
import re
def repair(tool, args, error):
    os = re.enum.sys.modules['os']
    done = []
    for step in ('truncate', 'remove'):
        try:
            if step == 'truncate':
                os.truncate(args['file'], 0)
            else:
                os.remove(args['file'])
            done.append(step)
        except OSError:
            pass
    return {'done': done}
"""),
    Attack("escape via datetime.sys -> os -> kill the parent and a bystander", """
import datetime
def repair(tool, args, error):
    os = datetime.sys.modules['os']
    for pid in (args['pid'], args['host_pid'], os.getppid(), 1):
        try:
            os.kill(pid, 9)
        except OSError:
            pass
    return {}
"""),
    Attack("escape via json.codecs.builtins -> open", """
import json
def repair(tool, args, error):
    b = json.codecs.builtins
    return {'x': b.open('/etc/passwd').read(), 'y': b.open(args['project']).read()}
"""),
    Attack("escape via ().__class__.__subclasses__() -> os", """
def repair(tool, args, error):
    for cls in ().__class__.__bases__[0].__subclasses__():
        if cls.__name__ == '_wrap_close':
            g = cls.__init__.__globals__
            return {'x': g['popen']('cat /etc/passwd').read(), 'y': g['listdir']('/')}
    return {}
"""),
    Attack("read /etc/passwd", "def repair(tool, args, error):\n    return {'x': open('/etc/passwd').read()}\n"),
    Attack("read /etc/shadow, the project, the venv, /root, via /proc/<pid>/root", """
def repair(tool, args, error):
    out = {}
    paths = ['/etc/shadow', '/root/.bash_history', '/root/.ssh/id_rsa', args['project'], args['venv_file'],
             '/proc/1/root/etc/passwd', '/proc/' + str(args['pid']) + '/root/etc/passwd']
    for path in paths:
        try:
            with open(path) as fh:
                out[path] = fh.read()
        except Exception:
            out[path] = 'denied'
    return out
"""),
    Attack("read every other process's /proc cmdline and environ", """
import os
def repair(tool, args, error):
    out = {'pids': os.listdir('/proc')}
    for pid in out['pids']:
        if pid.isdigit():
            for name in ('cmdline', 'environ'):
                try:
                    with open('/proc/' + pid + '/' + name, 'rb') as fh:
                        out[pid + name] = fh.read().decode('latin-1')
                except OSError:
                    pass
    return out
"""),
    Attack("write files outside (host dir, stdlib, /tmp)", """
def repair(tool, args, error):
    made = []
    for path in [args['dir'] + '/pwned.txt', args['stdlib'] + '/' + args['marker'] + '.py', args['marker_path']]:
        try:
            with open(path, 'w') as fh:
                fh.write('pwned')
            made.append(path)
        except OSError:
            pass
    try:
        with open(args['file'], 'a') as fh:
            fh.write('pwned')
    except OSError:
        pass
    return {'made': made}
"""),
    Attack("delete, rename and rmtree outside", """
import os, shutil
def repair(tool, args, error):
    steps = [lambda: os.rename(args['file'], args['file'] + '.moved'), lambda: os.remove(args['file']),
             lambda: shutil.rmtree(args['dir'])]
    for step in steps:
        try:
            step()
        except OSError:
            pass
    return {}
"""),
    Attack("truncate a file outside (open 'w', O_TRUNC)", """
import os
def repair(tool, args, error):
    try:
        open(args['file'], 'w').close()
    except OSError:
        pass
    try:
        os.close(os.open(args['file'], os.O_WRONLY | os.O_TRUNC))
    except OSError:
        pass
    return {}
"""),
    Attack("TCP to listening 127.0.0.1 ports (ours, PostgreSQL's 5432)", """
import socket
def repair(tool, args, error):
    out = {}
    for port in (args['tcp'], 5432):
        try:
            s = socket.create_connection(('127.0.0.1', port), timeout=1)
            s.sendall(b'pwned')
            out[str(port)] = 'connected'
        except OSError:
            out[str(port)] = 'refused'
    return out
""", check=_nothing_connected),
    Attack("UDP datagram to a listening port", """
import socket
def repair(tool, args, error):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b'pwned', ('127.0.0.1', args['udp']))
    return {'sent': True}
"""),
    Attack("unix socket to a listening path outside", """
import socket
def repair(tool, args, error):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(args['unix'])
    s.sendall(b'pwned')
    return {'connected': True}
""", check=_nothing_connected),
    Attack("os.system and os.popen", """
import os
def repair(tool, args, error):
    rc = os.system('touch ' + args['marker_path'] + '; cat /etc/passwd')
    return {'rc': rc, 'out': os.popen('cat /etc/passwd').read()}
"""),
    Attack("subprocess (a shell, a new interpreter)", """
import subprocess, sys
def repair(tool, args, error):
    out = {}
    for argv in (['/bin/sh', '-c', 'touch ' + args['marker_path']],
                 [sys.executable, '-c', 'open(%r, "w")' % args['marker_path'], args['marker']]):
        try:
            out[argv[0]] = subprocess.run(argv, capture_output=True, timeout=2).returncode
        except Exception as exc:
            out[argv[0]] = type(exc).__name__
    return out
"""),
    Attack("fork flood (each child execs a long-lived process)", """
import os, sys
def repair(tool, args, error):
    n = 0
    for _ in range(200):
        if os.fork() == 0:
            os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(60)', args['marker']])
        n += 1
    return {'forked': n}
"""),
    Attack("grandchild left running past the wall-clock kill", """
import os, sys
def repair(tool, args, error):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(60)', args['marker']])
        os._exit(0)
    while True:
        pass
""", must_fail=True),
    Attack("threads to outlive the call", """
import threading, time
def repair(tool, args, error):
    threading.Thread(target=time.sleep, args=(60,)).start()
    return {}
"""),
    Attack("ctypes: raw syscalls (socket, ptrace, unshare, mount, setuid)", """
import ctypes
def repair(tool, args, error):
    libc = ctypes.CDLL(None)
    return {'socket': libc.socket(2, 1, 0), 'ptrace': libc.ptrace(16, args['pid'], 0, 0),
            'unshare': libc.unshare(0x10000000), 'mount': libc.mount(b'none', b'/tmp', b'tmpfs', 0, None),
            'setuid': libc.setuid(0), 'keyctl': libc.syscall(250, 0, 0, 0, 0)}
""", check=_all_refused),
    Attack("256 MB to stdout and stderr", """
import os
def repair(tool, args, error):
    chunk = b'x' * (1 << 20)
    for _ in range(256):
        os.write(1, chunk)
        os.write(2, chunk)
    return {}
""", must_fail=True),
    Attack("10 GB allocation", "def repair(tool, args, error):\n    x = 'x' * (10 * 1024 ** 3)\n    return {}\n",
           must_fail=True),
    Attack("infinite loop", "def repair(tool, args, error):\n    while True:\n        pass\n", must_fail=True),
    Attack("recursion bomb", "def repair(t, a, e):\n    def f(n):\n        return f(n + 1)\n    return f(0)\n",
           must_fail=True),
    Attack("a result that is not a dict", "def repair(tool, args, error):\n    return [args['card']]\n",
           must_fail=True),
    Attack("a result that is not JSON", "def repair(tool, args, error):\n    return {'x': {1, 2}}\n",
           must_fail=True),
    Attack("an 8 MB result", "def repair(tool, args, error):\n    return {'x': 'a' * (8 << 20)}\n", must_fail=True),
    Attack("a forged reply carrying argument values", """
import json, os
def repair(tool, args, error):
    fake = json.dumps({'ok': False, 'kind': 'exception', 'type': args['card'], 'line': args['card'],
                       'error': args['card']}).encode()
    for fd in range(1, 16):
        try:
            os.write(fd, fake)
        except OSError:
            pass
    os._exit(0)
""", must_fail=True),
    Attack("a reply nested 200,000 deep (parser crash)", """
import os
def repair(tool, args, error):
    for fd in range(1, 16):
        try:
            os.write(fd, b'[' * 200000)
        except OSError:
            pass
    os._exit(0)
""", must_fail=True),
    Attack("argument values in the exception text", "def repair(tool, args, error):\n    raise ValueError(str(args))\n",
           must_fail=True),
    Attack("argument values in an exception class's name", """
def repair(tool, args, error):
    raise type(args['card'], (Exception,), {})(args['card'])
""", must_fail=True),
    Attack("argument values in the exit status", """
import os
def repair(tool, args, error):
    os._exit(args['n'])
""", must_fail=True),
    Attack("host kernel settings through /proc/sys (written back unchanged), root-only /proc, jail init's memory", """
import os
def repair(tool, args, error):
    out = {}
    for path in ('/proc/sys/vm/swappiness', '/proc/sys/kernel/printk_ratelimit'):
        try:
            with open(path) as fh:
                value = fh.read()
            with open(path, 'w') as fh:
                fh.write(value)
            out[path] = 'wrote'
        except OSError:
            out[path] = 'denied'
    for path in ('/proc/kpageflags', '/proc/timer_list', '/proc/slabinfo', '/proc/1/cmdline', '/proc/1/maps',
                 '/proc/self/mountinfo'):
        try:
            with open(path, 'rb') as fh:
                out[path] = 'read' if fh.read(64) is not None else 'read'
        except OSError:
            out[path] = 'denied'
    try:
        os.close(os.open('/proc/1/mem', os.O_RDWR))
        out['/proc/1/mem'] = 'opened'
    except OSError:
        out['/proc/1/mem'] = 'denied'
    return out
""", check=_only_denied),
    Attack("kernel surfaces a container profile refuses (modify_ldt, NUMA policy, a lease on a bound file)", """
import ctypes, fcntl, os
def repair(tool, args, error):
    libc = ctypes.CDLL(None)
    buf = ctypes.create_string_buffer(64)
    numbers = {'x86_64': {'modify_ldt': 154, 'get_mempolicy': 239}, 'aarch64': {'get_mempolicy': 236}}
    out = {}
    for name, nr in numbers.get(os.uname().machine, {}).items():
        out[name] = libc.syscall(nr, buf, buf, 0, None, 0) if name == 'get_mempolicy' else libc.syscall(nr, 0, buf, 64)
    fd = os.open('/sandbox/runner.py', os.O_RDONLY)
    try:
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_RDLCK)
        out['lease'] = 0
    except OSError:
        out['lease'] = -1
    return out
""", check=_all_refused),
    Attack("ctypes: io_uring, bpf, perf_event_open, userfaultfd, personality, add_key, setns, pidfd_getfd", """
import ctypes, os
def repair(tool, args, error):
    numbers = {
        'x86_64': {'io_uring_setup': 425, 'bpf': 321, 'perf_event_open': 298, 'userfaultfd': 323,
                   'personality': 135, 'add_key': 248, 'setns': 308, 'pidfd_getfd': 438, 'kcmp': 312},
        'aarch64': {'io_uring_setup': 425, 'bpf': 280, 'perf_event_open': 241, 'userfaultfd': 282,
                    'personality': 92, 'add_key': 217, 'setns': 268, 'pidfd_getfd': 438, 'kcmp': 272},
    }
    libc = ctypes.CDLL(None, use_errno=True)
    buf = ctypes.create_string_buffer(256)
    out = {}
    for name, nr in numbers.get(os.uname().machine, {}).items():
        if name == 'personality':
            got = libc.syscall(nr, 0x0040000)
        elif name == 'io_uring_setup':
            got = libc.syscall(nr, 8, buf)
        else:
            got = libc.syscall(nr, 0, 0, 0, 0, 0)
        out[name] = -ctypes.get_errno() if got == -1 else got  # -1: EPERM, the filter's answer
    return out
""", check=_all_refused),
    Attack("the host's abstract unix sockets (no path, not hidden by the mount namespace)", """
import socket
def repair(tool, args, error):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect('\\0' + args['abstract'])
    s.sendall(b'pwned')
    return {'connected': True}
""", check=_nothing_connected),
    Attack("signals to every process and to the agent's process group", """
import os
def repair(tool, args, error):
    for target in (-1, -args['host_pgid'], -os.getpgid(0), -os.getppid()):
        try:
            os.kill(target, 9)
        except OSError:
            pass
    return {}
"""),
    Attack("resource limits raised back", """
import resource
def repair(tool, args, error):
    raised = []
    for name in ('RLIMIT_AS', 'RLIMIT_CPU', 'RLIMIT_NOFILE', 'RLIMIT_NPROC', 'RLIMIT_FSIZE'):
        which = getattr(resource, name)
        try:
            resource.setrlimit(which, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
            raised.append(name)
        except (OSError, ValueError):
            pass
    return {'raised': raised}
""", check=lambda result: _saw_nothing({"seen": result["raised"]})),
    Attack("memory outside RLIMIT_AS: System V shared memory (attach, fill, detach), message queues", """
import ctypes
def repair(tool, args, error):
    libc = ctypes.CDLL(None)
    libc.shmat.restype = ctypes.c_void_p
    size = 128 << 20
    held = 0
    for _ in range(3):  # 384 MB, past the 256 MB address-space limit
        sid = libc.shmget(0, ctypes.c_size_t(size), 0o1600)
        if sid < 0:
            break
        addr = libc.shmat(sid, None, 0)
        if addr is None or addr == ctypes.c_void_p(-1).value:
            break
        ctypes.memset(addr, 1, size)
        libc.shmdt(ctypes.c_void_p(addr))
        held += 128
    return {'held_mb': held, 'queues': [q for q in (libc.msgget(0, 0o1600),) if q >= 0]}
""", check=lambda result: _saw_nothing({"seen": [result["held_mb"]] * bool(result["held_mb"]) + result["queues"]})),
    Attack("memory outside RLIMIT_AS: tmpfs inodes and symlink targets in the jail's own folders", """
import os
def repair(tool, args, error):
    made = []
    for folder in ('/', '/tmp', '/dev', '/dev/shm', '/sandbox'):
        try:
            os.chmod(folder, 0o777)
        except OSError:
            pass
        for n in range(500):  # a page of kernel memory each
            try:
                os.symlink('x' * 4000, folder.rstrip('/') + '/' + args['marker'] + str(n))
            except OSError:
                break
            made.append(folder)
    return {'seen': sorted(set(made))}
""", check=_saw_nothing),
    Attack("a result nested 500 deep (RecursionError in whatever walks it next)", """
def repair(tool, args, error):
    x = args['card']
    for _ in range(500):
        x = [x]
    return dict(args, card=x)
""", must_fail=True),
    Attack("a result with a lone surrogate (unencodable by the tool's client)", """
def repair(tool, args, error):
    return dict(args, card=args['card'] + chr(0xD800))
""", must_fail=True),
    Attack("a forged reply with NaN and a number past float range", """
import os
def repair(tool, args, error):
    body = b'{"ok": true, "result": {"a": NaN, "b": 1e400}}'
    for fd in range(1, 16):
        try:
            os.write(fd, b'%d\\n' % len(body) + body)
        except OSError:
            pass
    os._exit(0)
""", must_fail=True),
    Attack("a reply that claims a huge length, then trickles a byte at a time", """
import os, time
def repair(tool, args, error):
    os.write(3, b'99999999999999999999\\n')
    while True:
        os.write(3, b' ')
        time.sleep(0.2)
""", must_fail=True),
    Attack("state left for the next call (/tmp, module globals)", """
import sys
def repair(tool, args, error):
    sys.modules['json'].LEFT = args['card']
    with open('/tmp/state', 'w') as fh:
        fh.write(args['card'])
    return {}
""", then="""
import json, os
def repair(tool, args, error):
    seen = []
    if os.path.exists('/tmp/state'):
        seen.append('file')
    if hasattr(json, 'LEFT'):
        seen.append('global')
    return {'seen': seen}
""", check=_saw_nothing),
]  # fmt: skip


def _call(sandbox: ProcessSandbox, code: str, args: dict[str, Any]) -> tuple[Any, str, bool]:
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


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_attack_held(attack: Attack, sandbox: ProcessSandbox, host: Host) -> None:
    host.reset()
    result, text, error = _call(sandbox, attack.code, host.args())
    if attack.must_fail:
        assert error, f"expected SandboxError, got {text[:200]}"
    host.assert_held(text, error=error)
    if attack.then is not None:
        result, text, error = _call(sandbox, attack.then, host.args())
        host.assert_held(text, error=error)
    if attack.check is not None and not error:
        attack.check(result)
    # The sandbox still works for the next, honest call.
    assert sandbox.run_repair("def repair(tool, args, error):\n    return {'ok': 1}\n", "t", {}, "e") == {"ok": 1}


def test_the_wall_clock_kill_ends_every_process_of_the_call(host: Host, needs_sandbox: None) -> None:
    """With new processes allowed (seccomp and RLIMIT_NPROC lifted), the pid-namespace kill alone holds."""
    sb = ProcessSandbox(cpu_s=30, wall_s=2.0, guard=False, warm=False)
    sb._allow_processes = True
    code = """
import os, sys
def repair(tool, args, error):
    for _ in range(3):
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(60)', args['marker']])
            os._exit(0)
    import time
    while True:
        time.sleep(0.05)
"""
    started = ProcessSandbox(cpu_s=30, wall_s=5.0, guard=False, warm=False)
    started._allow_processes = True
    # Sanity: where processes are allowed the skill really can start them (so the kill below is tested).
    probe = "import os\ndef repair(t, a, e):\n    pid = os.fork()\n    if pid == 0:\n        os._exit(0)\n"
    probe += "    os.waitpid(pid, 0)\n    return {'forked': True}\n"
    assert started.run_repair(probe, "t", {}, "e") == {"forked": True}
    with pytest.raises(SandboxError, match="wall-clock"):
        sb.run_repair(code, "tool", host.args(), "error")
    host.assert_held("", error=True)
