"""Attacks on the code sandbox, each asserting that it held: run with the RestrictedPython guard on and off.

With the guard off the attack code gets the real ``import os``, ``open``, ``ctypes``...: only the jail
(namespaces, uid 65534, read-only file system, seccomp, rlimits, the wall-clock kill, capped output)
stands between it and this test process. Every attack is checked against the same host state: a
canary secret in the environment of this process and of a bystander process, a canary file, TCP, UDP
and unix listeners, the bystander's life, files that must not appear, processes that must not remain,
and this process's memory. docs/security.md lists them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from skillevo import ProcessSandbox, SandboxError

sys.path.insert(0, str(Path(__file__).parent))  # the shared harness, sandbox_host.py

from sandbox_host import (
    Attack,
    Host,
    all_refused,
    check_attack,
    make_host,
    make_sandbox,
    nothing_connected,
    saw_nothing,
)


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Host]:
    yield from make_host(tmp_path_factory)


@pytest.fixture(scope="module", params=[True, False], ids=["guard-on", "guard-off"])
def sandbox(request: pytest.FixtureRequest, host: Host, sandbox_unavailable: str | None) -> Iterator[ProcessSandbox]:
    yield from make_sandbox(request.param, sandbox_unavailable)


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
""", check=nothing_connected),
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
""", check=nothing_connected),
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
""", check=all_refused),
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
""", check=saw_nothing),
]  # fmt: skip


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_attack_held(attack: Attack, sandbox: ProcessSandbox, host: Host) -> None:
    check_attack(attack, sandbox, host)


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
