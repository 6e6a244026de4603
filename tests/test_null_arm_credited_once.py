"""A call that fails where a pre-emptive repair site's null arm waited credits that arm 0 once.

The episode chose "apply nothing" at a repair site whose precondition held: the null arm waited on
the call's outcome. When the call failed, its error settled the waiting arm (0), and the rescue
tried after that error (`ToolCalls._version_after_error`) found the null arm chosen and credited it
0 again for the same call: two losses per failure against one per outcome for the repair arm, a
bias towards every repair at every site. Deterministic, offline.
"""

from __future__ import annotations

from skillevo import ArgCondition, ChangeCase, Evolver, Repair, Strategy, Trigger, TriggerKind
from skillevo._models import NULL_ARM
from skillevo.testing import FixedSelector, memory_library

_LOWER = Repair(ops=[ChangeCase(arg="kind", to="lower")], precondition=[ArgCondition(arg="kind", type="str")])


def _credits(apply: bool, kinds: list[str]) -> list[tuple[str, str, float]]:
    skill = (Trigger(kind=TriggerKind.TOOL_ERROR, tool="notify"), Strategy(repair=_LOWER))
    selector = FixedSelector(apply=apply)
    with memory_library({"notify-kind-case": skill}) as lib:
        evo = Evolver(lib, selector=selector, miner=None, seed=0, cache_ttl_s=float("inf"), mining="inline")
        for i, kind in enumerate(kinds):
            with evo.episode(task=f"t{i}") as ep:
                sent = ep.before_tool("notify", {"kind": kind})
                ok = sent["kind"] == sent["kind"].lower()
                if ok:
                    ep.on_tool_result("notify", sent, {"sent": True})
                else:
                    ep.on_tool_error("notify", sent, ValueError(f"kind must be lower case, got {sent['kind']!r}"))
                ep.finish(reward=1.0 if ok else 0.0)
    return [u for u in selector.updates if u[0] == "notify-kind-case"]


def test_a_failed_call_credits_the_null_arm_once() -> None:
    credits = _credits(apply=False, kinds=["Slack", "EMAIL", "Pager"])
    assert credits == [("notify-kind-case", NULL_ARM, 0.0)] * 3, credits


def test_the_repair_arm_is_credited_once_per_call() -> None:
    credits = _credits(apply=True, kinds=["Slack", "Email"])
    assert [r for _, _, r in credits] == [1.0, 1.0] and all(arm != NULL_ARM for _, arm, _ in credits), credits
