"""PostgreSQL: the library's epoch a first update of a key reads is read under the lock a concurrent
reset of every key writes it with, so evidence from before that reset never lands after it."""

from __future__ import annotations

import threading
import time

import pytest

from skillevo import SkillLibrary
from skillevo._learning_sql import PosteriorIncrement, reset_statements
from skillevo._postgres import _pg
from skillevo._sanitize import json_text

pytestmark = pytest.mark.postgres


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
            done.wait(1.0)  # before the fix: written at once, against the epoch the reset is leaving
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
            worker.join(1.0)  # before the fix: done, the key at the library's old epoch + 1 = the new one
            other.commit()
        worker.join(10)
        # Evidence gathered in "k" after its own reset and before the reset of every key committed
        # (key epoch 1) must not pass after both: "k" is past the library's new epoch (1).
        assert lib.posterior_snapshot("k")[1]["k"].epoch == 2
