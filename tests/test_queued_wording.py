"""The queue's errors name what they hold: queued posterior updates are not called episodes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from skillevo import Episode, LibraryError, SkillLibrary
from skillevo._learning_sql import PosteriorIncrement


def _locked(path: Path) -> sqlite3.Connection:
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    return holder


def test_a_failed_write_of_queued_updates_says_posterior_updates(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    SkillLibrary(path).close()
    with SkillLibrary(path, timeout=0.05) as lib:
        lib._behind.linger_s = 3600.0  # type: ignore[attr-defined]  # the writer thread does not get to them
        holder = _locked(path)
        lib.increment_posterior(PosteriorIncrement("k", "a", 1.0))
        lib.increment_posterior(PosteriorIncrement("k", "a", 0.0))
        with pytest.raises(LibraryError) as info:
            lib.flush()
        assert "2 posterior updates could not be written" in str(info.value)
        assert "episode" not in str(info.value)
        lib.record_episode(Episode(id="e", task="t"))
        with pytest.raises(LibraryError, match=r"2 posterior updates and 1 recorded episodes could not be written"):
            lib.flush()
        holder.execute("ROLLBACK")
        holder.close()
        lib.flush()
        assert lib.posteriors("k")[0].observations == 2 and lib.count_episodes() == 1


def test_a_full_queue_refuses_an_update_as_an_update(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "lib.db"
    SkillLibrary(path).close()
    blocked = tmp_path / "no-journal"  # a plain file where the journal's folder would be: no journal
    blocked.write_text("")
    monkeypatch.setenv("SKILLEVO_JOURNAL_DIR", str(blocked))
    with SkillLibrary(path, timeout=0.05) as lib:
        lib._behind.linger_s = 3600.0  # type: ignore[attr-defined]
        lib._behind.max_pending = 2  # type: ignore[attr-defined]
        holder = _locked(path)
        lib.increment_posterior(PosteriorIncrement("k", "a", 1.0))
        with pytest.raises(LibraryError):
            lib.increment_posterior(PosteriorIncrement("k", "a", 1.0))  # fills the queue: written here, refused
        with pytest.raises(LibraryError, match="this posterior update was not recorded"):
            lib.increment_posterior(PosteriorIncrement("k", "a", 1.0))
        holder.execute("ROLLBACK")
        holder.close()


def test_a_dropped_update_is_named_as_one(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    with SkillLibrary(path) as lib:
        lib._behind.linger_s = 3600.0  # type: ignore[attr-defined]
        other = sqlite3.connect(path)
        other.execute("CREATE TRIGGER refuse BEFORE INSERT ON posteriors BEGIN "
                      "SELECT RAISE(ABORT, 'refused') WHERE NEW.key = 'k'; END")
        other.commit()
        other.close()
        lib.increment_posterior(PosteriorIncrement("k", "a", 1.0))
        lib.record_episode(Episode(id="e", task="t"))
        with pytest.raises(LibraryError, match="a posterior update was refused by the store and dropped"):
            lib.flush()
        assert lib.count_episodes() == 1
