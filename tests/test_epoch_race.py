"""PostgreSQL: the library's epoch a first update of a key reads is read under the lock a concurrent
reset of every key writes it with, so evidence from before that reset never lands after it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from skillevo import SkillLibrary
from skillevo._learning_sql import PosteriorIncrement, reset_statements
from skillevo._postgres import _pg
from skillevo._sanitize import json_text

from .conftest import PG_URL

if TYPE_CHECKING:
    import psycopg

pytestmark = pytest.mark.postgres


def _blocked_or(other: psycopg.Connection[Any], finished: Callable[[], bool]) -> None:
    """Until `finished()` or a session waits on a lock `other`'s transaction holds (the race is on,
    however slow the machine): a fixed sleep let a slow worker arrive after the commit, untested."""
    import psycopg

    pid = other.info.backend_pid
    with psycopg.connect(PG_URL, autocommit=True) as watch:
        deadline = time.monotonic() + 120.0
        while not finished() and time.monotonic() < deadline:
            row = watch.execute("SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                                (pid,)).fetchone()
            if row is not None and row[0] > 0:
                return
            time.sleep(0.01)
    assert finished(), "the racing write neither finished nor waited for the reset's lock in 120 s"


@pytest.mark.parametrize("durability", ["sync", "batched"])
def test_a_first_update_racing_a_reset_of_every_key_is_dropped(pg_url: str, durability: str) -> None:
    import psycopg

    with SkillLibrary(pg_url, durability=durability) as lib:  # type: ignore[arg-type]
        schema = lib.schema
        # Another process resets every key; its transaction has written, not yet committed.
        with psycopg.connect(pg_url.split("?")[0], options=f"-c search_path={schema}") as other:
            for statement, params in reset_statements(None, None, time.time(), json_text, for_update=" FOR UPDATE"):
                other.execute(_pg(statement), params)
            # Meanwhile this process credits a key with no row yet, on evidence from epoch 0.
            done = threading.Event()

            def update() -> None:
                lib.increment_posterior(PosteriorIncrement("k", "a", 1.0, epoch=0, key_epoch=0))
                lib.flush()
                done.set()

            worker = threading.Thread(target=update)
            worker.start()
            _blocked_or(other, done.is_set)  # before the fix: written at once, against the epoch the reset is leaving
            other.commit()
        worker.join(10)
        assert done.is_set()
        arms, counters = lib.posterior_snapshot("k")
        assert arms == []  # evidence of epoch 0, after the reset: dropped
        assert counters["k"].epoch == 1


def test_a_reset_of_one_key_racing_a_reset_of_every_key_moves_it_past_both(pg_url: str) -> None:
    import psycopg

    with SkillLibrary(pg_url, durability="sync") as lib:
        with psycopg.connect(pg_url.split("?")[0], options=f"-c search_path={lib.schema}") as other:
            for statement, params in reset_statements(None, None, time.time(), json_text, for_update=" FOR UPDATE"):
                other.execute(_pg(statement), params)
            worker = threading.Thread(target=lib.reset_posteriors, args=("k",))
            worker.start()
            _blocked_or(other, lambda: not worker.is_alive())  # before the fix: done, the key at the old epoch + 1
            other.commit()
        worker.join(10)
        # Evidence gathered in "k" after its own reset and before the reset of every key committed
        # (key epoch 1) must not pass after both: "k" is past the library's new epoch (1).
        assert lib.posterior_snapshot("k")[1]["k"].epoch == 2
