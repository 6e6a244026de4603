"""The journal's folder swapped for a link between its check and its use is never followed.

World: the spill journal lives next to the library (``lib.db.journal``), in a folder others may
write to. The journal checks its folder (this user's, private, no link), then makes it 0700 and
creates its file in it. Before 2026-12-08 both of those went by the folder's *name*: a folder
replaced by a symbolic link in between (a race another user of the folder can run) had the link's
target made 0700 (a process running as root: any folder of the machine) and the journal's file
created there. Now the folder is opened once, without following a link, and judged, tightened and
written through that descriptor: the swap is refused, its target untouched, the record not kept
(it stays queued in memory, as for any journal that refuses).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from skillevo._spill import Journal


def test_a_folder_swapped_for_a_link_after_its_check_is_not_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, target = tmp_path / "lib.db.journal", tmp_path / "elsewhere"
    target.mkdir(mode=0o755)
    os.chmod(target, 0o755)
    journal: Journal[Any] = Journal(folder, lambda record: record, lambda line: line)
    checked = Journal._folder_trusted

    def swapped(self: Journal[Any]) -> bool:
        trusted = checked(self)  # the folder, as it was when checked ...
        folder.rmdir()  # ... then swapped for a link before it is used
        folder.symlink_to(target)
        return trusted

    monkeypatch.setattr(Journal, "_folder_trusted", swapped)
    assert not journal.append({"episode": 1})  # not kept: it stays queued in memory
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o755  # before: 0o700
    assert list(target.iterdir()) == []  # before: the journal's file
