"""Durability faults an operator meets: the library file deleted or replaced under a running
library, and a `durability="sync"` write that cannot get the write lock."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from skillevo import Episode, LibraryError, SkillLibrary, _sql_store


def _ids(path: Path) -> set[str]:
    with SkillLibrary(path) as lib:
        return {e.id for e in lib.episodes()}


@pytest.mark.parametrize("how", ["deleted", "replaced"])
def test_writes_to_a_library_file_deleted_or_replaced_are_refused_and_kept(tmp_path: Path, how: str) -> None:
    path = tmp_path / "lib.db"
    lib = SkillLibrary(path)
    lib._behind.linger_s = 3600.0  # type: ignore[attr-defined]  # one batch, written by the flush below
    lib.save_episode(Episode(id="before", task="t"))
    lib.record_episode(Episode(id="queued", task="t"))
    shutil.copy(path, tmp_path / "copy.db")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    if how == "replaced":
        os.replace(tmp_path / "copy.db", path)  # another inode where the library was
    with pytest.raises(LibraryError, match="deleted or replaced") as info:
        lib.flush()
    assert "\n" not in str(info.value)
    assert len(lib._behind) == 1  # type: ignore[attr-defined]  # the record stays queued
    with pytest.raises(LibraryError, match="deleted or replaced"):
        lib.save_episode(Episode(id="after", task="t"))
    if how == "replaced":
        assert not {"queued", "after"} & _ids(path)  # the file now at the path was not written either


@pytest.mark.parametrize("bound", ["timeout", "sync wait"])
def test_a_sync_write_that_cannot_get_the_lock_keeps_the_episode_queued(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bound: str
) -> None:
    path = tmp_path / "lib.db"
    SkillLibrary(path).close()
    if bound == "timeout":  # the library's own lock timeout is the shorter
        lib = SkillLibrary(path, durability="sync", timeout=0.05)
    else:  # the default 60 s timeout: a sync write still gives up after SYNC_WAIT_S
        monkeypatch.setattr(_sql_store, "SYNC_WAIT_S", 0.05)
        lib = SkillLibrary(path, durability="sync")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    with pytest.raises(LibraryError, match=r"locked.*stay queued") as info:
        lib.record_episode(Episode(id="e1", task="t"))
    assert "\n" not in str(info.value)
    holder.execute("ROLLBACK")
    holder.close()
    lib.record_episode(Episode(id="e2", task="t"))  # the queue goes first, then this one
    lib.close()
    assert _ids(path) == {"e1", "e2"}
