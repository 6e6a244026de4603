"""Durability faults an operator meets: the library file deleted or replaced under a running
library, and a `durability="sync"` write that cannot get the write lock."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from skillevo import Episode, LibraryError, SkillLibrary, _sql_batch, _writebehind


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
    behind = lib._behind  # type: ignore[attr-defined]
    assert len(behind) + len(behind._journal.held()) == 1  # the record stays queued (on disk, in the journal)
    with pytest.raises(LibraryError, match="deleted or replaced"):
        lib.save_episode(Episode(id="after", task="t"))
    if how == "replaced":
        assert not {"queued", "after"} & _ids(path)  # the file now at the path was not written either
    with pytest.raises(LibraryError, match="deleted or replaced"):
        lib.close()  # refused too: closing would lose the queued record without a word
    assert len(behind) + len(behind._journal.held()) == 1
    # Such a library is reported at interpreter exit (`test_records_no_file_can_take_are_reported_at_exit`);
    # this test's process ends its queue here, so the report does not fall on the rest of the suite.
    lib._behind._end_thread()  # type: ignore[attr-defined]
    assert lib._behind not in _writebehind._LIVE  # type: ignore[attr-defined]


def test_records_no_file_can_take_are_reported_at_exit_once(tmp_path: Path) -> None:
    """A process that ends with records queued for a deleted library file says so on stderr, once,
    with the count and the reason, and still exits normally."""
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from skillevo import Episode, SkillLibrary
        path = Path({str(tmp_path / "lib.db")!r})
        lib = SkillLibrary(path)
        lib._behind.linger_s = 3600.0
        lib.save_episode(Episode(id="before", task="t"))
        lib.record_episode(Episode(id="queued", task="t"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{{path}}{{suffix}}").unlink(missing_ok=True)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    # Kept, not lost: moved to the journal (on disk) when the write was refused, for the next
    # process that opens the library (before 2026-12-07: "1 queued records were lost at exit").
    assert lines[0].startswith(f"skillevo: {tmp_path / 'lib.db'}: 1 recorded episodes could not be written (")
    assert "deleted or replaced" in lines[0] and lines[0].endswith("the next process to open it writes them")


@pytest.mark.parametrize("bound", ["timeout", "sync wait"])
def test_a_sync_write_that_cannot_get_the_lock_keeps_the_episode_queued(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bound: str
) -> None:
    path = tmp_path / "lib.db"
    SkillLibrary(path).close()
    if bound == "timeout":  # the library's own lock timeout is the shorter
        lib = SkillLibrary(path, durability="sync", timeout=0.05)
    else:  # the default 60 s timeout: a sync write still gives up after QUEUE_WAIT_S
        monkeypatch.setattr(_sql_batch, "QUEUE_WAIT_S", 0.05)
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


def test_reads_on_the_agents_path_go_on_while_a_write_is_refused(tmp_path: Path) -> None:
    """A record the store refuses stays queued and its writer is told; the reads an agent's tool
    call makes (trigger matches) do not fail in its place. Before, on a full disk, the second
    episode's ``on_tool_result`` raised the first episode's write error."""
    from skillevo import Evolver

    path = tmp_path / "lib.db"
    SkillLibrary(path).close()
    lib = SkillLibrary(path, durability="sync", timeout=0.05)
    evo = Evolver(lib, miner=None, sandbox=None, cache_ttl_s=0.0)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    with pytest.raises(LibraryError, match="locked"):
        lib.record_episode(Episode(id="e1", task="t"))
    ep = evo.episode(task="next")
    ep.before_tool("lookup", {"q": 1})
    ep.on_tool_result("lookup", {"q": 1}, {"rows": []})  # reads the library: no error
    assert ep.guidance(["lookup"]) == ""
    assert lib.skills() == [] and len(lib._behind) == 1  # type: ignore[attr-defined]
    with pytest.raises(LibraryError, match="locked"):
        ep.finish(1.0)  # the write is refused: told to the writer
    holder.execute("ROLLBACK")
    holder.close()
    lib.close()
    assert "e1" in _ids(path)


FULL_DISK = textwrap.dedent(
    """
    import resource, signal, sys
    from skillevo import LibraryError, SkillLibrary
    from skillevo.cli import main
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG), as on a full disk
    resource.setrlimit(resource.RLIMIT_FSIZE, (16384, 16384))
    try:
        SkillLibrary(sys.argv[1])
    except LibraryError as exc:
        print("open:", exc)
    sys.exit(main(["stats", "--db", sys.argv[1]]))
    """
)


def test_a_library_on_a_full_disk_is_read_by_the_reading_commands(tmp_path: Path) -> None:
    """A closed library on a disk that filled up since: SQLite cannot create its WAL files, so it
    cannot be opened to write. Before, that was "cannot use lib.db as a skill library: disk I/O
    error" (as a damaged file is), and `skillevo stats` exited 1; the reading commands now read it
    read-only, and the library's error says what it is."""
    pytest.importorskip("resource")
    path = tmp_path / "lib.db"
    with SkillLibrary(path) as lib:
        lib.save_episode(Episode(id="e1", task="t"))
    done = subprocess.run([sys.executable, "-c", FULL_DISK, str(path)], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    opened = [line for line in done.stdout.splitlines() if line.startswith("open:")]
    assert len(opened) == 1 and "as a skill library" not in opened[0], done.stdout
    assert "cannot be opened to write" in opened[0] and "read_only=True" in opened[0]
    assert "1 episodes" in done.stdout
    assert "read-only" in done.stderr  # the command says why it only reads
    assert _ids(path) == {"e1"}  # untouched, and opened to write again once there is room


def test_a_held_lock_holds_up_no_batched_call_on_the_agents_path_for_the_queues_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process holds the write lock. With ``durability="batched"`` neither the background
    write nor a recording caller may wait on the agent's path for the queue's whole lock wait
    (`QUEUE_WAIT_S`): the background thread holds the connection's lock meanwhile, which every
    read of a tool call waits for, and `finish()` wrote the queue itself once a background write
    had failed. Each waited 5 s. Every write the queue makes here must ask for a short wait
    (`BACKGROUND_WAIT_S`, `PROBE_WAIT_S`); the library's lock timeout keeps this test short."""
    path = tmp_path / "lib.db"
    SkillLibrary(path).close()
    lib = SkillLibrary(path, timeout=1.0)  # batched
    waits: list[float] = []
    from skillevo import _sql_batch

    real = _sql_batch.write_batch

    def spy(store: object, batch: list[object], *, wait_s: float) -> None:
        waits.append(wait_s)
        real(store, batch, wait_s=wait_s)  # type: ignore[arg-type]

    monkeypatch.setattr(_sql_batch, "write_batch", spy)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    behind = lib._behind  # type: ignore[attr-defined]
    lib.record_episode(Episode(id="e1", task="t"))
    behind._wake.set()
    behind.linger_s = 0.0
    while not behind._failed:  # the background write, refused
        behind._stopped.wait(0.01)
    try:
        lib.record_episode(Episode(id="e2", task="t"))  # finish(): the caller writes the queue, and hears why
    except LibraryError as exc:
        assert "locked" in str(exc)
    assert lib.skills() == []  # a tool call's read goes on
    assert waits and max(waits) < _sql_batch.QUEUE_WAIT_S / 10
    holder.execute("ROLLBACK")
    holder.close()
    lib.close()  # close waits as long as it must: both are written
    assert _ids(path) == {"e1", "e2"}
