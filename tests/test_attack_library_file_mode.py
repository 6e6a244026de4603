"""The library file a process creates: readable by its owner alone, and never created through a link.

A library records what the agent did (its episodes: tasks, tool arguments, errors; secrets
redacted, customer values kept), as the spill journals do, which are made ``0600`` in a ``0700``
folder. The library file itself was created with the process umask: under the usual ``022`` the
file, its write-ahead log and its shared-memory index were readable by every local user (3 of 3
files ``0644``). And a library path that was a link to nothing (planted in a shared folder) had
SQLite create the library wherever the link pointed. Now a new library file is created ``0600``
before SQLite opens it (SQLite gives the log and index the main file's mode), and a link to nothing
is refused with one line; an existing file keeps the mode its owner gave it, and a link to an
existing library opens as before.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from skillevo import LibraryError, SkillLibrary, Strategy, Trigger


@pytest.fixture
def usual_umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _write(lib: SkillLibrary) -> None:
    lib.add_skill("iso-dates", Trigger(tool="book"), Strategy(guidance="Write dates as YYYY-MM-DD."))


def test_a_new_library_is_readable_by_its_owner_alone(tmp_path: Path, usual_umask: None) -> None:
    path = tmp_path / "lib.db"
    with SkillLibrary(path) as lib:
        _write(lib)
        files = [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
        assert len(files) == 3
        open_to_others = [p.name for p in files if stat.S_IMODE(p.stat().st_mode) & 0o077]
    assert not open_to_others, f"{len(open_to_others)} of 3 library files readable by other users: {open_to_others}"


def test_an_existing_library_keeps_its_mode(tmp_path: Path, usual_umask: None) -> None:
    path = tmp_path / "lib.db"
    with SkillLibrary(path) as lib:
        _write(lib)
    os.chmod(path, 0o640)  # the owner's choice (a group of reviewers reads it)
    with SkillLibrary(path) as lib:
        assert [s.name for s in lib.skills()] == ["iso-dates"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_a_link_to_nothing_is_refused_and_a_link_to_a_library_opens(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "planted.db"
    target.parent.mkdir()
    link = tmp_path / "skillevo.db"
    link.symlink_to(target)
    with pytest.raises(LibraryError, match="link") as info:
        SkillLibrary(link)
    assert "\n" not in str(info.value)
    assert not target.exists(), "the library was created where the planted link pointed"
    with SkillLibrary(target) as lib:  # once the library exists, a link to it is the owner's own
        _write(lib)
    with SkillLibrary(link) as lib:
        assert [s.name for s in lib.skills()] == ["iso-dates"]
