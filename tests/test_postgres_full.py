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

from skillevo import SkillLibrary
from skillevo._pg_probe import ServerRefuses, probe, refusal_state

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


def _open(url: str) -> Any:
    for _ in range(20):  # the constructor's own first connection may not have ended yet
        try:
            return SkillLibrary(url, min_size=1, max_size=1, timeout=10.0)
        except Exception:
            time.sleep(0.2)
    return SkillLibrary(url, min_size=1, max_size=1, timeout=10.0)


def test_a_full_server_is_waited_for_not_given_up(limited_url: str) -> None:
    lib: Any = _open(limited_url)
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
        started = time.monotonic()
        assert lib.count_episodes() == 0  # waited for the pool's one connection
        assert 1.0 < time.monotonic() - started < 8.0
        holder.join()
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
