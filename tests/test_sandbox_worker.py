"""The code sandbox as a component: refusal without bubblewrap, the warm spare, threads, the Evolver path.

The attacks themselves are in test_sandbox_attacks.py.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from skillevo import ProcessSandbox, SandboxError
from skillevo._sandbox_jail import jail

CUSTOMER = "4111-CUSTOMER-VALUE-9931"  # an argument value that must never show in error text


def test_without_bubblewrap_code_is_refused_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    from skillevo import _sandbox_jail

    jail.cache_clear()
    monkeypatch.setattr(_sandbox_jail, "_find_bwrap", lambda: None)
    try:
        with pytest.raises(SandboxError, match="apt-get install bubblewrap") as info:
            ProcessSandbox().run_repair("def repair(t, a, e):\n    return {'ran': True}\n", "t", {}, "e")
        assert "\n" not in str(info.value)
    finally:
        monkeypatch.undo()
        jail.cache_clear()


def test_concurrent_calls_each_get_their_own_process(needs_sandbox: None) -> None:
    code = "def repair(tool, args, error):\n    return {'n': args['n'] * 2}\n"
    results: dict[int, Any] = {}
    with ProcessSandbox() as sb:

        def work(n: int) -> None:
            results[n] = sb.run_repair(code, "t", {"n": n}, "e")

        threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert results == {n: {"n": 2 * n} for n in range(6)}


def test_arguments_that_are_not_json_are_refused_without_their_values() -> None:
    with pytest.raises(SandboxError, match="not JSON") as info:
        ProcessSandbox().run_repair("def repair(t, a, e):\n    return a\n", "t", {"x": {CUSTOMER}}, "e")
    assert CUSTOMER not in str(info.value)


@pytest.mark.parametrize("guard", [True, False], ids=["guard-on", "guard-off"])
def test_a_code_skill_through_the_evolver_repairs_and_its_failures_leak_no_argument(
    guard: bool, needs_sandbox: None
) -> None:
    from skillevo import EventKind, Evolver, SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus

    leaky = "def repair(tool, args, error):\n    raise ValueError(str(args))\n"
    fixes = "def repair(tool, args, error):\n    return dict(args, units='C')\n"
    args = {"city": "Oslo", "card": CUSTOMER}
    results = {}
    with ProcessSandbox(guard=guard) as sb:
        for name, code in (("leaky", leaky), ("fixes", fixes)):
            with SkillLibrary(":memory:") as lib:
                lib.add_skill(name, Trigger(kind=TriggerKind.TOOL_ERROR, tool="weather", pattern="missing units"),
                              Strategy(code=code), status=VersionStatus.ACTIVE)  # fmt: skip
                evo = Evolver(lib, miner=None, seed=3, sandbox=sb)
                with evo.episode(task="weather") as ep:
                    results[name] = ep.on_tool_error("weather", dict(args), ValueError("missing units"))
                    ep.finish(1.0)
                events = lib.events(episode_id=ep.id, kind=EventKind.REPAIR)
                if name == "leaky":
                    assert [e.data.get("error") for e in events] == ["code skill failed: ValueError raised at line 2"]
                    assert all(CUSTOMER not in json.dumps(e.data) for e in events)
    assert results == {"leaky": None, "fixes": {**args, "units": "C"}}


def test_a_warm_call_uses_the_spare_started_ahead(monkeypatch: pytest.MonkeyPatch, needs_sandbox: None) -> None:
    """Each call after the spare booted starts exactly one process: the next spare, never a cold one."""
    from skillevo import _sandbox

    started: list[int] = []
    real = _sandbox.Worker

    def counting(*args: Any, **kwargs: Any) -> Any:
        started.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(_sandbox, "Worker", counting)
    code = "def repair(tool, args, error):\n    return {'n': args['n'] + 1}\n"
    with ProcessSandbox() as sb:
        for n in range(4):
            assert sb.wait_ready(60)
            before = len(started)
            results: list[Any] = []

            def call(n: int = n, out: list[Any] = results) -> None:
                out.append(sb.run_repair(code, "t", {"n": n}, "e"))

            caller = threading.Thread(target=call)
            caller.start()
            caller.join()
            assert results == [{"n": n + 1}]
            assert sb.wait_ready(60)
            assert len(started) == before + 1, "the call did not get the spare"


def test_a_forked_agent_process_gets_its_own_workers(needs_sandbox: None) -> None:
    """After os.fork the child neither uses nor kills the parent's spare, and its own calls work."""
    import os
    import warnings

    code = "def repair(tool, args, error):\n    return {'n': args['n'] + 1}\n"
    with ProcessSandbox() as sb:
        assert sb.wait_ready(60)
        parent_spare = sb._slot.spare
        with warnings.catch_warnings():  # Python 3.12+ warns about fork() in a threaded process
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the child: any failure is its exit status
            try:
                ok = sb._slot.spare is None and sb.run_repair(code, "t", {"n": 1}, "e") == {"n": 2}
                ok = ok and sb.wait_ready(60)
            except BaseException:
                ok = False
            os._exit(0 if ok else 1)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert parent_spare is not None and parent_spare.alive() and sb._slot.spare is parent_spare
        assert sb.run_repair(code, "t", {"n": 5}, "e") == {"n": 6}
