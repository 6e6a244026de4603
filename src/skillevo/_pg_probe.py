"""Asking a PostgreSQL server whether it answers, when no pooled connection came at once.

A server can fail a new session two ways that mean opposite things to the pool: nothing answers at
its address (stopped, failing over, the network cut, a proxy whose server is gone), or the server
itself refuses the session for want of resources (SQLSTATE class 53: "too many clients", a role's
or database's connection limit). The first is an outage: the pool is closed until the server
answers again. The second is a busy server: the pool's own connections still work, and closing it
would give them up to other clients and fail every call until an ask succeeds (before 2026-12-07:
flapping under connection exhaustion). libpq reports both as one error whose words are localised
and carry no SQLSTATE, so a refused ask is asked once more by hand: a startup message, and the
SQLSTATE of the server's ErrorResponse (a server that asks for a password is not asked further:
treated as away, as before).
"""

from __future__ import annotations

import contextlib
import getpass
import os
import socket
import struct
import time

import psycopg
from psycopg.conninfo import conninfo_to_dict

__all__ = ["ServerRefuses", "probe", "refusal_state"]

_PROTOCOL_3 = 196608
_MESSAGES = 64  # the most messages read of a session start (a handful: parameters, key, ready)


class ServerRefuses(psycopg.OperationalError):
    """The server answered and refused the session for want of resources (SQLSTATE class 53)."""


def probe(conninfo: str, timeout: float) -> None:
    """Return if the server opens a session; raise `ServerRefuses` if it answers but has no
    session to spare, the driver's error if it does not answer."""
    wait = max(1, min(int(timeout), 5))
    started = time.monotonic()
    try:
        psycopg.connect(conninfo, connect_timeout=wait).close()
    except psycopg.OperationalError as exc:
        if time.monotonic() - started >= wait * 0.8:
            raise  # left unanswered (a network cut): asking again would only double the wait
        state = refusal_state(conninfo, wait)
        if state is not None and state.startswith("53"):
            raise ServerRefuses(str(exc)) from None
        raise


def refusal_state(conninfo: str, wait: float) -> str | None:
    """The SQLSTATE with which the server at the conninfo's first host refuses a plain session
    start; None if nothing answers, it opens one, or asks for a password first."""
    try:
        params = conninfo_to_dict(conninfo)
        host = str(params.get("hostaddr") or params.get("host") or os.environ.get("PGHOST") or "").split(",")[0]
        port = int(str(params.get("port") or os.environ.get("PGPORT") or "5432").split(",")[0] or 5432)
        user = str(params.get("user") or os.environ.get("PGUSER") or getpass.getuser())
        dbname = str(params.get("dbname") or os.environ.get("PGDATABASE") or user)
    except (psycopg.Error, ValueError, KeyError, OSError):
        return None
    if not host:
        return None  # libpq's compiled-in socket folder: not known here
    try:
        if host.startswith("/"):  # a socket folder
            sock = socket.socket(socket.AF_UNIX)
            sock.settimeout(wait)
            sock.connect(f"{host}/.s.PGSQL.{port}")
        else:
            sock = socket.create_connection((host, port), timeout=wait)
        with contextlib.closing(sock):
            sock.settimeout(wait)
            body = struct.pack("!i", _PROTOCOL_3) + b"".join(
                k.encode() + b"\0" + v.encode() + b"\0" for k, v in (("user", user), ("database", dbname))
            ) + b"\0"
            sock.sendall(struct.pack("!i", len(body) + 4) + body)
            stream = sock.makefile("rb")
            for _ in range(_MESSAGES):
                head = stream.read(5)
                if len(head) < 5:
                    return None
                kind, size = head[:1], struct.unpack("!i", head[1:])[0]
                payload = stream.read(max(0, size - 4))
                if kind == b"E":
                    fields = dict((f[:1], f[1:]) for f in payload.split(b"\0") if f)
                    return fields.get(b"C", b"").decode("ascii", "replace") or None
                if kind == b"R" and payload[:4] != b"\0\0\0\0":
                    return None  # a password is asked for
                if kind == b"Z":  # a session opened: the refusal was not for want of resources
                    with contextlib.suppress(OSError):
                        sock.sendall(b"X\0\0\0\4")
                    return None
    except (OSError, ValueError, struct.error):
        return None
    return None
