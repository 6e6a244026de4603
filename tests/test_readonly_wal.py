"""A library on a read-only folder whose write-ahead log still holds committed transactions (a
crash left it, or the files were copied onto a read-only mount) and no WAL index (``-shm``):
SQLite cannot open it ``mode=ro`` (it cannot make the index), and ``immutable=1`` reads the main
file alone, ignoring the log. Every episode in the log was missing from reads and
``skillevo stats`` without a word (20 of 21 episodes). It is read whole now."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from skillevo import Episode, SkillLibrary


def _read_only_folder(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() == 0:  # root writes through permissions: a read-only mount instead
        mount = ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)]
        if subprocess.run(mount, capture_output=True).returncode:
            pytest.skip("cannot mount a tmpfs")
        try:
            yield folder
        finally:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)
        return
    yield folder


def _seal(folder: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
    else:
        folder.chmod(0o555)


@pytest.fixture
def ro_folder(tmp_path: Path) -> Iterator[Path]:
    yield from _read_only_folder(tmp_path)
    if os.geteuid() != 0:
        (tmp_path / "ro").chmod(0o755)


def _library_with_a_pending_log(src: Path, folder: Path) -> set[str]:
    """21 episodes: the first checkpointed into the file, 20 only in the log; copied with the log
    and without the index (as a copy of a crashed library's files is)."""
    lib = SkillLibrary(src / "lib.db", durability="sync")
    lib.save_episode(Episode(id="first", task="t"))
    lib._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[attr-defined]
    lib._conn.execute("PRAGMA wal_autocheckpoint = 0")  # type: ignore[attr-defined]  # keep the rest in the log
    for i in range(20):
        lib.save_episode(Episode(id=f"e{i}", task="t"))
    for suffix in ("", "-wal"):
        shutil.copyfile(f"{src}/lib.db{suffix}", folder / f"lib.db{suffix}")
    lib.close()
    return {"first"} | {f"e{i}" for i in range(20)}


def test_a_read_only_library_reads_the_transactions_in_its_log(tmp_path: Path, ro_folder: Path) -> None:
    expected = _library_with_a_pending_log(tmp_path, ro_folder)
    _seal(ro_folder)
    lib = SkillLibrary(ro_folder / "lib.db")
    try:
        assert lib.read_only
        assert {e.id for e in lib.episodes()} == expected
    finally:
        lib.close()
    out = subprocess.run(
        [sys.executable, "-c", "import sys; from skillevo.cli import main; sys.exit(main())",
         "stats", "--db", str(ro_folder / "lib.db"), "--json"],
        capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert '"episodes": 21' in out.stdout
    assert sorted(os.listdir(ro_folder)) == ["lib.db", "lib.db-wal"]  # nothing written beside it
