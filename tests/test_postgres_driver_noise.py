"""A PostgreSQL backend that dies under a write: skillevo reports it once (`LibraryError` to the
caller, which an adapter logs), and the driver's own teardown warnings about the same lost
connection ("error ignored terminating <psycopg.Pipeline [BAD]>: ...", "discarding closed
connection: <psycopg.Connection [BAD]>") are not printed beside it. Before 2026-12-06 a run with
backends terminated during 80 episodes printed 1,154 ``psycopg.pool`` warnings and 6 ``psycopg``
ones around skillevo's own errors (0 episodes lost). The backend here is terminated for real, by
the server, from inside the write's own transaction."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from skillevo import Episode, LibraryError, SkillLibrary

pytest.importorskip("psycopg")


def test_a_backend_killed_mid_write_is_one_error_and_no_driver_warnings(
    pg_url: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib = SkillLibrary(pg_url, durability="sync")
    dialect: Any = lib._d  # type: ignore[attr-defined]
    writing = dialect.writing

    @contextmanager
    def dying(*, pipelined: bool = False) -> Iterator[Any]:
        with writing(pipelined=pipelined) as conn:
            if pipelined:  # the server ends this session half-way through the transaction
                conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")
            yield conn

    monkeypatch.setattr(dialect, "writing", dying)
    caplog.set_level(logging.DEBUG)
    for i in range(3):
        with pytest.raises(LibraryError):
            lib.save_episode(Episode(id=f"e{i}", task="t"), [], key=f"k{i}")
    noise = [r for r in caplog.records if r.name.startswith("psycopg") and r.levelno >= logging.WARNING]
    assert noise == [], [r.getMessage()[:120] for r in noise]
    monkeypatch.setattr(dialect, "writing", writing)
    lib.save_episode(Episode(id="after", task="t"), [], key="k-after")
    assert "after" in {e.id for e in lib.episodes()}
    lib.close()


def test_the_drivers_warnings_outside_skillevos_calls_are_left_alone(
    pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with SkillLibrary(pg_url):
        pass
    logging.getLogger("psycopg").warning("the application's own psycopg use")
    logging.getLogger("psycopg.pool").warning("and its own pool")
    assert [r.getMessage() for r in caplog.records if r.name.startswith("psycopg")] == [
        "the application's own psycopg use",
        "and its own pool",
    ]
