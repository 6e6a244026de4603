"""Running code skills: only in a separate, limited process, never in the agent's own.

A code skill is Python source defining ``repair(tool, args, error) -> dict | None``. It is untrusted
(a miner or a model wrote it from tool output), so `ProcessSandbox`:

* compiles it with RestrictedPython (no dunder access, so no ``__subclasses__``/``__globals__``
  escapes; no ``exec``/``eval``/``open``; guarded attribute, item and iteration access);
* allows imports only from a short list of pure modules (json, re, math, datetime, string, ...);
* runs it in a fresh ``python -I`` child with resource limits: CPU seconds, address space,
  no new processes (RLIMIT_NPROC 0: fork bombs fail), no file writes (RLIMIT_FSIZE 0), few file
  descriptors; and a wall-clock timeout after which the child is killed;
* exchanges only JSON over pipes. See docs/security.md for the threat model.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from abc import ABC, abstractmethod
from typing import Any

from ._errors import SandboxError

__all__ = ["ProcessSandbox", "Sandbox"]

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

_RUNNER = textwrap.dedent(
    r"""
    import json, resource, sys
    limits = json.loads(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu"], limits["cpu"]))
    resource.setrlimit(resource.RLIMIT_AS, (limits["mem"], limits["mem"]))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    payload = json.loads(sys.stdin.read())
    from RestrictedPython import compile_restricted, safe_builtins, limited_builtins, utility_builtins
    from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
    from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence, safer_getattr
    allowed = set(limits["imports"])
    real_import = __import__
    def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
        if level != 0 or name.split(".")[0] not in allowed:
            raise ImportError(f"import of {name!r} is not allowed in a code skill")
        return real_import(name, globals, locals, fromlist, level)
    def write_guard(obj):
        if isinstance(obj, (dict, list)):
            return obj
        raise TypeError("code skills may only modify dicts and lists they created")
    builtins = dict(safe_builtins)
    builtins.update(limited_builtins)
    builtins.update(utility_builtins)
    builtins.update({"__import__": guarded_import, "dict": dict, "list": list, "set": set, "min": min, "max": max,
                     "sum": sum, "any": any, "all": all, "enumerate": enumerate, "sorted": sorted, "map": map,
                     "filter": filter, "reversed": reversed})
    glb = {"__builtins__": builtins, "_getattr_": safer_getattr, "_getitem_": default_guarded_getitem,
           "_getiter_": default_guarded_getiter, "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
           "_unpack_sequence_": guarded_unpack_sequence, "_write_": write_guard,
           "_inplacevar_": lambda op, x, y: {"+=": x.__add__, "-=": x.__sub__, "*=": x.__mul__}[op](y),
           "__name__": "skill", "__metaclass__": type}
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (8, 8))
    try:
        code = compile_restricted(payload["code"], "<skill>", "exec")
        exec(code, glb)
        fn = glb.get("repair")
        if not callable(fn):
            raise NameError("a code skill must define repair(tool, args, error)")
        result = fn(payload["tool"], payload["args"], payload["error"])
        out = {"ok": True, "result": result}
    except RecursionError:
        out = {"ok": False, "error": "recursion limit exceeded"}
    except MemoryError:
        out = {"ok": False, "error": "memory limit exceeded"}
    except SyntaxError as exc:
        out = {"ok": False, "error": f"refused: {' '.join(str(exc).split())[:300]}"}
    except BaseException as exc:
        out = {"ok": False, "error": f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"}
    try:
        text = json.dumps(out)
    except (TypeError, ValueError):
        text = json.dumps({"ok": False, "error": "repair() returned something that is not JSON"})
    sys.stdout.write(text)
    """
)


class Sandbox(ABC):
    """Runs untrusted code skills."""

    @abstractmethod
    def run_repair(self, code: str, tool: str, args: dict[str, Any], error: str) -> dict[str, Any] | None:
        """Call the skill's ``repair(tool, args, error)``; returns new args or None. Raises `SandboxError`."""


class ProcessSandbox(Sandbox):
    """A fresh, resource-limited Python process per call.

    Args:
        cpu_s: CPU-time limit (RLIMIT_CPU).
        memory_mb: address-space limit (RLIMIT_AS).
        wall_s: wall-clock limit; the child is killed after it.
        imports: modules code skills may import.
    """

    def __init__(
        self, *, cpu_s: int = 2, memory_mb: int = 256, wall_s: float = 5.0, imports: tuple[str, ...] = ALLOWED_IMPORTS
    ) -> None:
        self.cpu_s = int(cpu_s)
        self.memory_mb = int(memory_mb)
        self.wall_s = float(wall_s)
        self.imports = tuple(imports)

    def run_repair(self, code: str, tool: str, args: dict[str, Any], error: str) -> dict[str, Any] | None:
        """Run the skill in the sandbox; new arguments, None (no repair), or `SandboxError`."""
        limits = {"cpu": self.cpu_s, "mem": self.memory_mb * 1024 * 1024, "imports": list(self.imports)}
        try:
            payload = json.dumps({"code": code, "tool": tool, "args": args, "error": error})
        except (TypeError, ValueError) as exc:
            raise SandboxError(f"arguments are not JSON: {exc}") from None
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": os.pathsep.join(p for p in sys.path if p), "LANG": "C.UTF-8"}
        try:
            proc = subprocess.run(
                [sys.executable, "-I", "-S", "-c", _SITE_BOOT + _RUNNER, json.dumps(limits)],
                input=payload,
                capture_output=True,
                text=True,
                timeout=self.wall_s,
                env=env,
                cwd="/",
            )
        except subprocess.TimeoutExpired:
            raise SandboxError(f"code skill stopped: wall-clock limit of {self.wall_s:g} s exceeded") from None
        if proc.returncode != 0 or not proc.stdout:
            reason = _describe_exit(proc.returncode, proc.stderr)
            raise SandboxError(f"code skill stopped: {reason}")
        try:
            out = json.loads(proc.stdout)
        except ValueError:
            raise SandboxError("code skill stopped: unreadable output") from None
        if not out.get("ok"):
            raise SandboxError(f"code skill failed: {out.get('error', 'unknown error')}")
        result = out.get("result")
        if result is None:
            return None
        if not isinstance(result, dict):
            raise SandboxError(f"repair() must return a dict of arguments or None, not {type(result).__name__}")
        return result


# -I ignores PYTHON* variables and user site; -S skips site, so put the venv's packages back explicitly
# (RestrictedPython lives there) from PYTHONPATH, which -I would otherwise ignore.
_SITE_BOOT = "import os, sys\nsys.path[:0] = [p for p in os.environ.get('PYTHONPATH', '').split(os.pathsep) if p]\n"


def _describe_exit(code: int, stderr: str) -> str:
    if code in (-9, -24) or "CPU" in stderr:
        return "CPU-time limit exceeded"
    if "MemoryError" in stderr or code == -6:
        return "memory limit exceeded"
    tail = " ".join(stderr.split())[-200:]
    return f"exit status {code}" + (f" ({tail})" if tail else "")
