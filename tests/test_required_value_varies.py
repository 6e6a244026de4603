"""A value added for a left-out required argument is no constant when the tool's calls take others.

Two corrections that happened to add the same value (``approved: true``, ``strategy: "rolling"``)
were learned as a rule that sets it whenever the argument is left out; the argument is the task's
data, so the rule made later calls succeed with another meaning (held-out world: 1-2 silently wrong
test episodes per run). When the tool's own successful calls sent that argument with another
value, the value varies by task: no rule, guidance only. Deterministic, offline.
"""

from __future__ import annotations

from typing import Any

from skillevo import Evolver, SetArg, SkillLibrary

_MISSING = "1 validation error for DeployArgs\napproved\n  Field required [type=missing]"


def _deploy(ep: Any, sent: dict[str, Any], fixed: dict[str, Any]) -> None:
    args = ep.before_tool("deploy", sent)
    if "approved" not in args:
        ep.on_tool_error("deploy", args, ValueError(_MISSING))
        args = ep.before_tool("deploy", fixed)
    ep.on_tool_result("deploy", args, {"deployed": True})


def _sets(lib: SkillLibrary) -> list[SetArg]:
    return [
        op
        for s in lib.skills()
        for v in s.versions
        if v.strategy.repair is not None
        for op in v.strategy.repair.ops
        if isinstance(op, SetArg)
    ]


def _run(other_value_seen: bool) -> list[SetArg]:
    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, seed=1, cache_ttl_s=float("inf"), mining="inline")
    if other_value_seen:
        with evo.episode(task="deploy a") as ep:
            _deploy(ep, {"env": "prod", "approved": False}, {})
            ep.finish(reward=1.0)
    for i in range(3):
        with evo.episode(task=f"deploy {i}") as ep:
            _deploy(ep, {"env": "prod"}, {"env": "prod", "approved": True})
            ep.finish(reward=1.0)
    return _sets(lib)


def test_a_value_the_tool_took_otherwise_is_not_set() -> None:
    assert _run(other_value_seen=True) == []


def test_a_value_every_call_sent_is_still_a_rule() -> None:
    assert any(op.arg == "approved" and op.value is True for op in _run(other_value_seen=False))
