"""A process forked while the sandbox engine's retry thread runs must still retry its engine.

The fault: code skills were off (the engine failed) and the background retry of its build was in
flight (a ``bwrap`` that hangs holds it up to the self-test's 60 s) when the agent process forked
(a multiprocessing worker, a pre-fork server). The child inherits the "a retry is running" mark
but not the thread, so it never tried the engine again: code skills stayed off in the child for
its whole life, though the engine built there (1 of 1 children -> 0 of 1). A retry that ended with
an exception other than the jail's own (a bug, a ``RuntimeError`` from the host) likewise left the
mark set for good (1 of 1 -> 0 of 1).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from skillevo import SandboxUnavailable, _sandbox_jail
from skillevo._sandbox_jail import forget


@pytest.fixture(autouse=True)
def fresh_jail() -> Iterator[None]:
    forget()
    yield
    forget()


def _join_retries() -> None:
    for thread in threading.enumerate():
        if thread.name == "skillevo-sandbox-retry":
            thread.join(timeout=60)


def _retried_until_built(deadline_s: float = 10.0) -> bool:
    """Call `jail` as an agent would until it answers (its retry runs in the background)."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            _sandbox_jail.jail()
            return True
        except SandboxUnavailable:
            time.sleep(0.01)
    return False


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_child_forked_during_a_retry_retries_its_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_sandbox_jail, "RETRY_S", 0.0)
    parent = os.getpid()
    release = threading.Event()
    ready = object()

    def build() -> Any:
        if os.getpid() == parent:
            release.wait(60)  # the parent's retry hangs (a stuck bwrap) while the process forks
            raise SandboxUnavailable("code skills cannot run: bubblewrap is stuck")
        return ready  # in the child the engine builds

    monkeypatch.setattr(_sandbox_jail, "_build", lambda: (_ for _ in ()).throw(
        SandboxUnavailable("code skills cannot run: bubblewrap is stuck")))
    with pytest.raises(SandboxUnavailable):
        _sandbox_jail.jail()  # the first failure: code skills off
    monkeypatch.setattr(_sandbox_jail, "_build", build)
    with pytest.raises(SandboxUnavailable):
        _sandbox_jail.jail()  # starts the background retry, which hangs
    pid = os.fork()
    if pid == 0:  # the child: its engine builds; a call must find it again
        os._exit(0 if _retried_until_built() else 1)
    release.set()
    _join_retries()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "the forked child never retried its engine"


def test_a_retry_that_raises_something_else_does_not_end_all_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_sandbox_jail, "RETRY_S", 0.0)
    ready = object()
    outcome: list[Any] = [SandboxUnavailable("code skills cannot run: bubblewrap is stuck")]

    def build() -> Any:
        if isinstance(outcome[0], BaseException):
            raise outcome[0]
        return outcome[0]

    monkeypatch.setattr(_sandbox_jail, "_build", build)
    with pytest.raises(SandboxUnavailable):
        _sandbox_jail.jail()
    outcome[0] = RuntimeError("can't start new thread")
    monkeypatch.setattr(threading, "excepthook", lambda args: None)  # the retry's own end, not the test's
    with pytest.raises(SandboxUnavailable):
        _sandbox_jail.jail()  # this retry ends with an unexpected exception
    _join_retries()
    outcome[0] = ready
    assert _retried_until_built(), "after one retry raised an unexpected exception, none was tried again"


def test_a_retry_thread_that_cannot_start_is_tried_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """``Thread.start`` refused (no thread left, interpreter ending): the error was raised out of
    `jail` and the "retrying" mark stayed set, so no later call ever retried (1 of 1 -> 0 of 1)."""
    monkeypatch.setattr(_sandbox_jail, "RETRY_S", 0.0)
    ready = object()
    outcome: list[Any] = [SandboxUnavailable("code skills cannot run: bubblewrap is stuck")]

    def build() -> Any:
        if isinstance(outcome[0], BaseException):
            raise outcome[0]
        return outcome[0]

    monkeypatch.setattr(_sandbox_jail, "_build", build)
    with pytest.raises(SandboxUnavailable):
        _sandbox_jail.jail()
    real_thread = threading.Thread

    class NoThread(threading.Thread):
        def start(self) -> None:
            raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading, "Thread", NoThread)
    with pytest.raises(SandboxUnavailable):
        _sandbox_jail.jail()  # the failure, as before: not the thread's RuntimeError
    monkeypatch.setattr(threading, "Thread", real_thread)
    outcome[0] = ready
    assert _retried_until_built(), "after a retry thread could not start, none was tried again"
