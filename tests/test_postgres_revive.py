"""Asking a PostgreSQL server that went away whether it answers again holds up no other call.

A library that found its server refusing connections asks it again on the next call (at most once
a second when the ask itself waited). Before 2026-12-07 the ask ran holding the dialect's lock, the
same lock the queue's writer holds for a whole batch: on a host that leaves connections unanswered
(a network cut: the ask waits out its connect timeout, up to 5 s) every other thread's read, the
agent's guidance and trigger matches among them, waited for the ask before failing; and a read
waited for any batch being written before it could even be told that the server was away. Now one
thread asks, the others fail at once (`LibraryError`: an adapter logs it, the run goes on).
"""

from __future__ import annotations

import os
import threading
import time

import psycopg
import pytest

from skillevo import LibraryError, SkillLibrary


def _down(lib: SkillLibrary) -> object:
    dialect = lib._d  # type: ignore[attr-defined]
    dialect._down, dialect._probed = time.monotonic(), 0.0
    return dialect


#: Only a guard against a hang: each test releases what it holds as soon as its read has returned.
HANG_S = 30


def _read(lib: SkillLibrary, out: list[str]) -> None:
    try:
        lib.skills()
        out.append("ok")
    except LibraryError:
        out.append("refused")


def test_a_slow_ask_holds_up_no_other_threads_read(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    lib = SkillLibrary(pg_url)
    try:
        dialect = _down(lib)
        asking, answer, asked = threading.Event(), threading.Event(), threading.Event()

        def unanswered() -> None:  # a host that drops the connection attempt: waits until the test lets it end
            asking.set()
            answer.wait(HANG_S)
            asked.set()
            raise psycopg.OperationalError("connection timeout expired")

        monkeypatch.setattr(dialect, "_probe", unanswered)
        first: list[str] = []
        asker = threading.Thread(target=_read, args=(lib, first))
        asker.start()
        assert asking.wait(HANG_S)
        other: list[str] = []
        _read(lib, other)
        # Ordered, not timed: the other read was answered while the ask was still unanswered.
        ask_in_flight = not asked.is_set()
        answer.set()
        asker.join(HANG_S)
        assert not asker.is_alive()
        assert first == ["refused"]
        assert other == ["refused"]
        assert ask_in_flight, "a read waited for another thread's ask"
    finally:
        monkeypatch.undo()
        dialect._down = None  # type: ignore[attr-defined]
        lib.close()


def test_a_batch_being_written_holds_up_no_read_while_the_server_is_away(pg_url: str) -> None:
    lib = SkillLibrary(pg_url)
    try:
        dialect = _down(lib)
        held, release, let_go = threading.Event(), threading.Event(), threading.Event()

        def writer() -> None:  # the queue's writer holds the lock for its whole batch
            with dialect.lock:  # type: ignore[attr-defined]
                held.set()
                release.wait(HANG_S)
                let_go.set()

        t = threading.Thread(target=writer)
        t.start()
        assert held.wait(HANG_S)
        out: list[str] = []
        try:
            dialect._probe = lambda: (_ for _ in ()).throw(psycopg.OperationalError("connection refused"))  # type: ignore[attr-defined]
            _read(lib, out)
            # Ordered, not timed: the read was answered while the writer still held its lock.
            lock_still_held = not let_go.is_set()
        finally:
            release.set()
            t.join(HANG_S)
        assert out == ["refused"]
        assert lock_still_held, "a read waited for the writer's lock"
    finally:
        dialect._down = None  # type: ignore[attr-defined]
        lib.close()


def test_the_server_answering_again_is_taken_back_by_one_ask(pg_url: str) -> None:
    lib = SkillLibrary(pg_url)
    try:
        dialect = _down(lib)
        old = dialect.pool  # type: ignore[attr-defined]
        asks: list[int] = []
        real = dialect._probe  # type: ignore[attr-defined]

        def counted() -> None:
            asks.append(os.getpid())
            time.sleep(0.3)
            real()

        dialect._probe = counted  # type: ignore[attr-defined]
        results: list[str] = []
        threads = [threading.Thread(target=_read, args=(lib, results)) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(asks) == 1
        assert dialect.pool is not old  # type: ignore[attr-defined]
        assert results.count("ok") >= 1
        lib.skills()  # every later call reads
        old.close()
    finally:
        lib.close()
