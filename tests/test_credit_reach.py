"""Credit only for outcomes an arm could affect: guidance the token budget left out of every prompt
is not credited (nor the null arm at a site none of whose versions would have fit), the rescue
after an error does not charge the null arm a failure about other arguments, and a constant the
tool accepted is applied again when the model repeats the call."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from skillevo import NULL_ARM, Evolver, SkillLibrary
from skillevo._models import ArgCondition, ChangeCase, EventKind, Repair, SetArg, Strategy, Trigger, TriggerKind


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _evolver(lib: SkillLibrary, *, null_arm: bool, budget: int = 400) -> Evolver:
    return Evolver(lib, seed=0, null_arm=null_arm, cache_ttl_s=float("inf"), mining="inline", miner=None,
                   guidance_budget_tokens=budget)


def _counts(evo: Evolver, key: str, arm: str) -> tuple[float, float]:
    a, b = evo.selector.posterior(key, arm)
    return round(a - 1.0, 6), round(b - 1.0, 6)


def _guidance_skill(evo: Evolver, name: str, text: str, trigger: Trigger | None = None) -> str:
    version = evo.lifecycle.store.add_skill(
        name, trigger or Trigger(kind=TriggerKind.ALWAYS), Strategy(guidance=text)
    )
    evo.lifecycle.start(version.id)
    evo.invalidate()
    return version.id


# About 60 tokens each: a budget of 100 holds one of them, never both.
_FIRST = "Check the order number against the customer's list of orders before refunding. " * 3
_SECOND = "Quote the booking reference exactly as the customer wrote it in the request. " * 3


def test_guidance_the_budget_left_out_is_not_credited(lib: SkillLibrary) -> None:
    evo = _evolver(lib, null_arm=False, budget=100)
    first = _guidance_skill(evo, "a-orders", _FIRST)
    second = _guidance_skill(evo, "b-booking", _SECOND)
    with evo.episode(task="t") as ep:
        text = ep.guidance()
        assert "order number" in text and "booking reference" not in text  # one fits
        ep.finish(reward=1.0)
    assert _counts(evo, "a-orders", first) == (1.0, 0.0)
    assert _counts(evo, "b-booking", second) == (0.0, 0.0)  # never in a prompt: nothing to learn
    shown = [e.version_id for e in evo.store.events(episode_id=ep.id) if e.kind is EventKind.GUIDANCE]
    assert shown == [first]
    # A reward that arrives later (feedback) credits the shown one only, too.
    with evo.episode(task="t") as ep:
        ep.guidance()
        ep.finish()
    evo.feedback(ep.id, 0.0)
    assert _counts(evo, "a-orders", first) == (1.0, 1.0)
    assert _counts(evo, "b-booking", second) == (0.0, 0.0)


def test_a_site_none_of_whose_versions_would_fit_credits_neither_arm(lib: SkillLibrary) -> None:
    evo = _evolver(lib, null_arm=True, budget=100)
    _guidance_skill(evo, "a-orders", _FIRST)
    second = _guidance_skill(evo, "b-booking", _SECOND)
    reached = left_out = 0
    for i in range(40):
        with evo.episode(task=f"t{i}") as ep:
            text = ep.guidance()
            arm = next(a.arm for a in ep.episode.applied if a.key == "b-booking")
            # The null arm: would its version have fit beside what the prompt holds?
            shown = "booking reference" in text if arm == second else "order number" not in text
            reached += shown
            left_out += not shown
            ep.finish(reward=float(i % 2))
    assert left_out  # crowded episodes happened
    # Where the other skill's text took the budget, b-booking's version never reached the prompt, and
    # its null arm stood for nothing a version could have done there: only the others count.
    a, b = _counts(evo, "b-booking", second)
    na, nb = _counts(evo, "b-booking", NULL_ARM)
    assert a + b + na + nb == reached


def test_a_tool_s_calls_before_its_guidance_first_reached_a_prompt_do_not_judge_it(lib: SkillLibrary) -> None:
    evo = _evolver(lib, null_arm=False, budget=100)

    def about(tool: str) -> Trigger:
        return Trigger(kind=TriggerKind.TOOL_ERROR, tool=tool, pattern="not found")

    first = _guidance_skill(evo, "a-orders", _FIRST, about("get_order"))
    second = _guidance_skill(evo, "b-booking", _SECOND, about("get_booking"))
    with evo.episode(task="t") as ep:
        assert "booking reference" not in ep.guidance(tools=["get_order", "get_booking"])  # left out
        ep.before_tool("get_booking", {"booking_id": "bk1"})
        assert ep.on_tool_error("get_booking", {"booking_id": "bk1"}, "Error: booking not found") is None
        assert "booking reference" in ep.guidance(tools=["get_booking"])  # read from now on
        ep.before_tool("get_booking", {"booking_id": "BK1"})
        assert not ep.on_tool_result("get_booking", {"booking_id": "BK1"}, {"id": "BK1"})
        ep.finish(reward=1.0)
    # Only the call after the text was read judges it: the one before could not have followed it.
    assert _counts(evo, "b-booking", second) == (1.0, 0.0)
    assert _counts(evo, "a-orders", first) == (0.0, 0.0)  # its tool was not called after


class _Convert(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    amount: float
    source: str = Field(pattern=r"^[A-Z]{3}$")
    target: str = Field(pattern=r"^[A-Z]{3}$")


class _Lenient(_Convert):
    source: str = Field(pattern=r"^[A-Za-z]{3}$")  # takes any case


def _convert(model: type[_Convert] = _Convert, **args: Any) -> Any:
    """Validates with pydantic: every argument it rejects is named."""
    try:
        call = model(**args)
    except ValidationError as exc:
        return f"Error: {exc}"
    return {"amount": call.amount, "currency": call.target}


def test_the_rescue_does_not_charge_the_null_arm_a_failure_about_other_arguments(lib: SkillLibrary) -> None:
    evo = _evolver(lib, null_arm=True)
    version = evo.lifecycle.store.add_skill(
        "upper-source",
        Trigger(kind=TriggerKind.TOOL_ERROR, tool="convert", pattern="validation error"),
        Strategy(repair=Repair(ops=[ChangeCase(arg="source", to="upper")])),
    )
    evo.lifecycle.start(version.id)
    evo.invalidate()
    nulls = 0
    for i in range(30):
        with evo.episode(task=f"t{i}") as ep:
            sent = ep.before_tool("convert", {"amount": 5.0, "source": "eur", "target": "usd"})
            result = _convert(_Lenient, **sent)
            assert "target" in result and "source" not in result  # `source` was accepted
            assert ep.on_tool_result("convert", sent, result)
            retry = ep.on_tool_error("convert", sent, result)
            if next(a.arm for a in ep.episode.applied if a.key == "upper-source") == NULL_ARM:
                nulls += 1
                assert retry is None  # no comparison on a failure the site cannot affect
            ep.finish(reward=0.0)
    assert nulls
    na, nb = _counts(evo, "upper-source", NULL_ARM)
    assert (na, nb) == (0.0, 0.0)


def test_a_constant_the_tool_accepted_is_applied_again_on_the_repeat(lib: SkillLibrary) -> None:
    evo = _evolver(lib, null_arm=False)
    version = evo.lifecycle.store.add_skill(
        "set-source",
        Trigger(kind=TriggerKind.TOOL_ERROR, tool="convert", pattern="source"),
        Strategy(repair=Repair(ops=[SetArg(arg="source", value="EUR")],
                               precondition=[ArgCondition(arg="source", regex="euro")])),
    )
    evo.lifecycle.start(version.id)
    evo.invalidate()
    with evo.episode(task="t") as ep:
        call = {"amount": 5.0, "source": "euro", "target": "usd"}
        sent = ep.before_tool("convert", call)
        assert sent["source"] == "EUR"
        result = _convert(**sent)
        assert "target" in result and "source" not in result  # the constant was accepted
        assert ep.on_tool_result("convert", sent, result)
        again = ep.before_tool("convert", call)  # the model repeats its call
        assert again["source"] == "EUR"
        assert ep.on_tool_result("convert", again, _convert(**again))
        fixed = ep.before_tool("convert", {**call, "target": "USD"})
        assert not ep.on_tool_result("convert", fixed, _convert(**fixed))
        ep.finish(reward=1.0)
    # One success, credited once; the two failures about `target` are set aside.
    assert _counts(evo, "set-source", version.id) == (1.0, 0.0)
    # An error that names no argument may be the constant's doing ("card not registered"): the
    # repeat goes as the model meant it.
    with evo.episode(task="t2") as ep:
        sent = ep.before_tool("convert", call)
        assert ep.on_tool_result("convert", sent, "Error: currency pair not registered")
        assert ep.before_tool("convert", call) == call
        ep.finish(reward=0.0)
