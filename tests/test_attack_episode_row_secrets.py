"""A value an episode sent under a secret name (``password``) is hidden in its episode row too, not
only in its events: the task and the metadata that quote it ("her code is ...") reached the file
as they were, on every road that writes the row (a queued record, a sync one, one with nested
metadata, the save `finish` makes before mining, a group's advantages written later)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from skillevo import Evolver, SkillLibrary

CODE = "correcthorse-battery-77x"  # no secret shape: known only because it was sent as `password`


def _files(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in db.parent.iterdir() if p.name.startswith(db.name))


def _run(evo: Evolver, metadata: dict[str, Any], *, fail: bool = False) -> str:
    ep = evo.episode(task=f"sign in as ana; her code is {CODE}", metadata=metadata)
    args = ep.before_tool("login", {"user": "ana", "password": CODE})
    if fail:
        ep.on_tool_error("login", args, "Error: account locked, try again later")
    else:
        ep.on_tool_result("login", args, "welcome")
    ep.finish(1.0)
    return ep.id


@pytest.mark.parametrize("durability", ["batched", "sync"])
@pytest.mark.parametrize(
    "metadata", [{"note": f"code {CODE}"}, {"notes": [f"code {CODE}"], "run": "r1"}], ids=["flat", "nested"]
)
def test_the_row_hides_what_the_episode_sent_as_a_secret(tmp_path: Path, durability: str,
                                                         metadata: dict[str, Any]) -> None:
    db = tmp_path / "lib.db"
    with SkillLibrary(db, durability=durability) as lib:  # type: ignore[arg-type]
        episode_id = _run(Evolver(lib, miner=None, sandbox=None), metadata)
        stored = lib.episode(episode_id)
        assert CODE not in stored.task and CODE not in repr(stored.metadata)
        assert stored.task.startswith("sign in as ana")
    assert CODE.encode() not in _files(db)


def test_the_row_saved_before_mining_hides_it(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    with SkillLibrary(db) as lib:
        evo = Evolver(lib, sandbox=None, mining="inline")
        episode_id = _run(evo, {"note": f"code {CODE}"}, fail=True)
        assert CODE not in lib.episode(episode_id).task
    assert CODE.encode() not in _files(db)


def test_a_groups_advantages_written_later_keep_it_hidden(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    with SkillLibrary(db) as lib:
        evo = Evolver(lib, miner=None, sandbox=None)
        with evo.group(task=f"sign in as ana; her code is {CODE}", size=2) as group:
            for reward in (0.0, 1.0):
                ep = group.episode()
                ep.before_tool("login", {"user": "ana", "password": CODE})
                ep.finish(reward)
        stored = lib.episodes(group_id=group.id)
        assert len(stored) == 2 and all("advantage" in e.metadata and CODE not in e.task for e in stored)
    assert CODE.encode() not in _files(db)


@pytest.mark.parametrize("durability", ["batched", "sync"])
def test_unbuildable_events_with_nested_metadata_are_refused_as_before(tmp_path: Path, durability: str) -> None:
    from skillevo import EventKind, LibraryError

    with SkillLibrary(tmp_path / "lib.db", durability=durability) as lib:  # type: ignore[arg-type]
        evo = Evolver(lib, miner=None, sandbox=None)
        ep = evo.episode(task="t", metadata={"tags": ["a"]})
        ep._rec.log(EventKind.TOOL_CALL, "lookup", None, value=object())  # no JSON value
        with pytest.raises(LibraryError):  # never a bare ValueError out of finish()
            ep.finish(1.0)
            lib.flush()
