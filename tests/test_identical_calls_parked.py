"""Two identical calls that both fail on an error their pre-emptive repairs did not cause (an outage)
before either is retried (LangGraph's ToolNode runs a turn's identical calls concurrently): each
call's repair is set aside to ride its own call's retry, and is credited once with that retry's
outcome. Before, the second failure's set-aside arms replaced the first's, and the second call's
error, reported again, was credited a second time (to the first retry's arms, before that retry ran):
with both retries succeeding the repair got 1 success of 2, with the second failing 1 success, 0
failures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._models import ArgCondition, CoerceArg, Repair, Retry, Strategy, Trigger, TriggerKind

_OUTAGE = "Error: 503 Service Unavailable: the service is temporarily unavailable; retry after 1 ms"


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _evolver(lib: SkillLibrary) -> tuple[Evolver, str]:
    evo = Evolver(lib, seed=0, null_arm=False, cache_ttl_s=float("inf"), mining="inline", miner=None)
    repair = Repair(ops=[CoerceArg(arg="x", to="str")], precondition=[ArgCondition(arg="x", type="int")])
    fix = lib.add_skill("fix-x", Trigger(kind=TriggerKind.TOOL_ERROR, tool="t", pattern=r"\bx\b"),
                        Strategy(repair=repair))
    retry = lib.add_skill("t-retry", Trigger(kind=TriggerKind.TOOL_ERROR, tool="t", error_type="rate_limit"),
                          Strategy(repair=Repair(ops=[Retry(max_attempts=3, backoff_s=0.0, max_wait_s=0.0)])))
    evo.lifecycle.start(fix.id)
    evo.lifecycle.start(retry.id)
    evo.invalidate()
    return evo, fix.id


def _counts(evo: Evolver, key: str, arm: str) -> tuple[float, float]:
    a, b = evo.selector.posterior(key, arm)
    return a - 1.0, b - 1.0


@pytest.mark.parametrize("second_retry_ok", [True, False])
def test_each_identical_calls_set_aside_repair_rides_its_own_calls_retry(
    lib: SkillLibrary, second_retry_ok: bool
) -> None:
    evo, fix = _evolver(lib)
    with evo.episode(task="t") as ep:
        one = ep.before_tool("t", {"x": 5})
        two = ep.before_tool("t", {"x": 5})
        assert one == two == {"x": "5"}
        assert ep.on_tool_result("t", one, _OUTAGE)  # both fail before either is retried
        assert ep.on_tool_result("t", two, _OUTAGE)
        retry_one = ep.on_tool_error("t", one, _OUTAGE)
        retry_two = ep.on_tool_error("t", two, _OUTAGE)
        assert retry_one == retry_two == {"x": "5"}
        assert not ep.on_tool_result("t", retry_one, {"ok": True})
        ep.on_tool_result("t", retry_two, {"ok": True} if second_retry_ok else "Error: x is not accepted here")
        ep.finish(reward=1.0)
    # Each call's repair once, with its own call's retry outcome.
    assert _counts(evo, "fix-x", fix) == ((2.0, 0.0) if second_retry_ok else (1.0, 1.0))
