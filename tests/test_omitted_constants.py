"""A constant for an argument the agent left out needs evidence that the value does not vary by task.

Two tasks that left out ``visit`` and then sent ``"video"`` agree by chance when the agent's own calls
send ``"office"`` as often: however the tool words "required" (a JSON body whose words no error class
reads), the tool's successful calls that sent the argument with another value show it is the task's
data, at mining time and after the constant is live (applied before the call, no correction of it
can ever disagree, so its own calls' evidence is the only evidence left).
"""

from __future__ import annotations

import json
from typing import Any

from skillevo import Evolver, SkillLibrary, VersionStatus


def _book(args: dict[str, Any]) -> Any:
    if "visit" not in args:
        detail = [{"type": "missing", "loc": ["body", "visit"], "msg": "Field required", "input": args}]
        return "Error: 422 Unprocessable Entity " + json.dumps({"detail": detail})
    return {"ok": True, "visit": args["visit"]}


def _episode(evo: Evolver, n: int, meant: str, omit: bool) -> Any:
    """One booking as the agent makes it; returns what the tool accepted."""
    with evo.episode(task=f"book {n}") as ep:
        args: dict[str, Any] = {"patient": f"p{n}"} if omit else {"patient": f"p{n}", "visit": meant}
        accepted = None
        for _ in range(3):
            sent = ep.before_tool("book", dict(args))
            result = _book(sent)
            if not ep.on_tool_result("book", sent, result):
                accepted = sent.get("visit")
                break
            retry = ep.on_tool_error("book", sent, result)
            if retry is not None and not ep.on_tool_result("book", retry, _book(retry)):
                accepted = retry.get("visit")
                break
            args = {"patient": f"p{n}", "visit": meant}  # the agent's own fix
        ep.finish(reward=1.0 if accepted == meant else 0.0)
    return accepted


def _constants(lib: SkillLibrary) -> list[Any]:
    return [v for s in lib.skills() for v in s.versions
            if v.strategy.repair and any(op.op == "set" for op in v.strategy.repair.ops)]


def test_a_constant_is_not_mined_when_the_agents_own_calls_sent_other_values() -> None:
    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, seed=0, cache_ttl_s=float("inf"), mining="inline")
    for n, meant in enumerate(["office", "video", "office"]):
        _episode(evo, n, meant, omit=False)
    _episode(evo, 10, "video", omit=True)
    _episode(evo, 11, "video", omit=True)
    assert not [v for v in _constants(lib) if v.status is not VersionStatus.REJECTED]
    assert _episode(evo, 12, "office", omit=True) == "office"


def test_a_live_constant_the_agents_own_calls_contradict_is_retired() -> None:
    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, seed=0, cache_ttl_s=float("inf"), mining="inline")
    _episode(evo, 0, "video", omit=True)
    _episode(evo, 1, "video", omit=True)
    live = [v for v in _constants(lib) if v.status is not VersionStatus.REJECTED]
    assert live  # two tasks agreed, nothing said otherwise yet: a candidate
    for n in range(2, 5):
        _episode(evo, n, "office", omit=False)  # the agent's own calls send another value
    assert all(lib.version(v.id).status in (VersionStatus.REJECTED, VersionStatus.RETIRED) for v in live)
    assert _episode(evo, 9, "office", omit=True) == "office"


def test_reading_the_live_constants_never_fails_an_episode_end(monkeypatch: Any) -> None:
    evo = Evolver(SkillLibrary(":memory:"), seed=0, cache_ttl_s=float("inf"), mining="inline")

    def broken(tool: str) -> Any:
        raise RuntimeError("index away")

    with evo.episode(task="t") as ep:
        ep.on_tool_result("book", {"patient": "p", "visit": "office"}, {"ok": True})
        monkeypatch.setattr(evo.triggers, "preemptive", broken)
        ep.finish(reward=1.0)  # no error reaches the agent
