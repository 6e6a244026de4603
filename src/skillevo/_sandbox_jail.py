"""The isolation boundary for code skills: a bubblewrap jail and a seccomp filter.

Each code-skill call runs in a fresh interpreter inside ``bwrap`` with every namespace unshared (no
network, own pid/ipc/uts/cgroup/user namespace), an unprivileged uid/gid (65534) with no capabilities,
a read-only file system that holds only the interpreter, its standard library and the shared libraries
they load (plus RestrictedPython and the runner), a private ``/tmp``, no ``/proc``, an empty
environment, and a seccomp filter (built with libseccomp through ``pyseccomp``) that refuses network
sockets, tracing, mounts, keyrings, BPF, new namespaces and other kernel surfaces a repair never needs.
See docs/security.md, "The sandbox".
"""

from __future__ import annotations

import errno
import logging
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from ._errors import SandboxError, SandboxNotRun, SandboxUnavailable

__all__ = [
    "INSTALL_HINT",
    "LAUNCHER_ENV",
    "RETRY_FIRST_S",
    "RETRY_S",
    "Jail",
    "broken",
    "forget",
    "jail",
    "missing_software",
]

INSTALL_HINT = "apt-get install bubblewrap libseccomp2"
SANDBOX_UID = 65534
RETRY_FIRST_S = 1.0  # a failed engine is tried again after this long, doubled after each failed try ...
RETRY_S = 300.0  # ... up to this long (a host fixed without restarting the agent)
_RUNNER_DEST = "/sandbox/runner.py"
_LIB_DEST = "/sandbox/lib"
_PYTHON_DEST = "/sandbox/python"  # where the jail shows the interpreter (`_neutral_places`)
#: The system's own library folders: a shared library there is shown where it is (nothing of the host's).
_SYSTEM_LIBS = ("/lib/", "/lib64/", "/lib32/", "/usr/lib/", "/usr/lib64/", "/usr/lib32/")

# Refused with EPERM: nothing a repair needs, each a known way to attack the kernel or leave the jail.
_DENIED_SYSCALLS = (
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen", "fsmount", "fsconfig",
    "fspick", "mount_setattr", "name_to_handle_at", "open_by_handle_at",
    "unshare", "setns",
    "keyctl", "add_key", "request_key",
    "bpf", "perf_event_open", "userfaultfd", "personality", "io_uring_setup", "io_uring_enter",
    "io_uring_register", "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "acct", "swapon", "swapoff", "reboot", "sethostname", "setdomainname", "syslog", "quotactl",
    "lookup_dcookie", "fanotify_init", "iopl", "ioperm", "uselib", "vhangup",
    # Old or rarely audited kernel surfaces (as in Docker's default profile): descriptor tables, NUMA
    # placement, the clocks, legacy sysctl/ustat/vm86.
    "modify_ldt", "mbind", "set_mempolicy", "get_mempolicy", "migrate_pages", "move_pages", "vm86", "vm86old",
    "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "_sysctl", "sysfs", "ustat", "nfsservctl",
    # System V and POSIX IPC: a shared-memory segment, message or queue lives in the kernel, outside the
    # address space RLIMIT_AS bounds (attach, fill, detach: gigabytes held by a 256 MB process).
    "shmget", "shmat", "shmdt", "shmctl", "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop",
    "semtimedop", "semctl", "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify",
    "mq_getsetattr",
)  # fmt: skip
# CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWNS, CLONE_NEWCGROUP
_NAMESPACE_FLAGS = (0x10000000, 0x20000000, 0x40000000, 0x04000000, 0x08000000, 0x00020000, 0x02000000)
_TIOCSTI = 0x5412
_F_SETLEASE = 1024  # a lease on a bound file (the jail's uid owns root's files) would stall host writers


@dataclass(frozen=True)
class Jail:
    """How to start one jailed interpreter: the ``bwrap`` argv (up to the interpreter) and the filter."""

    bwrap_args: tuple[str, ...]
    python: str
    seccomp_bpf: bytes
    seccomp_bpf_with_processes: bytes  # only for testing the pid-namespace kill on its own


