"""An episode's task is stored bounded: a huge task (a pasted document, a runaway prompt) is
redacted and cut to `TASK_MAX_CHARS` on every road that writes its row, so neither the file nor the
thread that writes it (holding the store's lock) pays for its whole length."""

from __future__ import annotations

from pathlib import Path

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._store_common import TASK_MAX_CHARS

KEY = "sk-live-" + "a1B2c3D4e5F6g7H8i9J0" * 2  # an API key's shape: redacted wherever it is


def _files(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in db.parent.iterdir() if p.name.startswith(db.name))


@pytest.mark.parametrize("durability", ["batched", "sync"])
@pytest.mark.parametrize("metadata", [None, {"tags": ["a", "b"]}], ids=["plain", "nested-metadata"])
def test_a_huge_task_is_stored_redacted_and_cut(tmp_path: Path, durability: str, metadata: dict[str, list[str]] | None
                                                ) -> None:
    task = f"summarise this for {KEY}: " + "lorem ipsum dolor " * 200_000 + "THE-END-MARK"
    db = tmp_path / "lib.db"
    with SkillLibrary(db, durability=durability) as lib:  # type: ignore[arg-type]
        evo = Evolver(lib, miner=None, sandbox=None)
        ep = evo.episode(task=task, metadata=metadata)
        args = ep.before_tool("lookup", {"q": "x"})
        ep.on_tool_result("lookup", args, "found")
        ep.finish(1.0)
        assert ep.episode.task == task  # the run itself still sees the whole task
        stored = lib.episode(ep.id)
    assert stored.task.startswith("summarise this for [REDACTED")
    assert len(stored.task) <= TASK_MAX_CHARS + 1 and stored.task.endswith("…")
    data = _files(db)
    assert KEY.encode() not in data and b"THE-END-MARK" not in data


def test_a_short_task_is_stored_whole(tmp_path: Path) -> None:
    with SkillLibrary(tmp_path / "lib.db") as lib:
        ep = Evolver(lib, miner=None, sandbox=None).episode(task="book a room for two")
        ep.finish(1.0)
        assert lib.episode(ep.id).task == "book a room for two"
