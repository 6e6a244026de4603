"""Asking a PostgreSQL server whether it answers, when no pooled connection came at once.

A server can fail a new session two ways that mean opposite things to the pool: nothing answers at
its address (stopped, failing over, the network cut), or its listener takes the connection and
the server refuses the session itself (no connection slot left, "too many clients"; starting up).
The first is an outage: the pool is closed until the server answers again. The second is a busy
server: the pool's own connections still work, and closing it would give them up to other clients
and fail every call until an ask succeeds (before 2026-12-07: flapping under connection
exhaustion). They are told apart without reading the error's words (localised, and libpq gives no
SQLSTATE for a refused session): whether a plain connection to the server's listener is taken.
"""

from __future__ import annotations

import contextlib
import os
import socket

import psycopg
from psycopg.conninfo import conninfo_to_dict

__all__ = ["ServerRefuses", "probe"]


class ServerRefuses(psycopg.OperationalError):
    """The server's listener took the connection and the server refused the session: it answers."""


def probe(conninfo: str, timeout: float) -> None:
    """Return if the server opens a session; raise `ServerRefuses` if it answers but refuses one,
    the driver's error if nothing answers."""
    wait = max(1, min(int(timeout), 5))
    try:
        psycopg.connect(conninfo, connect_timeout=wait).close()
    except psycopg.OperationalError as exc:
        if _listening(conninfo, wait):
            raise ServerRefuses(str(exc)) from None
        raise


def _listening(conninfo: str, wait: float) -> bool:
    """Whether a listener at the conninfo's first host takes a plain connection within `wait` s."""
    try:
        params = conninfo_to_dict(conninfo)
    except psycopg.Error:
        return False
    host = str(params.get("hostaddr") or params.get("host") or os.environ.get("PGHOST") or "").split(",")[0]
    port = int(str(params.get("port") or os.environ.get("PGPORT") or "5432").split(",")[0] or 5432)
    if not host:
        return False  # libpq's compiled-in socket folder: not known here
    try:
        if host.startswith("/"):  # a socket folder
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(wait)
                s.connect(f"{host}/.s.PGSQL.{port}")
        else:
            with contextlib.closing(socket.create_connection((host, port), timeout=wait)):
                pass
    except (OSError, ValueError):
        return False
    return True
