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


def error_outputs(
    folder: Path, tool: str, args: dict[str, Any], message: str, correct: dict[str, Any] | None = None,
    *, task: str = "t",
) -> tuple[str, str, str]:
    """Four episodes in which a call of `tool` fails with `message` (then, with `correct`, succeeds
    corrected), mined inline: (every prompt's guidance, every stored version and the SKILL.md export,
    the library diff report as Markdown and HTML)."""
    from skillevo._diff import library_diff

    prompts: list[str] = []
    with SkillLibrary(str(folder / "lib.db")) as lib:
        evo = Evolver(lib, seed=0, mining="inline")
        for _ in range(4):
            with evo.episode(task=task) as ep:
                prompts.append(ep.guidance() or "")
                sent = ep.before_tool(tool, dict(args))
                ep.on_tool_error(tool, sent, ValueError(message))
                prompts.append(ep.guidance() or "")
                if correct is not None:
                    fixed = ep.before_tool(tool, dict(correct))
                    ep.on_tool_result(tool, fixed, {"ok": True})
                ep.finish(reward=1.0 if correct else 0.0)
        lib.flush()
        stored = "\n".join(v.model_dump_json() for s in lib.skills() for v in s.versions)
        exported = "\n".join(p.read_text() for p in lib.export_skills(folder / "export") if p.is_file())
        report = library_diff(None, lib)
        return "\n".join(prompts), stored + exported, report.to_markdown() + report.to_html()


def echo_episodes(db: Path, args: dict[str, Any], echo: str, *, raw: bool = False) -> bytes:
    """Two sign-in episodes whose tool echoes `echo` in its error and its result (`raw`: also as a
    bare member of the result); every byte of the library afterwards."""
    with SkillLibrary(str(db)) as lib:
        evo = Evolver(lib, seed=0)
        for _ in range(2):
            with evo.episode(task="sign in") as ep:
                sent = ep.before_tool("sign_in", args)
                ep.on_tool_error("sign_in", sent, ValueError(f"rejected: no match for {echo}"))
                result = {"detail": f"last attempt used {echo}"} | ({"raw": echo} if raw else {})
                ep.on_tool_result("sign_in", sent, result)
                ep.finish(reward=1.0)
        lib.flush()
    return db_bytes(db)
