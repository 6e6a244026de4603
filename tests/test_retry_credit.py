"""A skill about a failure no argument causes (a rate limit, an outage) is judged by its retries,
not by whether the outage happened again: the tool-call credit of its guidance (0 whenever its
trigger fires after the choice) measured the outage's luck, for the retry and the null arm alike,
and a retry that rescued every outage lost its test against doing nothing (demo seeds 0 and 1)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from skillevo import NULL_ARM, Evolver, SkillLibrary
from skillevo._models import Repair, Retry, Strategy, Trigger, TriggerKind

_OUTAGE = "503 Service Unavailable: the service is temporarily unavailable; retry after 1 ms"


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _retry_skill(evo: Evolver, error_type: str) -> str:
    version = evo.lifecycle.store.add_skill(
        "pay-retry",
        Trigger(kind=TriggerKind.TOOL_ERROR, tool="pay", error_type=error_type),
        Strategy(
            guidance="When `pay` is temporarily unavailable, call it again after the pause it asks for.",
            repair=Repair(ops=[Retry(max_attempts=2, backoff_s=0.0, max_wait_s=0.0)]),
        ),
    )
    evo.lifecycle.start(version.id)
    evo.invalidate()
    return version.id


def _counts(evo: Evolver, key: str, arm: str) -> tuple[float, float]:
    a, b = evo.selector.posterior(key, arm)
    return a - 1.0, b - 1.0


def _episode_with_one_outage(evo: Evolver) -> None:
    with evo.episode(task="refund the order") as ep:
        ep.guidance(tools=["pay"])  # the skill's site is chosen for its guidance, before any call
        args = {"order": "A-1", "amount": 5.0}
        sent = ep.before_tool("pay", args)
        retry = ep.on_tool_error("pay", sent, _OUTAGE)
        assert retry == args, [(e.kind, e.data) for e in ep.events][-4:]  # retried as it was
        assert not ep.on_tool_result("pay", retry, {"ok": True})
        ep.finish(reward=1.0)


def test_a_retry_that_rescues_an_outage_is_credited_only_with_the_rescue(lib: SkillLibrary) -> None:
    evo = Evolver(lib, seed=0, null_arm=False, cache_ttl_s=float("inf"), mining="inline", miner=None)
    version = _retry_skill(evo, "rate_limit")
    _episode_with_one_outage(evo)
    assert _counts(evo, "pay-retry", version) == (1.0, 0.0)


def test_the_null_arm_is_charged_the_outage_it_left_to_the_model_once(lib: SkillLibrary) -> None:
    evo = Evolver(lib, seed=0, null_arm=True, cache_ttl_s=float("inf"), mining="inline", miner=None)
    version = _retry_skill(evo, "rate_limit")
    evo.selector.update("pay-retry", version, 0.0)  # make the null arm the likely draw
    evo.selector.update("pay-retry", version, 0.0)
    nulls = 0
    for _ in range(6):
        before = _counts(evo, "pay-retry", NULL_ARM)
        _episode_with_one_outage(evo)
        after = _counts(evo, "pay-retry", NULL_ARM)
        if after != before:
            nulls += 1
            assert after[1] - before[1] == 1.0  # one 0 for the outage (the rescue), not a second one
            assert after[0] == before[0]
    assert nulls
