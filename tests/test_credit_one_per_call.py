"""A version is judged once per call it touched: where its repair acted on a call, that call's
outcome is its credit, and its guidance about the same tool adds no second, contradicting update.

A version carries guidance ("name the argument `day`") and the repair that does it (rename
``when`` -> ``day``). After the tool changes, the repair breaks the call; its edit is undone and the
call as the model wrote it succeeds. Before, the repair was credited 0 for the broken call and the
guidance 1 (the tool was called and the skill's own error never fired): one call, two opposite
updates, so the version's posterior never moved away from its old wins. Deterministic, offline.
"""

from __future__ import annotations

from typing import Any

from skillevo import Evolver, Repair, Strategy, Trigger, TriggerKind
from skillevo._models import NULL_ARM, ArgCondition, RenameArg
from skillevo.testing import FixedSelector, memory_library

_SITE = "lookup-missing-day"
_SKILL = (
    Trigger(kind=TriggerKind.TOOL_ERROR, tool="lookup", error_type="missing_arg"),
    Strategy(
        guidance="When calling `lookup`: name the argument `day`, not `when`.",
        repair=Repair(ops=[RenameArg(arg="when", to="day")], precondition=[ArgCondition(arg="when", present=True)]),
    ),
)


def _lookup(args: dict[str, Any]) -> tuple[bool, str]:
    """The tool after its upgrade: it takes ``when`` and rejects ``day``."""
    if "day" in args:
        return False, "lookup received unknown parameter 'day'"
    if "when" not in args:
        return False, "lookup: field required: when"
    return True, "ok"


def _run(apply: bool) -> tuple[list[tuple[str, str, float]], list[Any]]:
    selector = FixedSelector(apply=apply)
    with memory_library({_SITE: _SKILL}) as lib:
        evo = Evolver(lib, selector=selector, miner=None, seed=0, cache_ttl_s=float("inf"), mining="inline")
        with evo.episode(task="t") as ep:
            assert ("`day`" in ep.guidance(tools=["lookup"])) is apply
            args: dict[str, Any] | None = ep.before_tool("lookup", {"when": "2031-07-19"})
            sent = []
            while args is not None and len(sent) < 3:
                sent.append(args)
                ok, text = _lookup(args)
                if ok:
                    ep.on_tool_result("lookup", args, text)
                    break
                args = ep.on_tool_error("lookup", args, ValueError(text))
            ep.finish(reward=1.0)
    return [u for u in selector.updates if u[0] == _SITE], sent


def test_a_version_whose_repaired_call_failed_gets_one_zero() -> None:
    credits, sent = _run(apply=True)
    # The repair renamed the argument, the tool refused it, the undo sent the model's call.
    assert sent == [{"day": "2031-07-19"}, {"when": "2031-07-19"}]
    (version,) = {arm for _, arm, _ in credits}
    assert version != NULL_ARM
    assert credits == [(_SITE, version, 0.0)], credits


def test_the_null_arm_is_judged_once_by_the_call_it_waited_on() -> None:
    # The same rule for "apply nothing": the call it waited on (and succeeded) is its one outcome.
    credits, sent = _run(apply=False)
    assert sent == [{"when": "2031-07-19"}]
    assert credits == [(_SITE, NULL_ARM, 1.0)], credits


def test_a_call_the_repair_did_not_touch_still_judges_the_guidance() -> None:
    # The tool before its upgrade: it wants ``day``. The first call is the repair's (renamed, accepted:
    # 1); the second omits the argument, the repair has nothing to rename, the skill's own error fires:
    # that call is the guidance's (0). Two calls, one update each.
    selector = FixedSelector()
    with memory_library({_SITE: _SKILL}) as lib:
        evo = Evolver(lib, selector=selector, miner=None, seed=0, cache_ttl_s=float("inf"), mining="inline")
        with evo.episode(task="t") as ep:
            ep.guidance(tools=["lookup"])
            sent = ep.before_tool("lookup", {"when": "2031-07-19"})
            assert sent == {"day": "2031-07-19"}
            ep.on_tool_result("lookup", sent, "ok")
            sent = ep.before_tool("lookup", {"city": "Oslo"})
            assert ep.on_tool_error("lookup", sent, ValueError("lookup: field required: day")) is None
            ep.finish(reward=1.0)
    version = next(arm for key, arm, _ in selector.updates if key == _SITE)
    assert [u for u in selector.updates if u[0] == _SITE] == [(_SITE, version, 1.0), (_SITE, version, 0.0)]
