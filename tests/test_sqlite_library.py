"""SQLite-specific guarantees: refusing foreign files, schema versions, many writers, crashes."""

from __future__ import annotations

import os
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
    data = b"SQLite format 3\x00" + os.urandom(4000)
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
