"""A launcher (``bwrap``) that hangs never holds the agent's call: the call goes on without the skill.

The fault: ``bwrap`` hangs (a stuck mount, a host under memory pressure) while the jail is built or
while a worker boots. Before the fix the first tool call that fired a code skill waited for it on the
agent's path: ``bwrap --help`` (10 s) and the jail's self-test (60 s) while the jail was built, the
worker's boot timeout (30 s) once it was: about 71 s for one call (2 of 2 hangs held the call). Now
a call waits at most `ProcessSandbox(boot_wait_s=...)` (5 s by default) for the engine, then goes on
as if no code skill fired (`SandboxNotRun`, nothing credited), while the build or boot goes on in the
background; once the launcher answers, code skills run again with no restart and no `forget`.

The hanging launcher is injected through the sandbox's own configuration (``SKILLEVO_BWRAP``, the
launcher to use): a script that waits for a gate file, then hands over to the real ``bwrap``.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skillevo import (
    ConfigError,
    Evolver,
    ProcessSandbox,
    SandboxNotRun,
    SkillLibrary,
    Strategy,
    Trigger,
    TriggerKind,
    VersionStatus,
)
from skillevo._sandbox_jail import _find_bwrap, forget

FIXES = "def repair(tool, args, error):\n    return dict(args, units='C')\n"
ARGS = {"city": "Oslo", "units": "kelvin"}

# Hangs every start until the gate file exists (all of them, or only the workers: the jail's
# self-test and ``--help`` pass through), then runs the real bwrap.
LAUNCHER = """#!/bin/sh
echo x >> {count}
case "$*" in
  *"print('jail-ok')"*|--help) [ "{which}" = workers ] && exec {real} "$@" ;;
esac
while [ ! -e {gate} ]; do sleep 0.02; done
exec {real} "$@"
"""


_GATES: list[Path] = []


@pytest.fixture(autouse=True)
def fresh_jail() -> Iterator[None]:
    forget()
    yield
    for gate in _GATES:  # let every launcher still waiting end, so no build outlives its test
        gate.touch()
    _GATES.clear()
    forget()


def _launcher(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, which: str) -> Path:
    real = _find_bwrap()
    if real is None:
        pytest.skip("needs bubblewrap")
    gate = tmp_path / "gate"
    _GATES.append(gate)
    path = tmp_path / "hanging-bwrap"
    path.write_text(LAUNCHER.format(count=tmp_path / "count", which=which, real=real, gate=gate))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("SKILLEVO_BWRAP", str(path))
    return gate


def _in_thread(fn: Any, join_s: float = 30.0) -> list[Any]:
    """`fn()`'s outcome, or [] if it was still running after `join_s` (the hang held it)."""
    out: list[Any] = []

    def run() -> None:
        try:
            out.append(fn())
        except Exception as exc:
            out.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(join_s)
    return out


@pytest.mark.parametrize("which", ["all", "workers"])
def test_a_hanging_launcher_does_not_hold_the_call(
    which: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, needs_sandbox: None
) -> None:
    gate = _launcher(tmp_path, monkeypatch, which)
    with ProcessSandbox(warm=False, boot_wait_s=0.5) as sb:
        out = _in_thread(lambda: sb.run_repair(FIXES, "weather", ARGS, "missing units"))
        assert out, f"the call was held by a launcher that hangs ({which})"
        assert isinstance(out[0], SandboxNotRun) and "still starting" in str(out[0]), out
        gate.touch()  # the launcher answers: code skills are back, without a restart or forget()
        for _ in range(600):  # the build or boot ends in the background; calls meanwhile go on without it
            got = _in_thread(lambda: sb.run_repair(FIXES, "weather", ARGS, "missing units"))
            if got and not isinstance(got[0], SandboxNotRun):
                break
            time.sleep(0.05)
        assert got == [{"city": "Oslo", "units": "C"}], got


def test_the_agents_call_goes_on_without_the_skill_while_the_launcher_hangs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, needs_sandbox: None
) -> None:
    _launcher(tmp_path, monkeypatch, "all")
    with SkillLibrary(":memory:") as lib, ProcessSandbox(warm=False, boot_wait_s=0.3) as sb:
        lib.add_skill("fixes", Trigger(kind=TriggerKind.TOOL_ERROR, tool="weather", pattern="missing units"),
                      Strategy(code=FIXES), status=VersionStatus.ACTIVE)  # fmt: skip
        evo = Evolver(lib, miner=None, seed=3, sandbox=sb, mining="inline")

        def episodes() -> list[Any]:
            got = []
            for _ in range(3):
                with evo.episode(task="weather") as ep:
                    got.append(ep.on_tool_error("weather", dict(ARGS), ValueError("missing units")))
                    ep.finish(0.0)
            return got

        out = _in_thread(episodes)
        assert out == [[None, None, None]], "the agent's calls were held by the hanging launcher"
        (version,) = lib.skill("fixes").versions
        assert (version.alpha, version.beta) == (1.0, 1.0)  # not run: nothing credited


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), "5", True])
def test_a_boot_wait_that_cannot_hold_is_refused(bad: Any) -> None:
    with pytest.raises(ConfigError, match="boot_wait_s"):
        ProcessSandbox(boot_wait_s=bad)


