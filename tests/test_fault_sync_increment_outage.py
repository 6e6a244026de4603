"""`durability="sync"`: a posterior update made while the store refuses writes is kept, applied once.

World: the store refuses writes for a while (SQLite: another process holds the write lock;
PostgreSQL: the connection killed mid-batch, `pg_terminate_backend`, a failover). Episodes recorded
meanwhile stay queued (and journaled) and are written once the store answers. Before 2026-12-07 a
`sync` posterior update was written directly, after the queue: with episodes waiting it raised the
queue's error ("N recorded episodes could not be written") without being tried, and was gone; with
PostgreSQL's backends killed every few ms, 39 of 40 updates were lost (the episodes: 0 of 40). Now
it goes through the queue as an episode does, under a write key: kept in order behind the refused
records, and applied exactly once however often its batch is written.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from skillevo import Episode, LibraryError, SkillLibrary, _sql_batch
from skillevo._learning_sql import PosteriorIncrement


def test_sync_updates_made_during_an_outage_are_applied_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_sql_batch, "QUEUE_WAIT_S", 0.2)
    db = tmp_path / "lib.db"
    lib = SkillLibrary(db, durability="sync", timeout=0.2)
    lib.increment_posterior(PosteriorIncrement(key="k", arm="a", reward=1.0))  # before: written at once
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the store refuses writes from here on
    episodes = []
    for i in range(5):
        ep = Episode(task=f"run {i}")
        with pytest.raises(LibraryError):
            lib.record_episode(ep)  # told; kept queued
        episodes.append(ep.id)
        with pytest.raises(LibraryError):
            lib.increment_posterior(PosteriorIncrement(key="k", arm="a", reward=float(i % 2)))  # told; kept
    holder.execute("ROLLBACK")
    holder.close()
    lib.flush()
    lib.flush()  # a second write of what is already written applies nothing again
    (arm,) = lib.posteriors("k")
    assert arm.observations == 6  # the update made before and the 5 made during the outage, once each
    assert arm.alpha == 1.0 + 1.0 + 2.0  # prior + 1 + the two rewards of 1 (i = 1, 3)
    assert sorted(e.id for e in lib.episodes()) == sorted(episodes)
    lib.close()


@pytest.mark.postgres
def test_postgres_sync_updates_made_while_episodes_wait_are_applied_once(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    from .conftest import PG_URL

    monkeypatch.setattr(_sql_batch, "QUEUE_WAIT_S", 0.2)
    schema = pg_url.rsplit("schema=", 1)[1]
    lib = SkillLibrary(pg_url, durability="sync")
    lib.increment_posterior(PosteriorIncrement(key="k", arm="a", reward=1.0))
    episodes = []
    with psycopg.connect(PG_URL) as other:  # another session's table lock: episodes are refused
        other.execute(f'LOCK TABLE "{schema}".episodes IN ACCESS EXCLUSIVE MODE')
        for i in range(3):
            ep = Episode(task=f"run {i}")
            with pytest.raises(LibraryError):
                lib.record_episode(ep)
            episodes.append(ep.id)
            with pytest.raises(LibraryError):
                lib.increment_posterior(PosteriorIncrement(key="k", arm="a", reward=1.0))
        other.rollback()
    lib.flush()
    (arm,) = lib.posteriors("k")
    assert arm.observations == 4 and arm.alpha == 5.0  # each once, none lost
    assert sorted(e.id for e in lib.episodes()) == sorted(episodes)
    lib.close()
