"""A PostgreSQL server that has no session to spare ("too many clients", a role's connection limit:
SQLSTATE class 53) answers: it is busy, not away. Before 2026-12-07 skillevo's ask whether the
server answers (made when no pooled connection came within 0.5 s) failed the same way for both, so a
full server read as one that does not answer: the pool was closed (its connections given up to
other clients), every read and write failed at once until an ask succeeded, and the next busy
moment closed it again (flapping). Now a refused ask is asked once more by hand for the server's
SQLSTATE (libpq's error has only localised words): for want of resources the call waits for a
pooled connection up to the pool's timeout, as for any busy pool; anything else is an outage, as
before (a proxy whose server is gone, nothing listening)."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from skillevo import SkillLibrary
from skillevo._pg_probe import ServerRefuses, probe, refusal_state
from skillevo._postgres import _FIRST_WAIT_S

from .conftest import PG_URL


@pytest.fixture
def limited_url(pg_url: str) -> Iterator[str]:
    """`pg_url` as a role allowed one connection (a full server, for that role)."""
    role = "skillevo_one_" + uuid.uuid4().hex[:8]
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 1")
        conn.execute(f"GRANT ALL ON DATABASE {conn.info.dbname} TO {role}")
        conn.execute(f"GRANT CREATE ON SCHEMA public TO {role}")
    schema = pg_url.split("schema=")[1]
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema} AUTHORIZATION {role}")
    yield pg_url.replace("postgresql://", f"postgresql://{role}@", 1)
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.execute(f"DROP OWNED BY {role} CASCADE")
        conn.execute(f"DROP ROLE {role}")


#: Only a guard against a hang: the test releases the held connection as soon as the read has asked.
HANG_S = 30


def _open(url: str) -> Any:
    for _ in range(20):  # the constructor's own first connection may not have ended yet
        try:
            return SkillLibrary(url, min_size=1, max_size=1, timeout=10.0)
        except Exception:
            time.sleep(0.2)
    return SkillLibrary(url, min_size=1, max_size=1, timeout=10.0)


def test_a_full_server_is_waited_for_not_given_up(limited_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    lib: Any = _open(limited_url)
    try:
        dialect = lib._d
        held, release, asked = threading.Event(), threading.Event(), threading.Event()
        answers: list[str] = []
        real_probe = dialect._probe

        def probe_seen() -> None:
            try:
                real_probe()
            except BaseException as exc:
                answers.append(type(exc).__name__)
                raise
            finally:
                asked.set()

        dialect._probe = probe_seen
        waits: list[float | None] = []  # the reader's waits for a pooled connection, as bounded
        real_getconn = ConnectionPool.getconn

        def getconn(pool: Any, timeout: float | None = None) -> Any:
            if threading.current_thread().name == "reader":
                waits.append(timeout)
            return real_getconn(pool, timeout)

        monkeypatch.setattr(ConnectionPool, "getconn", getconn)

        def hold() -> None:
            with dialect.pool.connection():
                held.set()
                release.wait(HANG_S)

        holder = threading.Thread(target=hold)
        holder.start()
        assert held.wait(HANG_S)
        read: list[object] = []

        def reader() -> None:
            try:
                read.append((lib.count_episodes(), release.is_set()))
            except Exception as exc:
                read.append(exc)

        t = threading.Thread(target=reader, name="reader")
        t.start()
        # Ordered, not timed: the read found no connection, asked the server, and was told it is full;
        # only then is the held connection given back.
        assert asked.wait(HANG_S)
        release.set()
        t.join(HANG_S)
        holder.join(HANG_S)
        assert answers == ["ServerRefuses"]  # busy, not away
        assert read == [(0, True)]  # it waited for the pool's one connection, and got it
        # ... as long as the pool's timeout allows (a short first wait, then the rest of it)
        assert waits == [_FIRST_WAIT_S, 10.0 - _FIRST_WAIT_S], waits
        assert dialect._down is None  # the pool kept
        assert lib.count_episodes() == 0
    finally:
        lib.close()


def _server(reply: bytes) -> tuple[socket.socket, int]:
    """A listener that reads a startup message and answers `reply` (then closes)."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(4)

    def serve() -> None:
        for _ in range(4):
            try:
                conn, _ = ls.accept()
            except OSError:
                return
            with conn:
                conn.recv(4096)
                conn.sendall(reply)

    threading.Thread(target=serve, daemon=True).start()
    return ls, ls.getsockname()[1]


def _error(state: bytes) -> bytes:
    body = b"SFATAL\0C" + state + b"\0Mfull\0\0"
    return b"E" + struct.pack("!i", len(body) + 4) + body


def test_what_is_not_a_want_of_resources_is_away() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: connections are refused
        with pytest.raises(psycopg.OperationalError) as info:
            probe(f"host=127.0.0.1 port={port} dbname=test", 2.0)
    assert not isinstance(info.value, ServerRefuses)
    for reply in (b"", _error(b"57P01"), b"R\0\0\0\x08\0\0\0\x05"):  # closed, shut down, a password asked
        ls, port = _server(reply)
        with ls:
            assert refusal_state(f"host=127.0.0.1 port={port} dbname=test user=u", 2.0) in (None, "57P01")


def test_a_server_without_a_session_to_spare_refuses() -> None:
    ls, port = _server(_error(b"53300"))
    with ls:
        assert refusal_state(f"host=127.0.0.1 port={port} dbname=test user=u", 2.0) == "53300"
        with pytest.raises(ServerRefuses):
            probe(f"host=127.0.0.1 port={port} dbname=test user=u", 2.0)


def test_an_unanswered_ask_is_not_asked_twice() -> None:
    """A host that leaves the connection unanswered (a network cut) costs the connect timeout once."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(4)  # the kernel takes the connection; nothing ever answers on it
    with ls:
        with pytest.raises(psycopg.OperationalError) as info:
            probe(f"host=127.0.0.1 port={ls.getsockname()[1]} dbname=test user=u", 1.0)
        assert not isinstance(info.value, ServerRefuses)
        # Counted, not timed (2.0 s of libpq's timeout against a 2.6 s bound on a loaded machine):
        # every connection the ask opened waits in the listening socket's queue.
        ls.setblocking(False)
        asked = 0
        with contextlib.suppress(BlockingIOError):
            while True:
                ls.accept()[0].close()
                asked += 1
        assert asked == 1
