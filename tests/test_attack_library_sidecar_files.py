"""A library's path and the files SQLite keeps beside it are judged before SQLite opens them (attack36).

attack35 refused a library path that is a FIFO or a device. SQLite also opens the files beside it:
the write-ahead log (``-wal``), its index (``-shm``) and the rollback journal (``-journal``). A FIFO
left at ``lib.db-wal`` or ``lib.db-journal`` made every open of the library block forever in
SQLite's read of it, and SIGTERM did not end the process (the open is retried after the handler
runs). A path through a link loop or under a file raised a bare OSError, and ``load_config`` of a
folder a bare IsADirectoryError. Now each is one line of skillevo's own type, nothing written.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from skillevo import ConfigError, LibraryError, SkillLibrary
from skillevo._config import load_config

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _open_in_child(db: Path) -> subprocess.CompletedProcess[str]:
    # In a child: on the unfixed code this open never returns, and the child is killed at the timeout.
    code = textwrap.dedent(f"""
        from skillevo import LibraryError, SkillLibrary
        try:
            SkillLibrary({str(db)!r}).close()
            print("opened")
        except LibraryError as exc:
            print("refused:", exc)
    """)
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    try:
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    except subprocess.TimeoutExpired:
        pytest.fail(f"opening a library beside a FIFO at {db.name}-* never returned")


@pytest.mark.parametrize("suffix", ["-wal", "-journal", "-shm"])
@pytest.mark.parametrize("exists", [True, False])
def test_a_special_file_beside_the_library_is_refused(tmp_path: Path, suffix: str, exists: bool) -> None:
    db = tmp_path / "lib.db"
    if exists:
        SkillLibrary(db).close()
    os.mkfifo(f"{db}{suffix}")
    done = _open_in_child(db)
    assert done.returncode == 0, done.stderr
    out = done.stdout.strip()
    assert out.startswith("refused:") and "\n" not in out and suffix in out and "FIFO" in out
    assert db.exists() is exists  # nothing created


def test_a_folder_beside_the_library_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    SkillLibrary(db).close()
    (tmp_path / "lib.db-wal").mkdir()
    with pytest.raises(LibraryError) as caught:
        SkillLibrary(db)
    assert "\n" not in str(caught.value) and "-wal" in str(caught.value)


def test_a_path_through_a_link_loop_or_a_file_is_one_line(tmp_path: Path) -> None:
    os.symlink(tmp_path / "a", tmp_path / "b")
    os.symlink(tmp_path / "b", tmp_path / "a")
    (tmp_path / "f").write_text("x")
    for path in (tmp_path / "a", tmp_path / "f" / "lib.db"):
        with pytest.raises(LibraryError) as caught:
            SkillLibrary(path)
        assert "\n" not in str(caught.value) and str(path) in str(caught.value)


def test_a_config_that_is_a_folder_or_holds_a_nul_is_one_config_error(tmp_path: Path) -> None:
    for path in (tmp_path, f"{tmp_path}/a\x00b.toml"):
        with pytest.raises(ConfigError) as caught:
            load_config(path)
        assert "\n" not in str(caught.value)
