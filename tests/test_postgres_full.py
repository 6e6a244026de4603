"""A PostgreSQL server that has no connection slot left ("too many clients") answers: it is busy, not
away. Before 2026-12-07 skillevo's ask whether the server answers (made when no pooled connection
came within 0.5 s) failed the same way for both, so a full server read as one that does not answer:
the pool was closed (its connections given up, to other clients), every read and write failed at
once until an ask succeeded, and the next busy moment closed it again (flapping). Now the ask tells
a server whose listener takes the connection and then refuses the session (full, starting, any
refusal it says itself) from one nothing answers at: the call waits for a pooled connection as long
as the pool's timeout, as for any busy pool."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import psycopg
import pytest

from skillevo import SkillLibrary
from skillevo._pg_probe import ServerRefuses, probe


def _full(*args: Any, **kwargs: Any) -> Any:
    raise psycopg.OperationalError(
        'connection failed: connection to server at "127.0.0.1", port 5432 failed: FATAL:  sorry, too many clients'
    )


def test_a_full_server_is_waited_for_not_given_up(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    lib: Any = SkillLibrary(pg_url, max_size=1, timeout=10.0)
    try:
        dialect = lib._d
        held = threading.Event()

        def hold() -> None:
            with dialect.pool.connection():
                held.set()
                time.sleep(1.5)

        holder = threading.Thread(target=hold)
        holder.start()
        held.wait(5)
        monkeypatch.setattr(psycopg, "connect", _full)  # every new session refused: no slot left
        started = time.monotonic()
        assert lib.count_episodes() == 0  # waited for the pool's one connection
        assert 1.0 < time.monotonic() - started < 8.0
        holder.join()
        assert dialect._down is None  # the pool kept
        assert lib.count_episodes() == 0
    finally:
        lib.close()


def test_nothing_listening_is_away_not_refusing() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: connections are refused
        with pytest.raises(psycopg.OperationalError) as info:
            probe(f"host=127.0.0.1 port={port} dbname=test", 2.0)
    assert not isinstance(info.value, ServerRefuses)


def test_a_listener_that_refuses_the_session_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(4)
        port = s.getsockname()[1]
        monkeypatch.setattr(psycopg, "connect", _full)
        with pytest.raises(ServerRefuses):
            probe(f"host=127.0.0.1 port={port} dbname=test", 2.0)
