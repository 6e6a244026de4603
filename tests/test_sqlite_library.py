"""SQLite-specific guarantees: refusing foreign files, schema versions, many writers, crashes."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from skillevo import LibraryError, SchemaVersionError, SkillLibrary


def test_corrupt_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "skills.db"
    data = b"SQLite format 3\x00" + random.Random(7).randbytes(4000)
    path.write_bytes(data)
    with pytest.raises(LibraryError, match=r"skills\.db"):
        SkillLibrary(path)
    assert path.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["skills.db"]


def test_non_sqlite_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("my notes\n")
    with pytest.raises(LibraryError, match="not a SQLite database"):
        SkillLibrary(path)
    assert path.read_text() == "my notes\n"


def test_foreign_sqlite_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(LibraryError, match="other application"):
        SkillLibrary(path)
    assert path.read_bytes() == before


def test_newer_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    SkillLibrary(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_version (version) VALUES (999)")
    conn.commit()
    conn.close()
    with pytest.raises(SchemaVersionError, match="999"):
        SkillLibrary(path)


def test_migrations_are_idempotent_and_reopen_keeps_data(tmp_path: Path) -> None:
    from skillevo import Strategy, Trigger

    path = tmp_path / "lib.db"
    with SkillLibrary(path) as lib:
        lib.add_skill("a", Trigger(), Strategy(guidance="g"))
        version = lib.schema_version
    with SkillLibrary(path) as lib:
        assert lib.schema_version == version
        assert [s.name for s in lib.skills()] == ["a"]


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LibraryError, match="does not exist"):
        SkillLibrary(tmp_path / "no" / "such" / "lib.db")


WRITER = textwrap.dedent(
    """
    import sys
    from skillevo import Episode, Event, EventKind, SkillLibrary
    path, worker, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    lib = SkillLibrary(path)
    for i in range(n):
        ep = Episode(id=f"w{worker}-{i}", task=f"task {i}")
        lib.save_episode(ep, [Event(kind=EventKind.TOOL_CALL, tool="t", data={"i": i}),
                              Event(kind=EventKind.TOOL_RESULT, tool="t", data={"i": i})])
        print(ep.id, flush=True)
    lib.close()
    """
)


def _spawn(path: Path, worker: int, n: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), str(worker), str(n)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_eight_processes_write_concurrently_without_loss(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    SkillLibrary(path).close()
    procs = [_spawn(path, w, 500) for w in range(8)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert "database is locked" not in err
    with SkillLibrary(path) as lib:
        assert lib.count_episodes() == 4000
        assert lib.count_events() == 8000
        ids = {e.id for e in lib.episodes()}
        assert ids == {f"w{w}-{i}" for w in range(8) for i in range(500)}
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_sigkilled_writer_loses_no_returned_write(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    SkillLibrary(path).close()
    proc = _spawn(path, 0, 100_000)
    assert proc.stdout is not None
    confirmed: list[str] = []
    deadline = time.monotonic() + 60
    while len(confirmed) < 300 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line:
            confirmed.append(line.strip())
    proc.send_signal(signal.SIGKILL)
    rest, _ = proc.communicate(timeout=30)
    confirmed.extend(x for x in rest.split() if x)
    assert len(confirmed) >= 300
    with SkillLibrary(path) as lib:
        stored = {e.id for e in lib.episodes()}
    assert set(confirmed) <= stored
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


# ---------------------------------------------------------------- recorded (write-behind) episodes


def _record(lib: SkillLibrary, task: str) -> str:
    from skillevo import Episode, Event, EventKind

    ep = Episode(task=task)
    lib.record_episode(ep, [Event(kind=EventKind.TOOL_CALL, tool="t", data={"task": task})])
    return ep.id


def test_recorded_episode_reaches_other_processes_without_a_flush(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    lib = SkillLibrary(path)
    other = SkillLibrary(path)
    ep_id = _record(lib, "background")
    deadline = time.monotonic() + 30
    while other.count_episodes() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [e.id for e in other.episodes()] == [ep_id]  # written by the background thread
    other.close()
    lib.close()


def test_a_failed_background_write_loses_nothing_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    SkillLibrary(path).close()
    lib = SkillLibrary(path, timeout=0.05)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    ep_id = _record(lib, "while locked")
    with pytest.raises(LibraryError, match=r"1 recorded episodes could not be written .*locked.*stay queued"):
        lib.flush()
    with pytest.raises(LibraryError, match="stay queued"):
        lib.close()  # refuses to close with episodes unwritten
    holder.execute("ROLLBACK")
    holder.close()
    assert [e.id for e in lib.episodes()] == [ep_id]  # the next read writes them first
    lib.close()
    with SkillLibrary(path) as again:
        assert again.count_episodes() == 1 and again.count_events() == 1


def test_close_writes_recorded_episodes_and_then_refuses_more(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    lib = SkillLibrary(path)
    ids = {_record(lib, f"t{i}") for i in range(50)}
    lib.close()
    with pytest.raises(LibraryError, match="closed"):
        _record(lib, "late")
    with SkillLibrary(path) as again:
        assert {e.id for e in again.episodes()} == ids


def test_recorded_episodes_are_written_at_interpreter_exit(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    SkillLibrary(path).close()
    script = textwrap.dedent(
        """
        import sys
        from skillevo import Episode, SkillLibrary
        lib = SkillLibrary(sys.argv[1])
        lib._behind.linger_s = 3600.0  # the background thread would not get to it
        for i in range(20):
            lib.record_episode(Episode(id=f"e{i}", task="t"))
        """
    )
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with SkillLibrary(path) as lib:
        assert {e.id for e in lib.episodes()} == {f"e{i}" for i in range(20)}


def test_a_full_queue_is_written_by_the_caller_and_its_failure_raises_there(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    SkillLibrary(path).close()
    lib = SkillLibrary(path, timeout=0.05)
    lib._behind.max_pending = 3
    lib._behind.linger_s = 3600.0  # the background thread does not get to them: deterministic
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    first = [_record(lib, "a"), _record(lib, "b")]  # queued: the caller does not wait
    with pytest.raises(LibraryError, match="3 recorded episodes could not be written"):
        _record(lib, "c")  # the third fills the queue: this caller writes it, and says it failed
    holder.execute("ROLLBACK")
    holder.close()
    lib.close()
    with SkillLibrary(path) as again:
        stored = [e.task for e in again.episodes()]
    assert sorted(stored) == ["a", "b", "c"] and first[0] != first[1]


def test_the_writer_thread_ends_when_idle_and_comes_back(tmp_path: Path) -> None:
    with SkillLibrary(tmp_path / "lib.db") as lib:
        lib._behind.idle_s = 0.02
        _record(lib, "one")
        deadline = time.monotonic() + 30
        while lib._behind._thread is not None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert lib._behind._thread is None  # nothing holds the library alive now
        _record(lib, "two")
        assert lib._behind._thread is not None
        assert sorted(e.task for e in lib.episodes()) == ["one", "two"]


def test_a_large_batch_of_recorded_episodes_is_written_whole(tmp_path: Path) -> None:
    from skillevo import Episode, Event, EventKind

    with SkillLibrary(tmp_path / "lib.db") as lib:
        lib._behind.linger_s = 3600.0  # one batch, drained by the read below
        for i in range(300):  # more rows than one statement takes
            lib.record_episode(Episode(id=f"e{i:03}", task="t"),
                               [Event(kind=EventKind.TOOL_CALL, tool="t", data={"i": i, "j": j}) for j in range(3)])
        assert lib.count_episodes() == 300
        events = lib.events()
        assert [(e.episode_id, e.data["i"], e.data["j"]) for e in events] == [
            (f"e{i:03}", i, j) for i in range(300) for j in range(3)
        ]
