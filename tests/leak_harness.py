"""Shared by the secret-leak suites: run an episode that sends, fails and echoes arguments, then read
the library file's bytes (the database and its WAL) to check what reached the disk."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from skillevo import Evolver, SkillLibrary


def db_bytes(path: Path) -> bytes:
    """Every byte of the SQLite library at `path`, its WAL and shared-memory files included."""
    return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))


def run_two_episodes(db: Path, args: dict[str, Any], *, ensure_ascii: bool = True) -> None:
    """Two episodes that send `args`, see them quoted in an error, then echoed in a result."""
    lib = SkillLibrary(str(db))
    evo = Evolver(lib)
    for _ in range(2):
        with evo.episode(task="t") as ep:
            sent = ep.before_tool("call", args)
            ep.on_tool_error("call", sent, ValueError(f"rejected: {json.dumps(args, ensure_ascii=ensure_ascii)}"))
            ep.on_tool_result("call", sent, {"echo": args})
            ep.finish(reward=1.0)
    lib.close()
