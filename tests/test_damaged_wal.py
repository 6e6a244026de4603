"""A library whose write-ahead log was damaged or cut short while no process had it open (a crash,
then a bad disk, a partial copy, a bit flip): SQLite's replay stops at the first bad frame and
drops every committed transaction after it without a word. skillevo says so, keeps the log aside,
and opens with what came before."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from skillevo import Episode, SkillLibrary

_FRAME = 24 + 4096  # a frame's header and one page (the library's page size)


def _frames(path: Path) -> int:
    return (Path(f"{path}-wal").stat().st_size - 32) // _FRAME


def _crashed_copy(tmp_path: Path, n: int) -> tuple[Path, int]:
    """A library with `n` episodes saved one transaction each, as a crash leaves it: the log not
    yet folded into the file (the files copied while the writer has them open); and the first
    frame of the log written after half of them."""
    path = tmp_path / "live.db"
    lib = SkillLibrary(path)
    lib._conn.execute("PRAGMA wal_autocheckpoint = 0")  # type: ignore[attr-defined]  # keep every frame in the log
    half = 0
    for i in range(n):
        lib.save_episode(Episode(id=f"e{i}", task="t"))
        half = half or (_frames(path) if i == n // 2 else 0)
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    for suffix in ("", "-wal", "-shm"):
        shutil.copyfile(f"{path}{suffix}", crashed / f"lib.db{suffix}")
    lib.close()
    return crashed / "lib.db", half


def _ids(path: Path) -> set[str]:
    with SkillLibrary(path) as lib:
        return {e.id for e in lib.episodes()}


@pytest.mark.parametrize("where", ["frame", "header"])
@pytest.mark.parametrize("index", [False, True], ids=["log-only", "with-index"])
def test_a_bit_flipped_log_frame_is_reported_and_the_log_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, index: bool, where: str
) -> None:
    path, half = _crashed_copy(tmp_path, 12)
    if not index:
        Path(f"{path}-shm").unlink()  # what a copy of the file and its log alone leaves
    wal = Path(f"{path}-wal")
    data = bytearray(wal.read_bytes())
    # inside the page of a frame half-way through, or the log's magic number (the whole log is dropped)
    at = 32 + half * _FRAME + 24 + 100 if where == "frame" else 3
    data[at] ^= 0x01
    wal.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="skillevo"):
        kept = _ids(path)
    assert len(kept) < 12  # SQLite leaves out what follows the damage ...
    warnings = [r.getMessage() for r in caplog.records if "write-ahead log" in r.getMessage()]
    assert len(warnings) == 1 and "\n" not in warnings[0]  # ... and skillevo says so, once
    assert "committed" in warnings[0] and "lib.db-wal.damaged" in warnings[0]
    assert Path(f"{wal}.damaged").read_bytes() == bytes(data)  # the log as found, for recovery


def test_a_log_cut_short_is_reported_when_the_index_says_what_was_committed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path, half = _crashed_copy(tmp_path, 12)
    wal = Path(f"{path}-wal")
    with wal.open("r+b") as fh:
        fh.truncate(32 + half * _FRAME)  # on a frame's boundary: no frame is damaged
    with caplog.at_level(logging.WARNING, logger="skillevo"):
        kept = _ids(path)
    assert len(kept) < 12
    assert [r for r in caplog.records if "write-ahead log" in r.getMessage()]


def test_a_crash_without_damage_or_a_write_cut_off_is_no_loss(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    whole, cut = _crashed_copy(tmp_path / "a", 12)[0], _crashed_copy(tmp_path / "b", 12)[0]
    Path(f"{cut}-shm").unlink()
    with Path(f"{cut}-wal").open("r+b") as fh:  # the last write cut off after its frame's header
        fh.truncate(Path(f"{cut}-wal").stat().st_size - _FRAME + 24)
    with caplog.at_level(logging.WARNING, logger="skillevo"):
        assert _ids(whole) == {f"e{i}" for i in range(12)}
        assert len(_ids(cut)) == 11
    assert not [r for r in caplog.records if "write-ahead log" in r.getMessage()]
    assert not list(tmp_path.rglob("*.damaged*"))


def test_a_log_another_process_or_library_has_open_is_not_judged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the open that replays the log judges it: a live writer's log may end in a frame being
    written. Another process with the file open holds the WAL index's dead-man-switch byte; a
    library of this process with it open is known here (and closing a descriptor of the index of
    our own would drop that library's locks, so it is not even looked at)."""
    import subprocess
    import sys

    from skillevo import _wal

    path = tmp_path / "lib.db"
    SkillLibrary(path).close()
    live = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
         "c.execute('SELECT count(*) FROM episodes').fetchall(); print('open', flush=True); sys.stdin.read()",
         str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
    )
    try:
        assert live.stdout is not None and live.stdout.readline().strip() == b"open"
        assert _wal.recovery_owner(path) is False
    finally:
        live.kill()
        live.wait()
    assert _wal.recovery_owner(path) is True
    looked: list[Path] = []
    monkeypatch.setattr(_wal, "recovery_owner", lambda p: looked.append(p) or True)
    with SkillLibrary(path):
        Path(f"{path}-wal").touch()  # a log, as a library that is writing has
        looked.clear()
        with SkillLibrary(path):
            assert looked == []


def test_a_writer_that_opened_the_library_during_the_check_is_not_judged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process may open the library (a second worker starting after the same crash) between
    the look at who has it open and the reading of the replayed log: its log may then end in a
    transaction it is committing (frames written, the index not yet), which is no loss, and a live
    log is not copied."""
    import subprocess
    import sys

    from skillevo import _integrity

    path, _ = _crashed_copy(tmp_path, 4)
    wal = Path(f"{path}-wal")
    real = _integrity._quick_check
    live: list[subprocess.Popen[bytes]] = []

    def check_then_a_writer_opens(conn: object, budget_s: float) -> str | None:
        found = real(conn, budget_s)  # type: ignore[arg-type]
        writer = subprocess.Popen(
            [sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
             "c.execute('UPDATE episodes SET task = task'); print('open', flush=True); sys.stdin.read()",
             str(path)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )
        live.append(writer)
        assert writer.stdout is not None and writer.stdout.readline().strip() == b"open"
        last = wal.read_bytes()[-_FRAME:]
        with wal.open("ab") as fh:  # its next transaction's frames, the index not yet updated
            fh.write(last + last)
        return found

    monkeypatch.setattr(_integrity, "_quick_check", check_then_a_writer_opens)
    try:
        with caplog.at_level(logging.WARNING, logger="skillevo"):
            _integrity.check_existing_file(path, replays_log=True)
    finally:
        for writer in live:
            writer.kill()
            writer.wait()
    assert live
    assert not [r for r in caplog.records if "write-ahead log" in r.getMessage()]
    assert not list(tmp_path.rglob("*.damaged*"))