@pytest.mark.parametrize("kind", ["missing", "not executable", "relative"])
def test_the_launcher_setting_must_name_an_executable_by_its_absolute_path(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never another bwrap in its place, and never one found relative to the agent's working folder."""
    from skillevo._sandbox_jail import _find_bwrap, missing_software

    script = tmp_path / "bwrap"
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(0o700 if kind == "relative" else 0o600)
    given = {"missing": str(tmp_path / "nothing-here"), "not executable": str(script), "relative": "bwrap"}[kind]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SKILLEVO_BWRAP", given)
    assert _find_bwrap() is None
    why = missing_software()
    assert why is not None and "SKILLEVO_BWRAP" in why and "\n" not in why
    monkeypatch.delenv("SKILLEVO_BWRAP")
    assert os.environ.get("SKILLEVO_BWRAP") is None


@pytest.mark.parametrize("writable", ["the file", "its folder", "the folder a link points into"])
def test_the_launcher_setting_refuses_a_program_others_can_replace(
    writable: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bwrap that another user can rewrite (or swap, through its folder) runs outside the sandbox as
    whoever starts the agent: refused with a one-line reason, as a missing one is. A private copy of
    the same program (the control) is used."""
    from skillevo._sandbox_jail import _find_bwrap, missing_software

    folder = tmp_path / "tools"
    folder.mkdir(mode=0o700)
    script = folder / "bwrap"
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(0o700)
    given = script
    if writable == "the file":
        script.chmod(0o777)
    elif writable == "its folder":
        folder.chmod(0o777)
    else:
        folder.chmod(0o777)
        given = tmp_path / "bwrap-link"
        given.symlink_to(script)
    monkeypatch.setenv("SKILLEVO_BWRAP", str(given))
    assert _find_bwrap() is None
    why = missing_software()
    assert why is not None and "SKILLEVO_BWRAP" in why and "\n" not in why
    folder.chmod(0o700)
    script.chmod(0o700)
    assert _find_bwrap() == str(given)  # the control: the same program, private


@pytest.mark.parametrize("path", [":{real}", ".:{real}", "bin:{real}", "{real}::/bin"])
def test_a_bwrap_on_path_is_never_one_relative_to_the_working_folder(
    path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PATH with an empty or relative entry (``:/usr/bin``, ``.``) had ``shutil.which`` find a bwrap
    planted in the agent's working folder first (2 of 4 PATH shapes chose ``bwrap``/``./bwrap``,
    attack23): only PATH's absolute folders are searched, and the launcher is an absolute path."""
    from skillevo._sandbox_jail import _find_bwrap

    real = tmp_path / "real"
    real.mkdir()
    for folder in (tmp_path, tmp_path / "bin", real):
        folder.mkdir(exist_ok=True)
        script = folder / "bwrap"
        script.write_text("#!/bin/sh\nexit 0\n")
        script.chmod(0o700)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SKILLEVO_BWRAP", raising=False)
    monkeypatch.setenv("PATH", path.format(real=real))
    assert _find_bwrap() == str(real / "bwrap")


@pytest.mark.parametrize("path", [":{real}", ".:{real}"])
def test_the_jail_build_runs_no_ldd_relative_to_the_working_folder(
    path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The jail's library listing ran ``ldd`` as found on PATH (the agent's own process, unjailed):
    a ``./ldd`` planted in the working folder ran (2 of 2 PATH shapes, attack23) -> the host's."""
    from skillevo._sandbox_jail import _ldd_paths

    ran = tmp_path / "ran"
    (tmp_path / "ldd").write_text(f"#!/bin/sh\n: > {ran}\n")
    (tmp_path / "ldd").chmod(0o700)
    real = tmp_path / "real"
    real.mkdir()
    (real / "ldd").write_text("#!/bin/sh\nexit 0\n")
    (real / "ldd").chmod(0o700)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", path.format(real=real))
    _ldd_paths(["/bin/sh"])
    assert not ran.exists()


def test_calls_during_a_hanging_boot_share_one_wait(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker still booting is waited for `boot_wait_s` after it started, by all calls together:
    before, each of 5 calls that found it waited a fresh `boot_wait_s` (5 of 5 waited), now the
    calls after the first find the wait spent and go on at once (counted: runs of the selector wait)."""
    _launcher(tmp_path, monkeypatch, "workers")
    from skillevo import _sandbox_jail, _sandbox_worker

    _sandbox_jail.jail()  # the jail builds (its self-test passes): only the workers hang

    waits: list[float] = []
    real = _sandbox_worker.Worker.wait_booted

    def counted(self: Any, timeout_s: float) -> bool:
        waits.append(timeout_s)
        return bool(real(self, timeout_s))

    monkeypatch.setattr(_sandbox_worker.Worker, "wait_booted", counted)
    with ProcessSandbox(warm=False, boot_wait_s=0.3) as sb:
        for _ in range(5):
            out = _in_thread(lambda: sb.run_repair(FIXES, "weather", ARGS, "missing units"))
            assert out and isinstance(out[0], SandboxNotRun), out
    assert len(waits) == 5 and sum(1 for w in waits if w > 0) == 1, waits
