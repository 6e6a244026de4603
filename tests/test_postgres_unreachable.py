"""PostgreSQL going away in the middle of a run (the server stopped, a failover, a network cut:
connections refused). A real TCP proxy in front of the test server is killed and started again.

Before 2026-12-06 every store call of the agent's run waited out the pool's whole `timeout` for a
connection the server would never give (15 s by default, once per read and per write): with
`timeout=20`, one episode took over a minute, and a run of 12 episodes with 4 of them while the
server was away did not finish in 10 minutes. Now a store call that finds the server refusing
connections fails at once (a `LibraryError`, records kept queued), and the library takes the
server back as soon as it answers again; no episode is lost."""

from __future__ import annotations

import functools
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from urllib.parse import urlparse

import pytest

from skillevo import Evolver, LibraryError, SkillLibrary

PROXY = textwrap.dedent(
    """
    import socket, sys, threading
    listen, host, port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", listen))
    srv.listen(64)
    print("ready", flush=True)

    def pipe(a, b):
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    while True:
        client, _ = srv.accept()
        upstream = socket.create_connection((host, port))
        threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
        threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
    """
)


class Proxy:
    def __init__(self, target: str) -> None:
        parsed = urlparse(target)
        self.host, self.port = parsed.hostname or "127.0.0.1", parsed.port or 5432
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.listen = s.getsockname()[1]
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", PROXY, str(self.listen), self.host, str(self.port)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "ready"

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


@pytest.fixture
def proxy(pg_url: str) -> Iterator[Proxy]:
    p = Proxy(pg_url)
    p.start()
    yield p
    p.kill()


def test_a_server_that_goes_away_mid_run_holds_up_no_episode_and_loses_none(pg_url: str, proxy: Proxy) -> None:
    parsed = urlparse(pg_url)
    via_proxy = parsed._replace(netloc=f"127.0.0.1:{proxy.listen}").geturl()
    lib = SkillLibrary(via_proxy, timeout=20)
    evo = Evolver(lib, sandbox=None, mining="inline")
    finished: list[str] = []
    took: list[float] = []
    refused = 0
    for i in range(12):
        if i == 4:
            proxy.kill()  # connection refused from here on
        if i == 8:
            proxy.start()
        start = time.monotonic()
        ep = evo.episode(task=f"task {i}")
        calls: list[Callable[[], object]] = [
            functools.partial(ep.on_tool_result, "lookup", {"q": i}, {"rows": [i]}),
            functools.partial(ep.on_tool_error, "book", {"date": "03/04/2025"}, "ValueError: date must be YYYY-MM-DD"),
            functools.partial(ep.finish, 1.0),
        ]
        for call in calls:
            try:
                call()
            except LibraryError:
                refused += 1  # an adapter logs it (skillevo.adapters); the run goes on
        took.append(time.monotonic() - start)
        finished.append(ep.id)
    lib.flush()
    lib.close()
    with SkillLibrary(pg_url) as direct:
        stored = {e.id for e in direct.episodes()}
    assert set(finished) <= stored, f"{len(set(finished) - stored)} of {len(finished)} episodes lost"
    assert max(took) < 5.0, [round(t, 2) for t in took]
    assert refused <= 3 * 5
