"""The sandbox engine missing or broken at run time: code skills are off, the run and the skills unharmed.

The faults: no ``bwrap`` on the host; a ``bwrap`` that cannot start the jail (user namespaces refused,
the kernel's reason on stderr); and one that passed the jail's self-test but stops starting workers
later (replaced, namespaces switched off). Before the fix, each failed call ran the code skill "and
lost": 20 of 20 failed calls credited the skill's version a loss in the posterior the library shares
with every host (a good skill buried by a host that cannot run it), 20 of 20 shadow runs of an
unapproved one were scored as losses for its reviewer, and a broken ``bwrap`` was rebuilt and
self-tested on each of 5 calls (``ldd`` over the standard library's modules and a jail start, about
0.5 s each; a ``bwrap`` that hangs held each call up to 60 s). Now the first failure turns code skills
off for the process (tried again in the background after `RETRY_S`, or at once after `forget`), said
in one warning line; every later call raises `SandboxUnavailable` at once with the same line, and the
Evolver treats its code skills as it does with ``sandbox=None``: nothing runs, nothing is credited
or scored.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skillevo import (
    EventKind,
    Evolver,
    ProcessSandbox,
    SandboxError,
    SandboxUnavailable,
    SkillLibrary,
    Strategy,
    Trigger,
    TriggerKind,
    VersionStatus,
    _sandbox_jail,
)
from skillevo._sandbox_jail import forget

FIXES = "def repair(tool, args, error):\n    return dict(args, units='C')\n"
CALLS = 20

# A bwrap that refuses every start, as one does where the kernel refuses unprivileged user namespaces.
REFUSING = """#!/bin/sh
echo "bwrap: No permissions to create new namespace" >&2
exit 1
"""
# A bwrap that passes the jail's self-test, then fails every worker: broken after the jail was built.
BREAKS_LATER = """#!/bin/sh
for a in "$@"; do
  if [ "$a" = "print('jail-ok')" ]; then echo jail-ok; exit 0; fi
