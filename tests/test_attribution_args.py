"""Credit at a repair's own arguments: a repair whose edits are limited to some arguments is not
charged a failure whose error names only other arguments (the null arm at the same site neither),
and it is still applied when the model sends the call again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from skillevo import NULL_ARM, Evolver, SkillLibrary
from skillevo._attribution import names_elsewhere
from skillevo._models import ArgCondition, ChangeCase, CoerceArg, Repair, Strategy, Trigger, TriggerKind


class _Convert(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    amount: float
    source: str = Field(pattern=r"^[A-Z]{3}$")
    target: str = Field(pattern=r"^[A-Z]{3}$")


def _convert(**args: Any) -> Any:
    """A tool that validates its arguments with pydantic (every mistake reported at once)."""
    try:
        call = _Convert(**args)
    except ValidationError as exc:
        return f"Error: {exc}"
    return {"amount": call.amount, "currency": call.target}


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _evolver(lib: SkillLibrary, *, null_arm: bool = False) -> Evolver:
    return Evolver(lib, seed=0, null_arm=null_arm, cache_ttl_s=float("inf"), mining="inline", miner=None)


def _schema_skill(evo: Evolver, name: str, repair: Repair) -> str:
    """A repair with no error trigger (a schema candidate's shape): applied before the call."""
    version = evo.lifecycle.store.add_skill(
        name, Trigger(kind=TriggerKind.BEFORE_TOOL, tool="convert"), Strategy(repair=repair)
    )
    evo.lifecycle.start(version.id)
    evo.invalidate()
    return version.id


def _upper_source() -> Repair:
    return Repair(
        ops=[ChangeCase(arg="source", to="upper")], precondition=[ArgCondition(arg="source", regex="[a-z]{3}")]
    )


def _counts(evo: Evolver, key: str, arm: str) -> tuple[float, float]:
    a, b = evo.selector.posterior(key, arm)
    return a - 1.0, b - 1.0


def test_a_failure_naming_only_another_argument_is_not_charged_and_the_repeat_is_repaired(lib: SkillLibrary) -> None:
    evo = _evolver(lib)
    version = _schema_skill(evo, "upper-source", _upper_source())
    with evo.episode(task="t") as ep:
        call = {"amount": 5.0, "source": "eur", "target": "usd"}
        sent = ep.before_tool("convert", call)
        assert sent["source"] == "EUR"
        result = _convert(**sent)
        assert "target" in result and "source" not in result  # only the argument it did not touch
        assert ep.on_tool_result("convert", sent, result)
        assert _counts(evo, "upper-source", version) == (0.0, 0.0)
        again = ep.before_tool("convert", call)  # the model sends the same call again
        assert again["source"] == "EUR"
        fixed = ep.before_tool("convert", {**call, "target": "USD"})
        assert not ep.on_tool_result("convert", fixed, _convert(**fixed))
        ep.finish(reward=1.0)
    assert _counts(evo, "upper-source", version) == (1.0, 0.0)


def test_a_failure_naming_the_repaired_argument_or_none_is_charged(lib: SkillLibrary) -> None:
    evo = _evolver(lib)
    wrong = _schema_skill(
        evo,
        "title-source",
        Repair(ops=[ChangeCase(arg="source", to="title")], precondition=[ArgCondition(arg="source", regex="[a-z]{3}")]),
    )
    with evo.episode(task="t") as ep:
        call = {"amount": 5.0, "source": "eur", "target": "usd"}
        sent = ep.before_tool("convert", call)
        result = _convert(**sent)  # names both: its own argument among them
        assert "source" in result and "target" in result
        assert ep.on_tool_result("convert", sent, result)
        assert ep.before_tool("convert", call) == call  # charged: the repeat goes as the model meant it
        ep.finish(reward=0.0)
    assert _counts(evo, "title-source", wrong) == (0.0, 1.0)
    # An error that names no argument is charged as before.
    evo = _evolver(lib)
    version = _schema_skill(
        evo,
        "int-amount",
        Repair(ops=[CoerceArg(arg="amount", to="int")], precondition=[ArgCondition(arg="amount", type="float")]),
    )
    with evo.episode(task="t") as ep:
        sent = ep.before_tool("convert", {"amount": 5.0, "source": "EUR", "target": "USD"})
        assert ep.on_tool_result("convert", sent, "Error: conversion failed")
        ep.finish(reward=0.0)
    assert _counts(evo, "int-amount", version) == (0.0, 1.0)


def _one_at_a_time(**args: Any) -> Any:
    """A tool that reports one mistake at a time, the target first."""
    if args.get("target") != "USD":
        return "Error: invalid value for parameter 'target'"
    if args.get("source") != "EUR":
        return "Error: invalid value for parameter 'source'"
    return {"ok": True}


def test_the_null_arm_is_judged_on_the_same_sites(lib: SkillLibrary) -> None:
    evo = _evolver(lib, null_arm=True)
    version = _schema_skill(evo, "upper-source", _upper_source())
    arms = {"repaired": 0, "null": 0}
    for i in range(20):
        with evo.episode(task=f"t{i}") as ep:
            sent = ep.before_tool("convert", {"amount": 1.0, "source": "eur", "target": "usd"})
            arms["repaired" if sent["source"] == "EUR" else "null"] += 1
            assert ep.on_tool_result("convert", sent, _one_at_a_time(**sent))  # names only `target`
            ep.finish(reward=0.0)
    assert arms["repaired"] and arms["null"]  # both arms were drawn at this site
    # Neither is charged a failure about the other argument.
    assert _counts(evo, "upper-source", version) == (0.0, 0.0)
    assert _counts(evo, "upper-source", NULL_ARM) == (0.0, 0.0)


def test_only_names_of_the_call_s_arguments_count() -> None:
    site = frozenset({"source"})

    def takes(tool: str, name: str) -> bool:
        return name in {"amount", "source", "target"}

    call = {"amount": 1.0, "source": "EUR", "target": "usd"}
    assert names_elsewhere(site, "Error: invalid value for parameter 'target'", "convert", call, takes)
    assert not names_elsewhere(site, "Error: invalid 'source' and 'target'", "convert", call, takes)
    # A value, the tool's own name, a word that is no argument: no argument named, judged as before.
    assert not names_elsewhere(site, "Error: currency 'usd' is not supported", "convert", call, takes)
    assert not names_elsewhere(site, "Error invoking tool 'convert'", "convert", call, takes)
    # A value the call sent that happens to be an argument's name is still a value.
    assert not names_elsewhere(site, "Error: no rate for 'amount'", "convert", {**call, "target": "amount"}, takes)
    # A site of no known arguments (a retry, sandboxed code) is never set aside this way.
    assert not names_elsewhere(None, "Error: invalid value for parameter 'target'", "convert", call, takes)
