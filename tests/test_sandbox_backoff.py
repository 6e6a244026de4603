"""A passing engine fault (the agent out of descriptors for a moment, a boot that timed out) costs
seconds of code skills, not five minutes, and is said once.

Before the fix the first failure turned code skills off for a flat `RETRY_S` (300 s), whatever the
fault: an agent that ran out of file descriptors for a moment (EMFILE) lost its code skills for five
minutes (1 of 1 passing faults), and an engine that stayed broken was tried at the same pace forever.
Now the first retry is due after `RETRY_FIRST_S` (1 s), each failed retry doubles the wait up to
`RETRY_S`, the first success turns code skills on again and starts the back-off afresh; the whole
outage is one warning line and one "on again" line, however many calls and retries it spans.
"""

from __future__ import annotations

import logging
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


def _join_retries(before: set[threading.Thread]) -> None:
    """Join the builds and retries this test started (not another test's, still ending)."""
    for thread in threading.enumerate():
        if thread not in before and thread.name in ("skillevo-sandbox-retry", "skillevo-sandbox-build"):
            thread.join(timeout=60)


def _waits(outcomes: list[Any]) -> list[float]:
    """The wait before the next try after each failed build, driving retries as calls would."""
    waits = []
    before = set(threading.enumerate())
    for _ in range(len(outcomes)):
        try:
            _sandbox_jail.jail()
        except SandboxUnavailable:
            pass
        _join_retries(before)
        if _sandbox_jail._FAILURE.reason is None:
            break
        waits.append(round(_sandbox_jail._FAILURE.retry_at - time.monotonic()))
        for _ in range(20):  # many calls during the outage, before the retry is due: none builds, none logs
            with pytest.raises(SandboxUnavailable):
                _sandbox_jail.jail()
        _sandbox_jail._FAILURE.retry_at = 0.0  # due now: the next call starts the retry
    return waits


def test_a_passing_fault_backs_off_growing_and_recovers_at_the_first_success(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    built = object()
    outcomes: list[Any] = [OSError(24, "Too many open files")] * 10 + [built]
    builds: list[int] = []

    def build() -> Any:
        builds.append(1)
        got = outcomes[min(len(builds), len(outcomes)) - 1]
        if isinstance(got, Exception):
            raise got
        return got

    monkeypatch.setattr(_sandbox_jail, "_build", build)
    with caplog.at_level(logging.INFO, logger="skillevo"):
        waits = _waits(outcomes)
        assert _sandbox_jail.jail() is built
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300], waits
    assert len(builds) == 11  # one build per try, never one per call
    lines = [r.getMessage() for r in caplog.records if "code skills" in r.getMessage()]
    assert len(lines) == 2 and "Too many open files" in lines[0] and "on again" in lines[1], lines
    # Recovered: the next outage starts the back-off afresh.
    outcomes[:] = [OSError(24, "Too many open files")]
    builds.clear()
    _sandbox_jail.broken("code skills cannot run: the jail stopped starting (no worker booted)")
    assert round(_sandbox_jail._FAILURE.retry_at - time.monotonic()) == 1


def test_a_code_skill_the_engine_could_not_run_says_why_once_an_episode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Live, a code skill the host could not run left no trace (0 events for 3 episodes of 4 failed
    calls: nothing said why the skill never repaired); now one `repair` event an episode, not applied,
    whose ``skipped`` names the engine's reason, and nothing credited."""
    from skillevo import EventKind, Evolver, ProcessSandbox, SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus

    monkeypatch.setattr(_sandbox_jail, "_find_bwrap", lambda: None)
    code = "def repair(tool, args, error):\n    return dict(args, units='C')\n"
    with SkillLibrary(":memory:") as lib, ProcessSandbox(warm=False) as sb:
        lib.add_skill("fixes", Trigger(kind=TriggerKind.TOOL_ERROR, tool="weather", pattern="missing units"),
                      Strategy(code=code), status=VersionStatus.ACTIVE)  # fmt: skip
        evo = Evolver(lib, miner=None, seed=3, sandbox=sb, mining="inline")
        for _ in range(3):
            with evo.episode(task="weather") as ep:
                for n in range(4):
                    ep.on_tool_error("weather", {"city": f"Oslo-{n}", "units": "K"}, ValueError("missing units"))
                ep.finish(0.0)
        events = [e.data for e in lib.events(kind=EventKind.REPAIR)]
        assert len(events) == 3, events
        assert all(d["applied"] is False and "bubblewrap" in d["skipped"] for d in events), events
        (version,) = lib.skill("fixes").versions
        assert (version.alpha, version.beta) == (1.0, 1.0)
