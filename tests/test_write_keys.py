"""A queued write whose COMMIT went through but whose reply was lost is written again by the queue:
applied once all the same (each record's key, taken once in the store's unique `write_keys`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from skillevo import Episode, Event, EventKind, Evolver, LibraryError, SkillLibrary, Strategy, Trigger
from skillevo._learning_sql import PosteriorIncrement


@pytest.fixture(params=["sqlite-file", "postgres"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return str(tmp_path / "lib.db") if request.param == "sqlite-file" else str(request.getfixturevalue("pg_url"))


def _lost_reply(lib: SkillLibrary) -> BaseException:
    """What the driver raises when the connection dies after the server committed, before it answered."""
    if lib._d.name == "sqlite":  # type: ignore[attr-defined]
        return sqlite3.OperationalError("disk I/O error")
    import psycopg

    return psycopg.OperationalError("server closed the connection unexpectedly")


def lose_replies(lib: SkillLibrary, times: int = 1) -> list[int]:
    """The next `times` write transactions commit, then fail as if the COMMIT's reply was lost.
    Returns a one-item list: how many are left to lose."""
    dialect: Any = lib._d  # type: ignore[attr-defined]
    real_writing, real_autocommit = dialect.writing, dialect.autocommit
    left = [times]

    def lost() -> None:
        if left[0] > 0:  # committed: the reply never came
            left[0] -= 1
            raise _lost_reply(lib)

    @contextmanager
    def writing(*, pipelined: bool = False) -> Iterator[Any]:
        with real_writing(pipelined=pipelined) as conn:
            yield conn
        lost()

    def autocommit(statement: Any) -> list[Any]:  # a lone statement that commits alone (PostgreSQL)
        rows: list[Any] = real_autocommit(statement)
        lost()
        return rows

    dialect.writing, dialect.autocommit = writing, autocommit
    return left


def _episode(lib: SkillLibrary, version_id: str, name: str) -> tuple[Episode, list[Event]]:
    events = [
        Event(kind=EventKind.SELECTION, tool="book", version_id=version_id, data={"arm": version_id}),
        Event(kind=EventKind.TOOL_CALL, tool="book", data={"n": 1}),
        Event(kind=EventKind.TOOL_CALL, tool="book", data={"n": 2}),
    ]
    return Episode(id=name, task="t", reward=1.0), events


def _counts(lib: SkillLibrary, version_id: str) -> tuple[int, int, int, float, float, int]:
    arms, counters = lib.posterior_snapshot("k")
    return (
        lib.count_episodes(),
        lib.count_events(EventKind.TOOL_CALL) + lib.count_events(EventKind.SELECTION),
        lib.version(version_id).selected_episodes,
        sum(p.observations for p in arms),
        sum(p.alpha for p in arms),
        counters["k"].steps,
    )


def _waiting(lib: SkillLibrary) -> int:
    """Records kept for a later write: queued, or moved to the journal (on disk) when refused."""
    behind = lib._behind  # type: ignore[attr-defined]
    return len(behind) + (len(behind._journal.held()) if behind._journal is not None else 0)


def _version(lib: SkillLibrary) -> str:
    return lib.add_skill("iso-dates", Trigger(tool="book"), Strategy(guidance="g")).id


def test_a_batch_whose_commit_reply_was_lost_is_applied_once(location: str) -> None:
    with SkillLibrary(location) as lib:
        lib._behind.linger_s = 3600.0  # type: ignore[attr-defined]  # one batch, written by the flushes below
        vid = _version(lib)
        lib.record_episode(*_episode(lib, vid, "e1"))
        lib.increment_posterior(PosteriorIncrement("k", vid, 1.0, key_epoch=0, epoch=0))
        lib.increment_posterior(PosteriorIncrement("k", "other", 0.0))
        left = lose_replies(lib)
        with pytest.raises(LibraryError, match="stay queued"):
            lib.flush()  # committed; the writer cannot know, and keeps the batch
        assert left == [0] and _waiting(lib) == 3
        lib.flush()  # the same batch again: a no-op
        assert _counts(lib, vid) == (1, 3, 1, 2.0, 2.0 + 1.0, 2)
        lib.record_episode(*_episode(lib, vid, "e2"))  # later records are written as ever
        lib.increment_posterior(PosteriorIncrement("k", vid, 1.0, key_epoch=0, epoch=0))
        lib.flush()
        assert _counts(lib, vid) == (2, 6, 2, 3.0, 3.0 + 1.0, 3)


def test_a_sync_record_whose_commit_reply_was_lost_is_applied_once(location: str) -> None:
    with SkillLibrary(location, durability="sync") as lib:  # type: ignore[arg-type]
        vid = _version(lib)
        lose_replies(lib)
        with pytest.raises(LibraryError, match="stay queued"):
            lib.record_episode(*_episode(lib, vid, "e1"))  # committed; finish() hears an error
        lib.record_episode(*_episode(lib, vid, "e2"))  # the queue first (e1 again), then e2
        assert lib.count_episodes() == 2
        assert lib.count_events(EventKind.TOOL_CALL) == 4 and lib.version(vid).selected_episodes == 2


def test_replies_lost_twice_in_a_row_still_apply_once(location: str) -> None:
    with SkillLibrary(location) as lib:
        lib._behind.linger_s = 3600.0  # type: ignore[attr-defined]
        vid = _version(lib)
        lib.record_episode(*_episode(lib, vid, "e1"))
        lose_replies(lib, times=2)
        for i in range(2):
            with pytest.raises(LibraryError, match="stay queued"):
                lib.flush()
            lib.record_episode(*_episode(lib, vid, f"e{2 + i}"))  # joins the kept batch
        lib.flush()
        assert lib.count_episodes() == 3 and lib.count_events(EventKind.TOOL_CALL) == 6
        assert lib.version(vid).selected_episodes == 3


def test_a_library_of_the_previous_schema_is_upgraded_in_place(location: str) -> None:
    with SkillLibrary(location) as lib:
        vid = _version(lib)
        lib.record_episode(*_episode(lib, vid, "old"))
        lib.increment_posterior(PosteriorIncrement("k", vid, 1.0, key_epoch=0, epoch=0))
        lib.flush()
        # What the previous release wrote: schema 5, no write keys.
        with lib.transaction():
            lib._run([("DROP TABLE write_keys", ()),  # type: ignore[attr-defined]
                      ("DELETE FROM schema_version WHERE version >= 6", ())])
        assert lib.schema_version == 5
    with SkillLibrary(location) as lib:
        assert lib.schema_version == 6
        assert _counts(lib, vid) == (1, 3, 1, 1.0, 2.0, 1)  # everything kept
        lib._behind.linger_s = 3600.0  # type: ignore[attr-defined]
        lib.record_episode(*_episode(lib, vid, "new"))
        lib.increment_posterior(PosteriorIncrement("k", vid, 1.0, key_epoch=0, epoch=0))
        lose_replies(lib)
        with pytest.raises(LibraryError, match="stay queued"):
            lib.flush()
        lib.flush()
        assert _counts(lib, vid) == (2, 6, 2, 2.0, 3.0, 2)


def _keys(lib: SkillLibrary) -> int:
    return int(lib._select("SELECT count(*) AS n FROM write_keys")[0]["n"])  # type: ignore[attr-defined]


def test_the_keys_table_holds_about_one_batch_per_writer(location: str) -> None:
    with SkillLibrary(location) as lib:
        lib._behind.linger_s = 3600.0  # type: ignore[attr-defined]
        stale = "INSERT INTO write_keys (key, at) VALUES ('left-by-a-dead-process', 0)"
        lib._run([(stale, ())])  # type: ignore[attr-defined]
        for _ in range(5):
            for n in range(3):
                lib.increment_posterior(PosteriorIncrement("k", f"a{n}", 1.0))
            lib.flush()
            assert _keys(lib) == 3  # this batch's keys; the last batch's (and the stale one) deleted
        lib.record_episode(Episode(id="inside", task="t"))
        with lib.transaction():  # a record made inside a transaction is part of it: no key
            lib.record_episode(Episode(id="tx", task="t"))
        assert _keys(lib) == 1 and lib.count_episodes() == 2


def test_an_episode_whose_direct_save_lost_its_reply_is_stored_once(location: str) -> None:
    """`finish()` saves an episode to mine at once; when that save raises, it queues the episode
    (so that it is not lost) with the save's key: a save that did commit is not written twice."""
    with SkillLibrary(location) as lib:
        lib._behind.linger_s = 3600.0  # type: ignore[attr-defined]
        evo = Evolver(lib, sandbox=None, mining="inline")
        ep = evo.episode("t")
        args = ep.before_tool("book", {"date": "03/04/2025"})
        ep.on_tool_error("book", args, ValueError("invalid date: expected YYYY-MM-DD"))
        left = lose_replies(lib)
        with pytest.raises(LibraryError, match=r"disk I/O error|closed the connection"):
            ep.finish(0.0)
        assert left == [0]
        lib.flush()
        assert [e.kind.value for e in lib.events(episode_id=ep.id)] == ["tool_call", "tool_error"]
        assert lib.episode(ep.id).reward == 0.0


