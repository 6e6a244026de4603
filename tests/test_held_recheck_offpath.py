"""A held import is looked at again off the agent's call path, and still frees in bounded time.

`ReviewGate.held` caches "held" for `_HELD_TTL_S`; when that ran out, the next call of the tool ran
the check itself (`awaits_evidence`: a replay of the tool's stored failures, about 100 ms with 2,500
of them) inside the agent's tool call, once every two minutes for as long as the import waited. The
call that finds the answer old now answers "held" (what the cache said until then: fail closed) and
hands the check to a background thread; its answer is the next call's. A version found free stays
free, and a check that fails holds and is asked again.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from skillevo import SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus, _review_gate
from skillevo._models import MapValue, Repair, SkillVersion
from skillevo._review_gate import ReviewGate, _Holds
from skillevo._store import SkillStore

TTL = 60.0  # the test's clock passes it at will: a slow machine's pauses never expire an answer


class _Clock:
    """`time` as `_review_gate` reads it, with the monotonic clock moved forward by `passes`."""

    def __init__(self) -> None:
        self.ahead = 0.0
        self.time = time.time

    def monotonic(self) -> float:
        return time.monotonic() + self.ahead

    def passes(self, seconds: float) -> None:
        self.ahead += seconds


class _Check:
    """A check that holds until `evidence` is set, recording the threads it ran on."""

    def __init__(self) -> None:
        self.evidence = False
        self.failing = False
        self.threads: list[int] = []

    def __call__(self, store: SkillStore, version: SkillVersion) -> bool:
        self.threads.append(threading.get_ident())
        if self.failing:
            raise RuntimeError("the log cannot be read")
        return not self.evidence


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    """The held answers' TTL, and a clock the test moves past it (it was 0.05 s of real time, which a
    machine pausing the test between two calls could pass where the test needed it not passed)."""
    clock = _Clock()
    monkeypatch.setattr(_review_gate, "_HELD_TTL_S", TTL)
    monkeypatch.setattr(_review_gate, "time", clock)
    return clock


def _version(tmp_path: Path) -> tuple[SkillLibrary, SkillVersion]:
    lib = SkillLibrary(tmp_path / "lib.db")
    version = lib.add_skill("held-map", Trigger(kind=TriggerKind.TOOL_ERROR, tool="t"),
                          Strategy(repair=Repair(ops=[MapValue(arg="s", mapping={"a": "b"})])),
                          status=VersionStatus.TESTING)
    return lib, version


def test_an_expired_hold_is_looked_at_off_the_call_path_and_frees_in_bounded_time(
    tmp_path: Path, clock: _Clock
) -> None:
    lib, version = _version(tmp_path)
    check = _Check()
    holds = _Holds(check, threading.Lock())
    me = threading.get_ident()
    with lib:
        assert holds.held(lib, version)  # the first answer is asked on the call, as before
        assert check.threads == [me]
        for _ in range(1000):  # within the TTL: the cached answer, no check
            assert holds.held(lib, version)
        assert len(check.threads) == 1
        check.evidence = True
        clock.passes(TTL * 2)
        assert holds.held(lib, version)  # old: still held on this call (fail closed) ...
        assert holds.settle(5.0)
        assert len(check.threads) == 2 and check.threads[1] != me  # ... asked off the caller's thread
        assert not holds.held(lib, version)  # the background answer is the next call's
        clock.passes(TTL * 2)
        for _ in range(100):  # free stays free: never asked again
            assert not holds.held(lib, version)
        assert holds.settle(5.0)
        assert len(check.threads) == 2
        assert me not in check.threads[1:]


def test_calls_after_the_ttl_ask_off_the_path_and_a_failed_check_holds_and_is_asked_again(
    tmp_path: Path, clock: _Clock
) -> None:
    lib, version = _version(tmp_path)
    check = _Check()
    holds = _Holds(check, threading.Lock())
    me = threading.get_ident()
    with lib:
        assert holds.held(lib, version)
        clock.passes(TTL * 2)
        for _ in range(200):  # past the TTL: one check in flight at a time, none on the call
            assert holds.held(lib, version)
        assert holds.settle(5.0)
        assert len(check.threads) == 2 and me not in check.threads[1:]
        clock.passes(TTL * 2)
        check.failing = True
        for _ in range(50):  # a check that fails holds, and the next call asks again (off the path)
            assert holds.held(lib, version)
        assert holds.settle(5.0)
        assert len(check.threads) >= 3 and me not in check.threads[1:]
        check.failing = False
        check.evidence = True
        assert holds.held(lib, version)  # the failed check left it held, asked again at once
        assert holds.settle(5.0)
        assert not holds.held(lib, version)


def test_the_gate_answers_from_the_background_check_for_a_real_import(
    tmp_path: Path, clock: _Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib, version = _version(tmp_path)
    evidence = {"now": False}
    threads: list[int] = []

    def awaits(store: SkillStore, v: SkillVersion) -> bool:
        threads.append(threading.get_ident())
        return not evidence["now"]

    monkeypatch.setattr(_review_gate, "awaits_evidence", awaits)
    with lib:
        gate = ReviewGate(lib)
        assert gate.held(version) and not gate.live(version, canary=False)
        evidence["now"] = True
        clock.passes(TTL * 2)
        assert gate.held(version)
        assert gate.settle(5.0)
        assert not gate.held(version) and gate.live(version, canary=False)
        assert threads[0] == threading.get_ident() and threads[1] != threading.get_ident()
