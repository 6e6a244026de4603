"""The spill journal (`skillevo._spill`) is not a way in: what a replay writes is limited to what the
queue itself journals, and only a folder and files that are this user's own and private are read.

The attack: a local attacker (or a hostile environment) plants a journal line for the library. Two
classes. (1) A forged record in the library's journal whose events are decisions the queue never
journals (a review that approves a version, a lifecycle activation, a policy change, a training mark,
a proposal) or that speaks for another episode: before 2026-12-07, 6 of 6 forged records reached the
``events`` table on the next open (a review event approves a version under gated review and clears
its ``pending_review``). (2) A journal folder or file that is not this user's private one: the
folder a symbolic link to another folder, writable by others, owned by another user, or a file
owned by another user, writable by others or a symbolic link: before, 6 of 6 planted files were
replayed into the library. Now 0 of 6 and 0 of 6: each is skipped and reported in one line, the
queue's own records still written, and no run fails.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from skillevo import SkillLibrary

_OTHER_UID = 65534  # "nobody": another local user


def _line(episode_id: str, kind: str = "tool_call", event_episode: str | None = None, version: str | None = None,
          data: dict[str, object] | None = None) -> str:
    row = [episode_id, "task", None, None, 1.0, 2.0, 1.0, "[]", "{}"]
    event = [1.5, kind, event_episode or episode_id, "login", version, json.dumps(data or {"args": {"user": "u"}})]
    return json.dumps({"r": {"e": row, "v": [event], "k": f"key-{episode_id}"}}) + "\n"


def _plant(folder: Path, text: str, name: str = "1-00000000.jsonl") -> Path:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    os.chmod(path, 0o600)
    return path


def _events(db: Path, episode_id: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM events WHERE episode_id = ?", (episode_id,)).fetchone()[0])


def _episodes(db: Path, episode_id: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM episodes WHERE id = ?", (episode_id,)).fetchone()[0])


def _replayed(db: Path) -> None:
    lib = SkillLibrary(db)
    lib.episodes()  # a read writes what the journal holds first
    lib.close()


FORGED = {
    "review": lambda v: _line("forged-review", "review", version=v, data={"to": "active", "actor": "cli"}),
    "lifecycle": lambda v: _line("forged-life", "lifecycle", version=v,
                                 data={"from": "testing", "to": "active", "actor": "lifecycle"}),
    "policy": lambda v: _line("forged-policy", "policy_change", data={"policy": "p2"}),
    "train": lambda v: _line("forged-train", "train", data={"stage": "sft"}),
    "proposal": lambda v: _line("forged-proposal", "proposal", version=v, data={"miner": "m"}),
    "other episode": lambda v: _line("forged-other", "tool_result", event_episode="someone-elses"),
}


@pytest.mark.parametrize("case", sorted(FORGED))
def test_a_forged_record_the_queue_never_journals_is_skipped(tmp_path: Path, case: str,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "lib.db"
    SkillLibrary(db).close()
    forged = FORGED[case]("v-1")
    episode_id = json.loads(forged)["r"]["e"][0]
    _plant(Path(f"{db}.journal"), _line("legit") + forged)
    with caplog.at_level(logging.ERROR, logger="skillevo"):
        _replayed(db)
    assert _episodes(db, "legit") == 1  # the queue's own record is written
    assert _episodes(db, episode_id) == 0 and _events(db, episode_id) == 0 and _events(db, "someone-elses") == 0
    assert any("skipped" in r.getMessage() for r in caplog.records)


def _symlinked_folder(db: Path) -> None:
    elsewhere = db.parent / "attacker"
    _plant(elsewhere, _line("planted"))
    Path(f"{db}.journal").symlink_to(elsewhere)


def _open_folder(db: Path) -> None:
    folder = Path(f"{db}.journal")
    _plant(folder, _line("planted"))
    os.chmod(folder, 0o777)


def _foreign_folder(db: Path) -> None:
    folder = Path(f"{db}.journal")
    _plant(folder, _line("planted"))
    os.chown(folder, _OTHER_UID, _OTHER_UID)


def _foreign_file(db: Path) -> None:
    os.chown(_plant(Path(f"{db}.journal"), _line("planted")), _OTHER_UID, _OTHER_UID)


def _open_file(db: Path) -> None:
    os.chmod(_plant(Path(f"{db}.journal"), _line("planted")), 0o666)


def _symlinked_file(db: Path) -> None:
    elsewhere = _plant(db.parent / "attacker", _line("planted"))
    Path(f"{db}.journal", "2-00000000.jsonl").symlink_to(elsewhere)


PLANTED: dict[str, Callable[[Path], None]] = {
    "symlinked folder": _symlinked_folder, "folder writable by others": _open_folder,
    "folder of another user": _foreign_folder, "file of another user": _foreign_file,
    "file writable by others": _open_file, "symlinked file": _symlinked_file,
}


@pytest.mark.parametrize("case", sorted(PLANTED))
def test_a_journal_that_is_not_this_users_own_is_not_replayed(tmp_path: Path, case: str,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    if case.endswith("another user") and os.geteuid() != 0:
        pytest.skip("making a file another user's needs root")
    db = tmp_path / "lib.db"
    SkillLibrary(db).close()
    if case == "symlinked file":
        Path(f"{db}.journal").mkdir(mode=0o700)
    PLANTED[case](db)
    with caplog.at_level(logging.ERROR, logger="skillevo"):
        _replayed(db)
    assert _episodes(db, "planted") == 0
    assert any("journal" in r.getMessage() for r in caplog.records)
