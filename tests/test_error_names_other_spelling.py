"""An error that names an argument in another spelling than the call's (a JVM or JavaScript backend
writing ``binCode`` for the caller's ``bin_code``) names that argument: credit is isolated for it as
for an error that writes the name as sent. Before, such an error named nothing, and a repair that
fixed its own argument in a call failing on the other one was charged the failure."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._attribution import error_names
from skillevo._models import ArgCondition, CoerceArg, Repair, Strategy, Trigger, TriggerKind

_REPAIR = Repair(ops=[CoerceArg(arg="qty", to="int")], precondition=[ArgCondition(arg="qty", type="str")])


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


@pytest.mark.parametrize(
    ("message", "args", "want"),
    [
        ("java.lang.IllegalArgumentException: binCode must be upper case (was a7)", {"bin_code": "a7"}, {"bin_code"}),
        ("TypeError: BinCode is not valid", {"bin_code": "a7"}, {"bin_code"}),
        ("bad request: bin_code is invalid", {"binCode": "a7"}, {"binCode"}),
    ],
)
def test_another_spelling_of_a_sent_argument_is_named(message: str, args: dict[str, str], want: set[str]) -> None:
    assert want <= error_names(message, "stock", args)


@pytest.mark.parametrize(
    ("message", "args"),
    [
        ("the bin is full", {"bin": "a7"}),  # a plain word is prose, not a name
        ("binCode must be upper case", {"bin_codes": "a7"}),  # another name
        ("value abCd rejected", {"ab_cd": "abCd"}),  # the value sent, not a name
        ("ABC rejected", {"abc": 1}),  # a word in capitals is no other spelling
    ],
)
def test_nothing_else_is_named(message: str, args: dict[str, str]) -> None:
    named = error_names(message, "stock", args)
    assert not set(args) & named


def test_a_repair_is_not_charged_a_failure_named_in_another_spelling(lib: SkillLibrary) -> None:
    evo = Evolver(lib, seed=0, null_arm=False, cache_ttl_s=float("inf"), mining="inline", miner=None)
    version = lib.add_skill("stock-qty", Trigger(kind=TriggerKind.TOOL_ERROR, tool="stock"), Strategy(repair=_REPAIR))
    evo.lifecycle.start(version.id)
    evo.invalidate()
    for _ in range(3):
        with evo.episode(task="restock") as ep:
            sent = ep.before_tool("stock", {"qty": "3", "bin_code": "a7"})
            assert sent["qty"] == 3
            error = ValueError("java.lang.IllegalArgumentException: binCode must be upper case")
            ep.on_tool_error("stock", sent, error)
            again = ep.before_tool("stock", {"qty": "3", "bin_code": "A7"})
            ep.on_tool_result("stock", again, {"ok": True})
            ep.finish(reward=1.0)
    a, b = evo.selector.posterior("stock-qty", version.id)
    assert b - 1.0 == 0.0 and a - 1.0 >= 3.0
