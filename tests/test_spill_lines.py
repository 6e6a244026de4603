"""One bad line in a spill journal (`skillevo._spill`) is skipped and reported: it neither stops the
library from opening nor loses the records around it.

The fault: a journal file of a dead process holds, between two good records, a line the reader did
not expect: a progress mark whose count is infinite (``{"done":1e400}``), a progress mark claiming
more records than were written before it, or an array nested 200,000 deep (a corrupt or foreign
file). Before 2026-12-07, 3 of 3 lost records: the first two made every open of the library raise
`LibraryError` (the reader's ``OverflowError`` and ``RecursionError`` were not skipped, so every
process failed on the same line), the third skipped both good records as already written and deleted
the file. Now 0 of 3: the library opens, both records are written, the bad line is reported. A 4th
(attack23): an episode row of the table's column types whose ``applied`` holds numbers was written,
and every later read of the library's episodes raised `LibraryError` (1 of 1) -> refused (0 of 1).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from skillevo import SkillLibrary


def _line(episode_id: str) -> str:
    row = [episode_id, "task", None, None, 1.0, 2.0, 1.0, "[]", "{}"]
    event = [1.5, "tool_call", episode_id, "login", None, json.dumps({"args": {"user": "u"}})]
    return json.dumps({"r": {"e": row, "v": [event], "k": f"key-{episode_id}"}}) + "\n"


def _plant(folder: Path, text: str) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / "1-00000000.jsonl"
    path.write_text(text)
    os.chmod(path, 0o600)

BAD = {
    "infinite progress": '{"done":1e400}\n',
    "progress past the records": '{"done":99999999999999999999}\n',
    "nested too deep": "[" * 200_000 + "]" * 200_000 + "\n",
    # Columns of the table's types whose content the store's readers refuse (attack23: written, every
    # later read of the library's episodes raised LibraryError).
    "an episode the readers refuse": _line("refused").replace('"[]"', '"[1]"'),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_line_is_skipped_and_the_records_around_it_written(tmp_path: Path, case: str,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "lib.db"
    SkillLibrary(db).close()
    _plant(Path(f"{db}.journal"), _line("before") + BAD[case] + _line("after"))
    with caplog.at_level(logging.ERROR, logger="skillevo"):
        lib = SkillLibrary(db)
        ids = sorted(e.id for e in lib.episodes())
        lib.close()
    assert ids == ["after", "before"]
    assert any("skipped" in r.getMessage() for r in caplog.records)


NEWER = {
    "a new event kind": lambda line: line.replace('"tool_call"', '"handoff"'),
    "a new episode column": lambda line: line.replace('"{}"]', '"{}", 7]', 1),
}


@pytest.mark.parametrize("case", sorted(NEWER))
def test_a_line_this_version_cannot_write_is_kept_not_deleted(tmp_path: Path, case: str) -> None:
    """A newer skillevo's record (a new event kind, a new column) read by this version: before
    2026-12-07 the file was deleted once the rest was written, 2 of 2 such records lost; now 0 of 2:
    the rest is written and the file kept under a name no replay reads again."""
    db = tmp_path / "lib.db"
    SkillLibrary(db).close()
    newer = NEWER[case](_line("newer"))
    _plant(Path(f"{db}.journal"), _line("before") + newer + _line("after"))
    for _ in range(2):  # the kept file is not replayed (nor reported) again
        with SkillLibrary(db) as lib:
            assert sorted(e.id for e in lib.episodes()) == ["after", "before"]
    kept = b"".join(p.read_bytes() for p in Path(f"{db}.journal").iterdir())
    assert newer.encode() in kept
    assert list(Path(f"{db}.journal").glob("*.jsonl")) == []


def _typed(column: int, value: object, *, event: bool = False) -> str:
    item = json.loads(_line("mistyped"))
    (item["r"]["v"][0] if event else item["r"]["e"])[column] = value
    return json.dumps(item) + "\n"


MISTYPED = {
    "started_at text": _typed(4, "abc"),
    "reward text": _typed(6, "high"),
    "applied not JSON": _typed(7, "notjson"),
    "metadata a list": _typed(8, "[1, 2]"),
    "event data not JSON": _typed(5, "notjson", event=True),
}


@pytest.mark.parametrize("case", sorted(MISTYPED))
def test_a_row_of_the_wrong_types_never_reaches_the_store(tmp_path: Path, case: str) -> None:
    """A line whose columns are not what the queue writes (corrupt, or another version's): before
    2026-12-07 it was written as it was, and every later `episodes()` or `events()` of the library
    raised "a corrupt ... row" (5 of 5 left the library unreadable); now 0 of 5: it is kept aside."""
    db = tmp_path / "lib.db"
    SkillLibrary(db).close()
    _plant(Path(f"{db}.journal"), _line("before") + MISTYPED[case] + _line("after"))
    with SkillLibrary(db) as lib:
        assert sorted(e.id for e in lib.episodes()) == ["after", "before"]
        assert len(lib.events()) == 2


def test_a_file_deleted_while_the_folder_is_listed_hides_no_other(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Two processes open the library after a crash: one deletes a journal it wrote back while the
    other lists the folder. Before 2026-12-07 the file gone between the listing and its ``stat``
    made the whole listing empty: the other dead process's journal was not seen (1 of 1 left
    unwritten, the library reporting nothing pending); now only the gone file is passed over."""
    db = tmp_path / "lib.db"
    SkillLibrary(db).close()
    folder = Path(f"{db}.journal")
    _plant(folder, _line("dead"))
    gone = folder / "0-gone.jsonl"
    gone.write_text("")
    real_stat = Path.stat

    def stat(self: Path, *args: object, **kwargs: object) -> os.stat_result:
        if self.name == gone.name:
            raise FileNotFoundError(2, "No such file or directory", str(self))
        return real_stat(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "stat", stat)
    with SkillLibrary(db) as lib:
        assert [e.id for e in lib.episodes()] == ["dead"]