done
echo "bwrap: setting up uid map: Permission denied" >&2
exit 1
"""


@pytest.fixture(autouse=True)
def fresh_jail() -> Iterator[None]:
    forget()
    yield
    forget()


def _fake_bwrap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str) -> None:
    path = tmp_path / "bwrap"
    path.write_text(script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(_sandbox_jail, "_find_bwrap", lambda: str(path))


def _no_bwrap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_sandbox_jail, "_find_bwrap", lambda: None)


def _refusing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_bwrap(tmp_path, monkeypatch, REFUSING)


def _breaks_later(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if _sandbox_jail.missing_software() is not None or not os.access("/bin/sh", os.X_OK):
        pytest.skip("needs libseccomp and /bin/sh to build a jail around the fake bwrap")
    _fake_bwrap(tmp_path, monkeypatch, BREAKS_LATER)


FAULTS = {"no-bwrap": _no_bwrap, "bwrap-refuses": _refusing, "bwrap-breaks-later": _breaks_later}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_code_skill_is_never_credited_a_loss_the_host_caused(
    fault: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    FAULTS[fault](tmp_path, monkeypatch)
    with SkillLibrary(":memory:") as lib, ProcessSandbox(warm=False) as sb:
        lib.add_skill("fixes", Trigger(kind=TriggerKind.TOOL_ERROR, tool="weather", pattern="missing units"),
                      Strategy(code=FIXES), status=VersionStatus.ACTIVE)  # fmt: skip
        evo = Evolver(lib, miner=None, seed=3, sandbox=sb, mining="inline")
        retried = []
        for _ in range(CALLS):
            with evo.episode(task="weather") as ep:
                retried.append(ep.on_tool_error("weather", {"city": "Oslo"}, ValueError("missing units")))
                ep.finish(0.0)
        (version,) = lib.skill("fixes").versions
        assert retried == [None] * CALLS
        assert (version.alpha, version.beta) == (1.0, 1.0), f"{version.beta - 1:g} of {CALLS} credited a loss"
        assert lib.skill("fixes").status is VersionStatus.ACTIVE


@pytest.mark.parametrize("fault", list(FAULTS))
def test_an_unapproved_code_skill_is_never_scored_in_shadow_by_a_host_that_cannot_run_it(
    fault: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    FAULTS[fault](tmp_path, monkeypatch)
    with SkillLibrary(":memory:") as lib, ProcessSandbox(warm=False) as sb:
        lib.add_skill("fixes", Trigger(kind=TriggerKind.TOOL_ERROR, tool="weather", pattern="missing units"),
                      Strategy(code=FIXES), status=VersionStatus.TESTING)  # fmt: skip
        evo = Evolver(lib, miner=None, seed=3, sandbox=sb, review="required", mining="inline")
        for _ in range(CALLS):
            with evo.episode(task="weather") as ep:
                assert ep.on_tool_error("weather", {"city": "Oslo"}, ValueError("missing units")) is None
                ep.finish(0.0)
        shadow = lib.events(kind=EventKind.SHADOW)
        losses = [e for e in shadow if e.data.get("outcome") == "loss"]
        assert not losses, f"{len(losses)} of {CALLS} shadow runs scored a loss"
        skipped = {str(e.data.get("skipped")) for e in shadow if e.data.get("skipped")}
        assert len(skipped) == 1 and "code skills cannot run" in skipped.pop()


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_failed_engine_is_reported_once_and_every_later_call_fails_at_once(
    fault: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    FAULTS[fault](tmp_path, monkeypatch)
    monkeypatch.setattr(_sandbox_jail, "RETRY_FIRST_S", 300.0)  # no retry due during the 5 calls
    builds = []
    real_build = _sandbox_jail._build

    def counted() -> _sandbox_jail.Jail:
        builds.append(1)
        return real_build()

    monkeypatch.setattr(_sandbox_jail, "_build", counted)
    messages = []
    with caplog.at_level(logging.WARNING, logger="skillevo"), ProcessSandbox(warm=False) as sb:
        for _ in range(5):
            with pytest.raises(SandboxUnavailable) as info:
                sb.run_repair(FIXES, "weather", {"city": "Oslo"}, "missing units")
            messages.append(str(info.value))
    assert len(builds) == 1, f"the jail was built {len(builds)} times for 5 calls"
    assert len(set(messages)) == 1 and "\n" not in messages[0] and messages[0].startswith("code skills cannot run")
    warned = [r.getMessage() for r in caplog.records if "code skills" in r.getMessage()]
    assert warned == [messages[0] + "; code skills are off in this process"]
    assert isinstance(info.value, SandboxError)  # callers catching SandboxError still catch it


def test_forget_tries_the_engine_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _no_bwrap(tmp_path, monkeypatch)
    with pytest.raises(SandboxUnavailable):
        _sandbox_jail.jail()
    monkeypatch.setattr(_sandbox_jail, "_find_bwrap", lambda: str(tmp_path / "missing"))
    monkeypatch.setattr(_sandbox_jail, "_build", lambda: pytest.fail("rebuilt before forget()"))
    with pytest.raises(SandboxUnavailable, match="bubblewrap"):
        _sandbox_jail.jail()
    forget()
    monkeypatch.setattr(_sandbox_jail, "_build", lambda: None)
    _sandbox_jail.jail()  # built again


def test_a_failed_engine_is_tried_again_off_the_agents_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """After the first failure, a retry never runs on a caller's thread (before: 2 of 2 did, each up to
    the self-test's 60 s with a hanging ``bwrap``); once the engine builds again, calls use it."""
    monkeypatch.setattr(_sandbox_jail, "RETRY_S", 0.0)
    on_caller: list[str] = []
    outcome: list[Any] = [SandboxUnavailable("code skills cannot run: bubblewrap is stuck")]
    caller = threading.current_thread()

    def scripted() -> Any:
        if threading.current_thread() is caller:
            on_caller.append("build")
        if isinstance(outcome[0], Exception):
            raise outcome[0]
        return outcome[0]

    monkeypatch.setattr(_sandbox_jail, "_build", scripted)
    with pytest.raises(SandboxUnavailable):
        _sandbox_jail.jail()  # the first build: waited for (nothing to run code with yet), on its own thread
    with pytest.raises(SandboxUnavailable, match="stuck"):
        _sandbox_jail.jail()  # due for a retry: started in the background, this call fails at once
    _join_retries()
    ready = object()
    outcome[0] = ready
    with pytest.raises(SandboxUnavailable, match="stuck"):
        _sandbox_jail.jail()
    _join_retries()
    assert _sandbox_jail.jail() is ready
    assert on_caller == [], f"{len(on_caller)} of 3 builds ran on the caller's thread"


def _join_retries() -> None:
    for thread in threading.enumerate():
        if thread.name == "skillevo-sandbox-retry":
            thread.join(timeout=60)
