"""A corrupt stored row is the library's own one-line `LibraryError`, and the other rows stay readable."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from skillevo import Episode, Event, EventKind, LibraryError, SkillLibrary, Strategy, Trigger, VersionStatus
from skillevo._learning_sql import PosteriorIncrement


def _library(path: Path) -> None:
    with SkillLibrary(path) as lib:
        for name in ("a", "b"):
            v = lib.add_skill(name, Trigger(tool=name), Strategy(guidance="g"), status=VersionStatus.ACTIVE)
            lib.increment_posterior(PosteriorIncrement(key=name, arm=v.id, reward=1.0))
            lib.save_episode(Episode(id=f"e-{name}", task="t"), [Event(kind=EventKind.TOOL_CALL, tool=name)])


def _corrupt(path: Path, statement: str) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(statement)
    conn.close()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE posteriors SET alpha = 'many' WHERE key = 'a'",
        "UPDATE posteriors SET alpha = -1 WHERE key = 'a'",
        "UPDATE posteriors SET extra = '{not json' WHERE key = 'a'",
        "UPDATE posteriors SET extra = '[1, 2]' WHERE key = 'a'",
    ],
)
def test_a_corrupt_posterior_row_is_one_line(tmp_path: Path, statement: str) -> None:
    path = tmp_path / "lib.db"
    _library(path)
    _corrupt(path, statement)
    with SkillLibrary(path) as lib:
        reads = [lambda: lib.posteriors("a"), lambda: lib.posterior_snapshot("a")]
        if "alpha" in statement:  # a skill's versions carry their arm's alpha and beta (not its extra)
            reads.append(lambda: lib.skill("a"))
        for read in reads:
            with pytest.raises(LibraryError, match=r"corrupt posteriors row .*'a'") as info:
                read()
            assert "\n" not in str(info.value) and "many" not in str(info.value)  # the stored value is not echoed
        assert lib.posteriors("b")[0].alpha == 2.0  # the other skill reads as before
        assert lib.skill("b").versions[0].alpha == 2.0
        assert lib.posterior_snapshot("b")[0][0].alpha == 2.0


@pytest.mark.parametrize(
    ("statement", "read", "table"),
    [
        ("UPDATE episodes SET metadata = '{oops' WHERE id = 'e-a'", "episode", "episodes"),
        ("UPDATE events SET data = 'nope' WHERE tool = 'a'", "events", "events"),
        ("UPDATE versions SET strategy = '{' WHERE skill = 'a'", "skill", "versions"),
        ("UPDATE skills SET trigger = '[]' WHERE name = 'a'", "skill", "skills"),
        ("UPDATE versions SET status = 'zombie' WHERE skill = 'a'", "skill", "versions"),
    ],
)
def test_a_corrupt_json_column_is_one_line(tmp_path: Path, statement: str, read: str, table: str) -> None:
    path = tmp_path / "lib.db"
    _library(path)
    _corrupt(path, statement)
    with SkillLibrary(path) as lib:
        readers = {
            "episode": (lambda: lib.episode("e-a"), lambda: lib.episode("e-b")),
            "events": (lambda: lib.events(tool="a"), lambda: lib.events(tool="b")),
            "skill": (lambda: lib.skill("a"), lambda: lib.skill("b")),
        }
        bad, good = readers[read]
        with pytest.raises(LibraryError, match=f"corrupt {table} row"):
            bad()
        assert good()  # the other rows still read
        assert lib.match(lib.skill("b").trigger.kind, "b")[0].name == "b"