def _host_program(name: str) -> str | None:
    """`name` found in PATH's absolute folders only: an empty or relative entry (``:/usr/bin``, ``.``)
    would have a program planted in whatever folder the agent runs in (a tool's download, a cloned
    repository) run, outside the sandbox, in place of the host's."""
    folders = [f for f in os.environ.get("PATH", os.defpath).split(os.pathsep) if os.path.isabs(f)]
    return shutil.which(name, path=os.pathsep.join(folders)) if folders else None


def _ldd_paths(binaries: list[str]) -> set[str]:
    """Shared libraries the binaries load, as the dynamic loader resolves them."""
    ldd = _host_program("ldd")
    if ldd is None:
        return set()
    found: set[str] = set()
    for chunk in range(0, len(binaries), 64):
        try:
            proc = subprocess.run(
                [ldd, *binaries[chunk : chunk + 64]], capture_output=True, text=True, timeout=30, check=False
            )
        except (OSError, subprocess.SubprocessError):
            return set()
        found.update(re.findall(r"(?:=>\s*|^\s*)(/\S+)\s+\(0x", proc.stdout, flags=re.MULTILINE))
    return {p for p in found if os.path.exists(p)}


def _interpreter() -> str:
    """The base interpreter (not a virtualenv's link or copy), so its own standard library is found."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    return os.path.realpath(base)


def _filesystem(runner: str, restricted_python: str) -> tuple[list[str], str]:
    python = _interpreter()
    # The base installation's folders, not a virtualenv's (whose site-packages must stay outside).
    base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix,
            "installed_base": sys.base_prefix, "installed_platbase": sys.base_exec_prefix}  # fmt: skip
    stdlib = os.path.realpath(sysconfig.get_path("stdlib", vars=base))
    platstdlib = os.path.realpath(sysconfig.get_path("platstdlib", vars=base))
    dynload = os.path.join(platstdlib, "lib-dynload")
    modules = [str(p) for p in Path(dynload).glob("*.so")] if os.path.isdir(dynload) else []
    libs = _ldd_paths([python, *modules])
    args: list[str] = []
    placed = _neutral_places(python, stdlib, platstdlib, libs)
    if libs:
        for lib in sorted(libs):
            args += ["--ro-bind", os.path.realpath(lib), placed.get(lib, lib)]
    else:  # no ldd (e.g. a static or musl build): the system library folders, read-only
        for folder in ("/lib", "/lib64", "/usr/lib", "/usr/lib64"):
            if os.path.isdir(folder):
                args += ["--ro-bind", folder, folder]
    args += ["--ro-bind", python, placed.get(python, python)]
    for folder in sorted({stdlib, platstdlib}):
        dest = placed.get(folder, folder)
        args += ["--ro-bind", folder, dest]
        # An interpreter's own site-packages may sit inside its standard library folder: hide it.
        for sub in ("site-packages", "dist-packages"):
            if os.path.isdir(os.path.join(folder, sub)):
                inner = os.path.join(dest, sub)
                args += ["--perms", "0555", "--tmpfs", inner, "--remount-ro", inner]
    args += ["--ro-bind", restricted_python, f"{_LIB_DEST}/RestrictedPython", "--ro-bind", runner, _RUNNER_DEST]
    lib_dirs = sorted({os.path.dirname(placed.get(lib, lib)) for lib in libs})
    if lib_dirs:
        args += ["--setenv", "LD_LIBRARY_PATH", ":".join(lib_dirs)]
    return args, placed.get(python, python)


def _neutral_places(python: str, stdlib: str, platstdlib: str, libs: set[str]) -> dict[str, str]:
    """Where the jail shows the interpreter, its standard library and the shared libraries of its own
    installation (outside the system's folders): under `_PYTHON_DEST`, the same on every host. At their
    host paths a skill read where the host keeps its Python (``/root/.pyenv/versions/3.11.7``: the account running the
    agent, how it was set up) off ``sys.executable``, ``sys.path`` or ``LD_LIBRARY_PATH``. The
    interpreter finds its library from where it runs (``<prefix>/<platlibdir>/pythonX.Y``); a layout
    that splits it over two folders is shown where it is."""
    if stdlib != platstdlib:
        return {}
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    placed = {python: f"{_PYTHON_DEST}/bin/{version}", stdlib: f"{_PYTHON_DEST}/{sys.platlibdir}/{version}"}
    # Only the installation's own libraries (libpython) move: a system library, and above all the
    # dynamic loader the interpreter's ELF header names by path, must stay where it is found.
    own = os.path.realpath(sys.base_prefix).rstrip("/") + "/"
    taken: set[str] = set()
    for lib in sorted(libs):
        name = os.path.basename(lib)
        inside = lib.startswith(own) or os.path.realpath(lib).startswith(own)
        if inside and not lib.startswith(_SYSTEM_LIBS) and name not in taken:
            taken.add(name)
            placed[lib] = f"{_PYTHON_DEST}/shared/{name}"
    return placed


def _seccomp_filter(allow_processes: bool) -> bytes:
    try:
        import pyseccomp as sc
    except (ImportError, OSError, RuntimeError) as exc:  # pyseccomp loads libseccomp.so.2 at import
        raise SandboxUnavailable(f"code skills cannot run: libseccomp is not usable ({INSTALL_HINT})") from exc
    flt = sc.SyscallFilter(defaction=sc.ALLOW)
    deny = sc.ERRNO(errno.EPERM)
    for name in _DENIED_SYSCALLS:
        try:
            flt.add_rule(deny, name)
        except (RuntimeError, ValueError, OSError):
            continue  # a syscall this kernel/architecture does not have
    # Only local (AF_UNIX) sockets; the network namespace is empty anyway, this also covers netlink, packet...
    flt.add_rule(deny, "socket", sc.Arg(0, sc.NE, socket.AF_UNIX))
    if allow_processes:
        for flag in _NAMESPACE_FLAGS:
            flt.add_rule(deny, "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    else:
        # No new processes or threads: a repair needs neither, and RLIMIT_NPROC does not bind when the
        # jail's uid maps to root outside (bwrap started by root), so the kernel filter is what holds.
        for name in ("clone", "fork", "vfork"):
            flt.add_rule(deny, name)
    flt.add_rule(deny, "ioctl", sc.Arg(1, sc.MASKED_EQ, 0xFFFFFFFF, _TIOCSTI))  # the request is an int
    flt.add_rule(deny, "fcntl", sc.Arg(1, sc.MASKED_EQ, 0xFFFFFFFF, _F_SETLEASE))
    # clone3 passes its flags in memory the filter cannot read: make libc fall back to clone (checked above).
    flt.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    with tempfile.TemporaryFile() as fh:
        flt.export_bpf(fh)
        fh.seek(0)
        return fh.read()


def _restricted_python_dir() -> str:
    try:
        import RestrictedPython
    except ImportError as exc:  # a core dependency; only a broken install lacks it
        raise SandboxUnavailable("code skills cannot run: RestrictedPython is not installed") from exc
    return os.path.dirname(os.path.realpath(RestrictedPython.__file__))


def _supports(bwrap: str, option: str) -> bool:
    try:
        out = subprocess.run([bwrap, "--help"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return option in out.stdout + out.stderr


LAUNCHER_ENV = "SKILLEVO_BWRAP"  # the bwrap to use, where it is not the one on PATH


def _only_owner_writes(path: str) -> bool:
    """Whether `path` (links followed) and its folder are owned by root or this user and writable by
    no one else: another user who can rewrite the program, or swap it through its folder, would have
    their code run outside the sandbox as whoever starts the agent."""
    real = os.path.realpath(path)
    for place in (real, os.path.dirname(real)):
        try:
            st = os.stat(place)
        except OSError:
            return False
        if st.st_uid not in (0, os.getuid()) or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return False
    return True


def _find_bwrap() -> str | None:
    chosen = os.environ.get(LAUNCHER_ENV)
    if chosen:  # the host's own choice: used as given, never another in its place
        # Absolute only: a relative one would resolve against whatever folder the agent runs in.
        usable = os.path.isabs(chosen) and os.path.isfile(chosen) and os.access(chosen, os.X_OK)
        return chosen if usable and _only_owner_writes(chosen) else None
    found = _host_program("bwrap")
    if found is None and os.access("/usr/bin/bwrap", os.X_OK):  # PATH may be trimmed; Debian's place
        found = "/usr/bin/bwrap"
    return found


def missing_software() -> str | None:
    """Why code skills cannot run on this host for lack of software (not Linux, no bwrap, no libseccomp)."""
    if not sys.platform.startswith("linux"):
        return "code skills cannot run: the sandbox needs Linux (bubblewrap namespaces)"
    if _find_bwrap() is None:
        if os.environ.get(LAUNCHER_ENV):
            return (
                f"code skills cannot run: {LAUNCHER_ENV} does not name an executable file by its absolute path, "
                "writable by its owner (root or this user) alone, in a folder only its owner writes "
                "(unset it or fix it)"
            )
        return f"code skills cannot run: bubblewrap (bwrap) is not installed ({INSTALL_HINT})"
    try:
        import pyseccomp  # noqa: F401  (loads libseccomp.so.2)
    except (ImportError, OSError, RuntimeError):
        return f"code skills cannot run: libseccomp is not usable ({INSTALL_HINT})"
    return None


_BUILD_LOCK = threading.Lock()
_log = logging.getLogger("skillevo")


class _Failure:
    """Why the engine failed and when to try it again: code skills are off until it builds again."""

    def __init__(self) -> None:
        self.reason: str | None = None
        self.retry_at = 0.0
        self.retrying = False
        self.failures = 0  # failed builds in a row: each one doubles the wait for the next try

    def record(self, reason: str) -> SandboxUnavailable:
        """Turn code skills off (the caller holds `_BUILD_LOCK`); warns once per failure, not per call.

        The next try waits `RETRY_FIRST_S`, doubled after each failed one up to `RETRY_S`: a passing
        fault (the agent out of descriptors for a moment) costs seconds of code skills, not minutes,
        and an engine that stays broken is tried a handful of times an hour.
        """
        if self.reason is None:
            _log.warning("%s; code skills are off in this process", reason)
        delay = min(RETRY_S, RETRY_FIRST_S * 2.0 ** min(self.failures, 32))
        self.failures += 1
        self.reason, self.retry_at = reason, time.monotonic() + delay
        return SandboxUnavailable(reason)

    def cleared(self) -> None:
        """The engine built: code skills are on, and the next failure starts the back-off afresh."""
        if self.reason is not None:
            _log.info("code skills are on again: the sandbox's jail builds")
        self.reason, self.failures = None, 0


class _Built:
    """The jail once built, and the build under way (on a background thread) until it is."""

    def __init__(self) -> None:
        self.jail: Jail | None = None
        self.ready = False  # `jail` holds the build's result
        self.done: threading.Event | None = None  # set when the build under way ends; None: none is
        self.started = 0.0
        self.generation = 0  # bumped by `forget` and at fork: a build begun before it is not kept


_FAILURE = _Failure()
_BUILT = _Built()


def jail(wait_s: float | None = None) -> Jail:
    """The jail description, built once per process; `SandboxUnavailable` naming the fix when it cannot be.

    The build (``ldd`` over the standard library, ``bwrap``'s self-test) runs on a background thread,
    once for all callers. A caller waits for it at most `wait_s` seconds after it began (None: until it
    ends), then gets `SandboxNotRun` ("still starting") and goes on without the code skill while the
    build continues: a ``bwrap`` that hangs holds the agent's call for `wait_s`, not for its timeouts.
    An operating-system failure while building (out of file descriptors, ...) is a `SandboxUnavailable`
    too, never a raw `OSError`. A failure is remembered: every later call raises the same one-line
    error at once, and the build is tried again on a background thread after a wait that grows with
    each failed try (`RETRY_FIRST_S` doubled up to `RETRY_S`), or at the next call after `forget`.
    """
    while True:
        with _BUILD_LOCK:
            if _BUILT.ready:
                return cast(Jail, _BUILT.jail)  # set together with `ready`
            failed = _FAILURE.reason
            if failed is not None:
                if not _FAILURE.retrying and time.monotonic() >= _FAILURE.retry_at:
                    _FAILURE.retrying = _start(_retry, "skillevo-sandbox-retry")
                raise SandboxUnavailable(failed)
            if _BUILT.done is None:
                done, generation = threading.Event(), _BUILT.generation
                if not _start(_first_build, "skillevo-sandbox-build", done, generation):
                    raise SandboxNotRun("code skill not run: no thread could be started to build the sandbox")
                _BUILT.done, _BUILT.started = done, time.monotonic()
            done, started = _BUILT.done, _BUILT.started
        left = None if wait_s is None else max(0.0, started + wait_s - time.monotonic())
        if not done.wait(left):
            raise SandboxNotRun(
                f"code skill not run: the sandbox is still starting ({wait_s:g} s after it began); "
                "code skills run once it has"
            )


def _start(target: Callable[..., None], name: str, *args: object) -> bool:
    """Start a daemon thread (False: none could be started now: host limit, interpreter ending)."""
    try:
        threading.Thread(target=target, name=name, args=args, daemon=True).start()
    except RuntimeError:
        return False
    return True


def _try_build() -> Jail | str:
    """The jail, or why it cannot be built (one line)."""
    try:
        return _build()
    except SandboxError as exc:
        return str(exc)
    except OSError as exc:
        return f"code skills cannot run: the jail could not be built ({exc.strerror})"
    except Exception as exc:  # a build that cannot end in a mark set for good: the next try is due as usual
        return _ended(exc)


def _ended(exc: BaseException) -> str:
    return f"code skills cannot run: the jail could not be built ({type(exc).__name__})"


def _settle(built: Jail | str) -> None:
    """Keep what a build gave (the caller holds `_BUILD_LOCK`)."""
    if isinstance(built, str):
        _FAILURE.record(built)
    else:
        _BUILT.jail, _BUILT.ready = built, True
        _FAILURE.cleared()


def _first_build(done: threading.Event, generation: int) -> None:
    # Settled in `finally`: a build ended by `SystemExit` or `KeyboardInterrupt` (not an `Exception`)
    # left the set event as the build under way, and `jail`'s loop spun on it for good.
    built: Jail | str = "code skills cannot run: the jail build did not end"
    try:
        built = _try_build()
    except BaseException as exc:
        built = _ended(exc)
        raise
    finally:
        with _BUILD_LOCK:
            if generation == _BUILT.generation:  # not dropped by `forget` meanwhile
                _BUILT.done = None
                _settle(built)
        done.set()


def _retry() -> None:
    """Build the jail again off every caller's path; code skills are on again once it builds."""
    try:
        built = _try_build()
    except BaseException as exc:  # `SystemExit` and the like: a "retrying" mark left set ended all retries
        built = _ended(exc)
        _settle_retry(built)
        raise
    _settle_retry(built)


def _settle_retry(built: Jail | str) -> None:
    with _BUILD_LOCK:
        _FAILURE.retrying = False
        if _FAILURE.reason is None:  # `forget` ran meanwhile: the next call decides
            return
        _settle(built)


def broken(reason: str) -> SandboxUnavailable:
    """A jail that was built stopped starting (``bwrap`` replaced, namespaces switched off, a worker
    that did not boot): code skills are off as after a failed build (`jail`); returns the error to raise."""
    with _BUILD_LOCK:
        _BUILT.jail, _BUILT.ready = None, False
        return _FAILURE.record(reason)


def _after_fork_in_child() -> None:
    """A forked child has no build or retry thread and no holder of the parent's lock: without this, a
    fork during a retry left the child's mark "retrying" set for good (code skills off for its life)."""
    global _BUILD_LOCK
    _BUILD_LOCK = threading.Lock()
    _FAILURE.retrying = False
    _BUILT.done = None
    _BUILT.generation += 1


os.register_at_fork(after_in_child=_after_fork_in_child)


def forget() -> None:
    """Drop the built jail and any remembered failure, so the next `jail` call builds (and self-tests) it again."""
    with _BUILD_LOCK:
        _BUILT.jail, _BUILT.ready, _BUILT.done = None, False, None
        _BUILT.generation += 1
        _FAILURE.reason, _FAILURE.failures = None, 0


def _build() -> Jail:
    missing = missing_software()
    if missing:
        raise SandboxUnavailable(missing)
    bwrap = _find_bwrap()
    assert bwrap is not None
    runner = os.path.join(os.path.dirname(os.path.realpath(__file__)), "_sandbox_runner.py")
    fs, python = _filesystem(runner, _restricted_python_dir())
    args = [
        bwrap,
        "--unshare-all",
        "--unshare-user",
        "--die-with-parent",
        "--new-session",
        "--uid", str(SANDBOX_UID),
        "--gid", str(SANDBOX_UID),
        "--cap-drop", "ALL",
        "--hostname", "sandbox",
        "--clearenv",
        "--setenv", "LANG", "C.UTF-8",
        "--dev", "/dev",
        *fs,
        # Every file system the jail could write to made read-only: an inode, a symlink's target or an
        # xattr on a tmpfs is kernel memory that RLIMIT_AS does not count (and RLIMIT_FSIZE does not stop).
        "--remount-ro", "/dev",
        "--remount-ro", "/",
        "--chdir", "/",
    ]  # fmt: skip
    if _supports(bwrap, "--disable-userns"):
        args.append("--disable-userns")
    built = Jail(
        bwrap_args=tuple(args),
        python=python,
        seccomp_bpf=_seccomp_filter(allow_processes=False),
        seccomp_bpf_with_processes=_seccomp_filter(allow_processes=True),
    )
    _self_test(built)
    return built


def _self_test(j: Jail) -> None:
    """Start the jail once, so a host that cannot (user namespaces off, ...) fails with bwrap's reason."""
    read_fd, write_fd = os.pipe()
    try:
        os.write(write_fd, j.seccomp_bpf)
    finally:
        os.close(write_fd)
    argv = [*j.bwrap_args, "--seccomp", str(read_fd), "--", j.python, "-I", "-S", "-c", "print('jail-ok')"]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, pass_fds=(read_fd,), env={})
    except (OSError, subprocess.SubprocessError) as exc:
        raise SandboxUnavailable(f"code skills cannot run: bubblewrap did not start ({type(exc).__name__})") from None
    finally:
        os.close(read_fd)
    if proc.stdout.strip() != "jail-ok":
        # bwrap's own message (no skill has run yet): e.g. "No permissions to create new namespace".
        why = " ".join(proc.stderr.split())[:200] or f"exit status {proc.returncode}"
        raise SandboxUnavailable(f"code skills cannot run: bubblewrap could not start the jail: {why}")


def runner_argv(j: Jail, seccomp_fd: int, config: str) -> list[str]:
    """The full command line for one worker, reading its seccomp program from ``seccomp_fd``."""
    return [*j.bwrap_args, "--seccomp", str(seccomp_fd), "--", j.python, "-I", "-S", "-B", "-X", "utf8",
            _RUNNER_DEST, config]  # fmt: skip
