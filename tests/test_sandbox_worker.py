"""The code sandbox as a component: refusal without bubblewrap, the warm spare, threads, the Evolver path.

The attacks themselves are in test_sandbox_attacks.py.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from skillevo import ProcessSandbox, SandboxError
from skillevo._sandbox_jail import forget

CUSTOMER = "4111-CUSTOMER-VALUE-9931"  # an argument value that must never show in error text


def test_without_bubblewrap_code_is_refused_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    from skillevo import _sandbox_jail

    forget()
    monkeypatch.setattr(_sandbox_jail, "_find_bwrap", lambda: None)
    try:
        with pytest.raises(SandboxError, match="apt-get install bubblewrap") as info:
            ProcessSandbox().run_repair("def repair(t, a, e):\n    return {'ran': True}\n", "t", {}, "e")
        assert "\n" not in str(info.value)
    finally:
        monkeypatch.undo()
        forget()


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
                evo.register_tools({"weather": {"properties": {"units": {"type": "string"}}}})  # units: declared
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


def test_concurrent_calls_beyond_max_workers_wait_for_a_free_worker(
    monkeypatch: pytest.MonkeyPatch, needs_sandbox: None
) -> None:
    """Many agent threads never hold more than max_workers jails (plus the spare) and their pipes at once."""
    from skillevo import _sandbox

    live: list[int] = []
    peak: list[int] = [0]
    lock = threading.Lock()
    real = _sandbox.Worker

    class Counting(real):  # type: ignore[misc,valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._counted = True
            with lock:
                live.append(1)
                peak[0] = max(peak[0], len(live))

        def stop(self) -> None:
            with lock:
                if self._counted:
                    self._counted = False
                    live.pop()
            super().stop()

    monkeypatch.setattr(_sandbox, "Worker", Counting)
    code = "import time\ndef repair(tool, args, error):\n    time.sleep(0.3)\n    return {'n': args['n']}\n"
    results: dict[int, Any] = {}
    with ProcessSandbox(guard=False, wall_s=30.0, max_workers=2) as sb:

        def work(n: int) -> None:
            results[n] = sb.run_repair(code, "t", {"n": n}, "e")

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert results == {n: {"n": n} for n in range(8)}
    assert peak[0] <= 2 + 1, f"{peak[0]} workers were alive at once"


def test_concurrent_first_calls_build_the_jail_once(monkeypatch: pytest.MonkeyPatch, needs_sandbox: None) -> None:
    from skillevo import _sandbox_jail

    builds: list[int] = []
    real = _sandbox_jail._build

    def counting() -> Any:
        builds.append(1)
        return real()

    forget()
    monkeypatch.setattr(_sandbox_jail, "_build", counting)
    try:
        code = "def repair(tool, args, error):\n    return {'n': args['n']}\n"
        results: dict[int, Any] = {}
        with ProcessSandbox(warm=False) as sb:
            threads = [
                threading.Thread(target=lambda n=n: results.__setitem__(n, sb.run_repair(code, "t", {"n": n}, "e")))
                for n in range(4)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        assert results == {n: {"n": n} for n in range(4)}
        assert builds == [1]
    finally:
        monkeypatch.undo()
        forget()


def test_a_jail_that_cannot_be_built_for_lack_of_descriptors_is_a_sandbox_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from skillevo import _sandbox_jail

    def exhausted() -> Any:
        raise OSError(24, "Too many open files")

    forget()
    monkeypatch.setattr(_sandbox_jail, "_build", exhausted)
    try:
        with pytest.raises(SandboxError, match="could not be built"):
            ProcessSandbox().run_repair("def repair(t, a, e):\n    return {}\n", "t", {}, "e")
    finally:
        monkeypatch.undo()
        forget()


@pytest.mark.parametrize("guard", [True, False], ids=["guard-on", "guard-off"])
def test_a_deeply_nested_repair_never_raises_into_the_agent(guard: bool, needs_sandbox: None) -> None:
    """A result that would blow the agent's recursion limit is refused and logged, the call goes on unrepaired."""
    from skillevo import EventKind, Evolver, SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus

    deep = "def repair(tool, args, error):\n    x = 1\n    for _ in range(950):\n        x = [x]\n"
    deep += "    return dict(args, units=x)\n"
    with ProcessSandbox(guard=guard) as sb, SkillLibrary(":memory:") as lib:
        lib.add_skill("deep", Trigger(kind=TriggerKind.TOOL_ERROR, tool="weather", pattern="missing units"),
                      Strategy(code=deep), status=VersionStatus.ACTIVE)  # fmt: skip
        evo = Evolver(lib, miner=None, seed=3, sandbox=sb)
        with evo.episode(task="weather") as ep:
            assert ep.on_tool_error("weather", {"city": "Oslo"}, ValueError("missing units")) is None
            ep.finish(1.0)
        errors = [e.data.get("error") for e in lib.events(episode_id=ep.id, kind=EventKind.REPAIR)]
    assert errors == ["code skill failed: repair() returned values nested deeper than 64"]


def test_a_call_during_interpreter_shutdown_still_answers(monkeypatch: pytest.MonkeyPatch, needs_sandbox: None) -> None:
    """At exit the background executor refuses work; a repair called then (an atexit flush) still runs."""
    from concurrent.futures import ThreadPoolExecutor

    from skillevo import _sandbox

    stopped = ThreadPoolExecutor(max_workers=1)
    stopped.shutdown()
    monkeypatch.setattr(_sandbox, "_BACKGROUND", stopped)
    code = "def repair(tool, args, error):\n    return {'n': args['n'] + 1}\n"
    with ProcessSandbox() as sb:
        assert sb.run_repair(code, "t", {"n": 1}, "e") == {"n": 2}
        assert sb.run_repair(code, "t", {"n": 2}, "e") == {"n": 3}


def test_a_deep_reply_reads_the_same_at_any_stack_depth() -> None:
    """The JSON parser's depth budget counts the caller's frames: a reply means the same wherever it is read."""
    from skillevo._sandbox_result import parse_reply

    nested: Any = 1
    for _ in range(900):
        nested = [nested]
    reply = json.dumps({"ok": True, "result": {"units": nested}}).encode()

    def read_at(depth: int) -> Any:
        return read_at(depth - 1) if depth else parse_reply(reply)

    assert read_at(0) == read_at(200) == json.loads(reply)
