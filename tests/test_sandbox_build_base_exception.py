"""A jail build that ends with a BaseException that is not an Exception must not hang its caller.

The fault: the background build raised ``SystemExit`` or ``KeyboardInterrupt`` (a library calling
``sys.exit`` while it loads, a signal turned into an exception in that thread). `_try_build` only
caught `Exception`, so the build thread set its "done" event without clearing the build under way:
`jail`'s loop found the same already-set event each turn and spun on the agent's thread for good
(2 of 2 ends hung -> 0 of 2). A retry that ended so likewise left "retrying" set for good, so code
skills never came back (2 of 2 -> 0 of 2).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from skillevo import SandboxNotRun, SandboxUnavailable, _sandbox_jail
from skillevo._sandbox_jail import forget

_ENDS = [SystemExit(3), KeyboardInterrupt()]


@pytest.fixture(autouse=True)
def fresh_jail(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(threading, "excepthook", lambda args: None)  # the build thread's own end
    forget()
    yield
    forget()


def _join(name: str) -> None:
    for thread in threading.enumerate():
        if thread.name == name:
            thread.join(timeout=30)


def _call_jail(monkeypatch: pytest.MonkeyPatch) -> list[BaseException | None]:
    """`jail` on another thread, joined with a hang guard: [] means it never returned."""
    result: list[BaseException | None] = []

    def call() -> None:
        try:
            _sandbox_jail.jail(wait_s=30.0)
            result.append(None)
        except BaseException as exc:  # what the caller got, whatever it is
            result.append(exc)

    caller = threading.Thread(target=call, daemon=True)
    caller.start()
    caller.join(timeout=10)  # a hang guard, not a speed check
    if not result:  # release a caller still spinning: its next build succeeds, so it returns
        answered = list(result)
        monkeypatch.setattr(_sandbox_jail, "_build", object)
        forget()
        caller.join(timeout=30)
        return answered
    return result


@pytest.mark.parametrize("end", _ENDS, ids=lambda e: type(e).__name__)
def test_a_build_ending_with_a_base_exception_answers_the_caller(
    monkeypatch: pytest.MonkeyPatch, end: BaseException
) -> None:
    def build() -> Any:
        raise end

    monkeypatch.setattr(_sandbox_jail, "RETRY_FIRST_S", 300.0)  # no retry due during the test
    monkeypatch.setattr(_sandbox_jail, "_build", build)
    got = _call_jail(monkeypatch)
    assert got, "jail() never returned after its build ended with " + type(end).__name__
    assert isinstance(got[0], (SandboxUnavailable, SandboxNotRun)), got
    assert type(end).__name__ in str(got[0])


@pytest.mark.parametrize("end", _ENDS, ids=lambda e: type(e).__name__)
def test_a_retry_ending_with_a_base_exception_is_retried(monkeypatch: pytest.MonkeyPatch, end: BaseException) -> None:
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
    _join("skillevo-sandbox-retry")  # the first call's own retry (due at once) ends as the build did
    outcome[0] = end
    with pytest.raises(SandboxUnavailable):
        _sandbox_jail.jail()  # starts the retry, which ends with `end`
    _join("skillevo-sandbox-retry")
    outcome[0] = ready
    with pytest.raises(SandboxUnavailable):
        _sandbox_jail.jail()  # starts the next retry (none would start if "retrying" stayed set)
    _join("skillevo-sandbox-retry")
    assert _sandbox_jail.jail() is ready, "after a retry ended with a BaseException, none was tried again"
