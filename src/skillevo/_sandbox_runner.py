"""The program that runs inside the jail: one code-skill call, then exit.

This file is copied (read-only) into the bubblewrap jail as ``/sandbox/runner.py`` and run by the
interpreter there with ``-I -S -B``; it must import nothing but the standard library and
RestrictedPython (bound at ``/sandbox/lib``). It is *not* imported by skillevo itself.

Protocol: argv[1] is a JSON config. The runner boots (imports, limits), writes ``+`` to stdout, then
blocks reading its one job (JSON ``{"code", "tool", "args", "error"}``) from stdin until EOF, runs it
and writes one JSON reply, preceded by its length and a newline, to the file descriptor that was
stdout at start:
``{"ok": true, "result": ...}`` or ``{"ok": false, "kind": ..., "type": ..., "line": ...}``.
The reply never carries an exception's message (it is attacker- and customer-controlled text): only
the exception's type, when it is a built-in one, and the line number.
"""

from __future__ import annotations

import builtins
import json
import os
import resource
import signal
import sys
import traceback
import types
from typing import Any

_FILENAME = "<skill>"
READY = b"+"


class _CpuLimit(BaseException):
    """Raised from the SIGXCPU handler: the soft CPU limit was reached."""


def _on_sigxcpu(signum: int, frame: object) -> None:
    raise _CpuLimit()


def _guarded_globals(allowed: set[str]) -> dict[str, Any]:
    from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
    from RestrictedPython.Guards import (
        guarded_iter_unpack_sequence,
        guarded_unpack_sequence,
        safe_builtins,
        safer_getattr,
    )
    from RestrictedPython.Limits import limited_builtins
    from RestrictedPython.Utilities import utility_builtins

    real_import = builtins.__import__

    def guarded_import(
        name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0
    ) -> types.ModuleType:
        if level != 0 or name.split(".")[0] not in allowed:
            raise ImportError("import not allowed in a code skill")
        return real_import(name, globals, locals, fromlist, level)

    def guarded_getattr(obj: Any, name: str, default: Any = None, getattr: Any = safer_getattr) -> Any:
        # Allowed modules hold other modules as attributes (json.codecs.sys, re.enum.sys): refuse to hand
        # out any module outside the allowed list. The jail holds without this; it is a first filter.
        value = getattr(obj, name, default)
        if isinstance(value, types.ModuleType) and value.__name__.split(".")[0] not in allowed:
            raise AttributeError("module attribute not allowed in a code skill")
        return value

    def write_guard(obj: Any) -> Any:
        if isinstance(obj, dict | list):
            return obj
        raise TypeError("code skills may only modify dicts and lists they created")

    def inplace(op: str, x: Any, y: Any) -> Any:
        ops = {"+=": lambda: x + y, "-=": lambda: x - y, "*=": lambda: x * y}
        if op not in ops:
            raise TypeError("in-place operator not allowed in a code skill")
        return ops[op]()

    safe = dict(safe_builtins)
    safe.update(limited_builtins)
    safe.update(utility_builtins)
    for name in ("dict", "list", "set", "min", "max", "sum", "any", "all", "enumerate", "sorted", "map", "filter"):
        safe[name] = getattr(builtins, name)
    safe["reversed"] = reversed
    safe["__import__"] = guarded_import
    return {
        "__builtins__": safe,
        "_getattr_": guarded_getattr,
        "_getitem_": default_guarded_getitem,
        "_getiter_": default_guarded_getiter,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_write_": write_guard,
        "_inplacevar_": inplace,
        "__name__": "skill",
        "__metaclass__": type,
    }


def _compile(code: str, guard: bool) -> types.CodeType:
    if not guard:
        return compile(code, _FILENAME, "exec")
    from RestrictedPython.compile import compile_restricted

    code_obj: types.CodeType = compile_restricted(code, _FILENAME, "exec")
    return code_obj


def _skill_line(exc: BaseException) -> int | None:
    line = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == _FILENAME:
            line = lineno
    if line is None and isinstance(exc, SyntaxError) and exc.filename == _FILENAME:
        line = exc.lineno
    return line


def _failure(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, _CpuLimit):
        return {"ok": False, "kind": "cpu"}
    if isinstance(exc, MemoryError):
        return {"ok": False, "kind": "memory"}
    if isinstance(exc, RecursionError):
        return {"ok": False, "kind": "recursion"}
    kind = "refused" if isinstance(exc, SyntaxError) else "exception"
    cls = type(exc)
    # Only a built-in exception's name: a class the skill made could be named after a secret.
    name = cls.__name__ if getattr(builtins, cls.__name__, None) is cls else None
    return {"ok": False, "kind": kind, "type": name, "line": _skill_line(exc)}


def _limit(which: int, value: int) -> None:
    resource.setrlimit(which, (value, value))


def main() -> None:
    config = json.loads(sys.argv[1])
    allowed = set(config["imports"])
    guard = bool(config["guard"])
    sys.path.insert(0, "/sandbox/lib")
    # Boot before the job arrives, so a call costs only the work: the guard and the allowed modules.
    glb = _guarded_globals(allowed) if guard else {"__name__": "skill", "__builtins__": builtins}
    for name in sorted(allowed):
        try:
            __import__(name)
        except ImportError:
            pass
    reply_fd = os.dup(1)
    os.dup2(2, 1)  # print() in a skill goes to stderr, which the parent discards
    signal.signal(signal.SIGXCPU, _on_sigxcpu)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past RLIMIT_FSIZE fails (EFBIG) instead of killing
    cpu = int(config["cpu"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    _limit(resource.RLIMIT_AS, int(config["mem"]))
    _limit(resource.RLIMIT_FSIZE, 0)
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_NOFILE, int(config["nofile"]))
    _limit(resource.RLIMIT_NPROC, int(config["nproc"]))
    os.write(reply_fd, READY)  # booted: the parent may wait for this before timing a warm call
    raw = sys.stdin.buffer.read()
    if not raw:
        return  # the parent went away before giving this spare worker a job
    out: dict[str, Any]
    try:
        job = json.loads(raw)
        del raw
        code = _compile(job["code"], guard)
        exec(code, glb)
        fn = glb.get("repair")
        if not callable(fn):
            out = {"ok": False, "kind": "no_repair"}
        else:
            out = {"ok": True, "result": fn(job["tool"], job["args"], job["error"])}
    except BaseException as exc:
        out = _failure(exc)
    try:
        text = json.dumps(out, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        text = json.dumps({"ok": False, "kind": "not_json"})
    except MemoryError:
        text = json.dumps({"ok": False, "kind": "memory"})
    # Framed by its length, so the parent has the whole reply without waiting for this process to exit.
    data = b"%d\n" % len(text.encode()) + text.encode()
    while data:
        data = data[os.write(reply_fd, data) :]
    os._exit(0)  # nothing to clean up: the jail goes away with the process

if __name__ == "__main__":
    main()