def test_a_write_key_is_text(tmp_path: Path) -> None:
    from skillevo import ConfigError

    with SkillLibrary(tmp_path / "lib.db") as lib:
        for bad in (1, b"k", "", "k" * 201):
            with pytest.raises(ConfigError, match="key"):
                lib.save_episode(Episode(task="t"), key=bad)  # type: ignore[arg-type]
            with pytest.raises(ConfigError, match="key"):
                lib.record_episode(Episode(task="t"), key=bad)  # type: ignore[arg-type]
        assert lib.save_episode(Episode(id="a", task="t"), [Event(kind=EventKind.TOOL_CALL)], key="k1") == [1]
        assert lib.save_episode(Episode(id="a", task="t"), [Event(kind=EventKind.TOOL_CALL)], key="k1") == []
        lib.record_episode(Episode(id="a", task="t"), [Event(kind=EventKind.TOOL_CALL)], key="k1")
        assert lib.count_events(EventKind.TOOL_CALL) == 1  # one write under one key


def test_an_old_library_opened_read_only_is_still_copied(tmp_path: Path) -> None:
    """A library of the previous schema on a read-only mount (not migrated: it cannot be written)
    is read, and `skillevo migrate` copies it; its missing `write_keys` table is no error."""
    from skillevo._sql_schema import WRITE_KEYS_SCHEMA
    from skillevo._sqlite import MIGRATIONS, SQLiteLibrary
    from skillevo.cli import main

    assert "write_keys" in MIGRATIONS[WRITE_KEYS_SCHEMA - 1][0]
    old, new = tmp_path / "old.db", tmp_path / "new.db"
    with SkillLibrary(old) as lib:
        vid = _version(lib)
        lib.record_episode(*_episode(lib, vid, "e1"))
        lib.flush()
        with lib.transaction():
            lib._run([("DROP TABLE write_keys", ()),  # type: ignore[attr-defined]
                      ("DELETE FROM schema_version WHERE version >= 6", ())])
    with SQLiteLibrary(old, read_only=True) as ro:
        assert ro.schema_version == 5 == WRITE_KEYS_SCHEMA - 1
        assert {kind for kind, _ in ro.dump()} >= {"skill", "version", "episode", "event"}
    assert main(["migrate", f"sqlite:///{old}", str(new)]) == 0
    with SkillLibrary(new) as lib:
        assert _counts(lib, vid)[:3] == (1, 3, 1)
