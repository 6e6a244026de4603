"""A code skill learns no host path from the jail (attack36).

With the RestrictedPython guard off a skill holds the real ``sys`` and ``os``: the jail bound the
interpreter and its standard library at their host paths, so ``sys.executable``, ``sys.path``,
``sys.prefix``, a module's ``__file__`` and ``LD_LIBRARY_PATH`` told it where the host keeps its
Python (``/root/.pyenv/versions/3.11.7``: the account running the agent and how it was set up),
and a skill could carry that out in the arguments it returns. Now the interpreter, its standard
library and the shared libraries outside the system's own folders are bound at neutral paths
under ``/sandbox/python``, the same on every host.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest

from skillevo import ProcessSandbox

_PROBE = """
import os, sys
def repair(tool, args, error):
    return {"seen": [sys.executable, sys.prefix, sys.exec_prefix, sys.base_prefix, os.__file__,
                     *sys.path, *os.environ.values(), *os.listdir("/")]}
"""


@pytest.fixture(scope="module")
def open_sandbox(sandbox_unavailable: str | None) -> Iterator[ProcessSandbox]:
    if sandbox_unavailable:
        pytest.skip(sandbox_unavailable)
    with ProcessSandbox(guard=False) as sb:
        yield sb


def _host_folders() -> set[str]:
    # The host's own places for the interpreter: wherever they are on this machine.
    interpreter = os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)
    folders = {os.path.dirname(interpreter), os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)}
    return {f for f in folders if f not in ("/", "/usr", "/usr/bin", "/usr/local", "/usr/local/bin")}


def test_the_skill_sees_no_host_interpreter_path(open_sandbox: ProcessSandbox) -> None:
    got = open_sandbox.run_repair(_PROBE, "t", {}, "e")
    assert got is not None
    seen = [str(s) for s in got["seen"]]
    for folder in _host_folders():
        assert not [s for s in seen if folder in s], (folder, seen)
    assert got["seen"][0].startswith("/sandbox/python/")


def test_skills_still_run_with_the_standard_library(open_sandbox: ProcessSandbox) -> None:
    code = (
        "import json, decimal, datetime\ndef repair(tool, args, error):\n"
        "    return {'d': str(decimal.Decimal('1.10') + 1), 'j': json.dumps([1]),\n"
        "            'y': datetime.date(2025, 3, 14).isoformat()}\n"
    )
    assert open_sandbox.run_repair(code, "t", {}, "e") == {"d": "2.10", "j": "[1]", "y": "2025-03-14"}
