"""A library opened by a relative path keeps writing to the file it opened when the process
changes directory (an agent tool that calls ``os.chdir``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from skillevo import Episode, SkillLibrary


def _ids(path: Path) -> set[str]:
    with SkillLibrary(path) as lib:
        return {e.id for e in lib.episodes()}


def test_a_library_opened_by_a_relative_path_keeps_writing_after_the_process_changes_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The file is the one opened, not whatever the relative path names from a later directory:
    # every later write used to be refused as "deleted or replaced", and the queue lost at exit.
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path)
    lib = SkillLibrary("skills.db")
    monkeypatch.chdir(tmp_path / "elsewhere")
    lib.save_episode(Episode(id="after-chdir", task="t"))
    lib.record_episode(Episode(id="queued-after-chdir", task="t"))
    lib.close()
    assert _ids(tmp_path / "skills.db") == {"after-chdir", "queued-after-chdir"}
    assert not (tmp_path / "elsewhere" / "skills.db").exists()
