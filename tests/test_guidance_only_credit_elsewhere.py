"""Credit that isolates a guidance-only version: a tool-error skill whose version only teaches how to
send one argument is not charged a later failure of the tool whose error names only other arguments
of the call. Before, a site whose versions all repair was isolated (`_attribution.fired_elsewhere`)
but one with a guidance-only version was charged every failure its trigger fired on, so advice that
fixed its argument sank whenever the call still failed on another mistake."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._attribution import fired_elsewhere
from skillevo._models import Strategy, Trigger, TriggerKind

_TEXT = "When calling `ledger_put`: send `units` as a whole number."


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _evolver(lib: SkillLibrary) -> tuple[Evolver, str]:
    evo = Evolver(lib, seed=0, null_arm=False, cache_ttl_s=float("inf"), mining="inline", miner=None)
    version = lib.add_skill("ledger-units", Trigger(kind=TriggerKind.TOOL_ERROR, tool="ledger_put"),
                            Strategy(guidance=_TEXT))
    evo.lifecycle.start(version.id)
    evo.invalidate()
    return evo, version.id


def _counts(evo: Evolver, arm: str) -> tuple[float, float]:
    a, b = evo.selector.posterior("ledger-units", arm)
    return a - 1.0, b - 1.0


def _episode(evo: Evolver, error: str) -> None:
    with evo.episode(task="post units") as ep:
        assert "`units`" in ep.guidance(tools=["ledger_put"])
        sent = ep.before_tool("ledger_put", {"units": 3, "shelf": "a7"})
        assert ep.on_tool_error("ledger_put", sent, ValueError(error)) is None
        again = ep.before_tool("ledger_put", {"units": 3, "shelf": "A7"})  # the model fixes the other one
        ep.on_tool_result("ledger_put", again, {"ok": True})
        ep.finish(reward=1.0)


def test_a_failure_naming_only_another_argument_does_not_charge_guidance_only_advice(lib: SkillLibrary) -> None:
    evo, advice = _evolver(lib)
    for _ in range(3):
        _episode(evo, "invalid value for parameter shelf: expected upper case")
    assert _counts(evo, advice)[1] == 0.0  # never charged


def test_a_failure_naming_the_advised_argument_still_charges_it(lib: SkillLibrary) -> None:
    evo, advice = _evolver(lib)
    _episode(evo, "invalid value for parameter units: out of range")
    assert _counts(evo, advice)[1] >= 1.0


def test_guidance_naming_no_argument_of_the_tool_is_charged_as_before(lib: SkillLibrary) -> None:
    skill = lib.add_skill("vague", Trigger(kind=TriggerKind.TOOL_ERROR, tool="ledger_put"),
                          Strategy(guidance="Check the inputs of `ledger_put` before calling it."))
    skill_obj = lib.skill(skill.skill)
    takes = {"units", "shelf"}.__contains__
    assert not fired_elsewhere(skill_obj, "invalid value for parameter shelf", "ledger_put",
                               {"units": 3, "shelf": "a7"}, lambda _t, n: takes(n))
