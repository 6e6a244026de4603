"""Credit that isolates a site's guidance: a tool-error skill whose versions repair some arguments
and also teach them is not charged, through its guidance, a later failure of the tool whose error
names only other arguments. Before, the repair arm was set aside for such a failure (`_attribution`)
but its guidance was credited 0 at the episode's end, so a repair that fixed its argument in every
call of a two-mistake task sank to a coin flip and was never promoted."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from skillevo import NULL_ARM, Evolver, SkillLibrary
from skillevo._models import ArgCondition, CoerceArg, Repair, Strategy, Trigger, TriggerKind

_REPAIR = Repair(ops=[CoerceArg(arg="qty", to="int")], precondition=[ArgCondition(arg="qty", type="str")])
_TEXT = "When calling `stock`: send `qty` as a whole number."


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _evolver(lib: SkillLibrary) -> tuple[Evolver, str]:
    evo = Evolver(lib, seed=0, null_arm=False, cache_ttl_s=float("inf"), mining="inline", miner=None)
    version = lib.add_skill("stock-qty", Trigger(kind=TriggerKind.TOOL_ERROR, tool="stock"),
                            Strategy(guidance=_TEXT, repair=_REPAIR))
    evo.lifecycle.start(version.id)
    evo.invalidate()
    return evo, version.id


def _counts(evo: Evolver, arm: str) -> tuple[float, float]:
    a, b = evo.selector.posterior("stock-qty", arm)
    return a - 1.0, b - 1.0


def _episode(evo: Evolver, error: str) -> None:
    with evo.episode(task="restock") as ep:
        assert "`qty`" in ep.guidance(tools=["stock"])
        first = {"qty": "3", "bin": "a7"}
        sent = ep.before_tool("stock", first)
        assert sent["qty"] == 3  # the repair fixed its argument
        assert ep.on_tool_error("stock", sent, ValueError(error)) is None
        again = ep.before_tool("stock", {"qty": "3", "bin": "A7"})  # the model fixes the other one
        ep.on_tool_result("stock", again, {"ok": True})
        ep.finish(reward=1.0)


def test_a_failure_naming_only_another_argument_does_not_charge_the_sites_guidance(lib: SkillLibrary) -> None:
    evo, fix = _evolver(lib)
    for _ in range(3):
        _episode(evo, "invalid value for parameter bin: expected upper case")
    assert _counts(evo, fix)[1] == 0.0  # never charged
    assert _counts(evo, fix)[0] >= 3.0  # credited by the calls it repaired


def test_a_failure_naming_the_sites_argument_still_charges_it(lib: SkillLibrary) -> None:
    evo, fix = _evolver(lib)
    _episode(evo, "invalid value for parameter qty: out of range")
    assert _counts(evo, fix)[1] >= 1.0
    assert _counts(evo, NULL_ARM) == (0.0, 0.0)
