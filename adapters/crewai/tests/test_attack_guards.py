"""Other users' tool hooks (CrewAI's hooks are process-wide): an approval or policy hook on
``before_tool_call`` sees every call a tool runs with, with the arguments it runs with, and a call
it blocks is never run by skillevo, whichever was registered first."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from crewai.hooks import register_before_tool_call_hook, unregister_before_tool_call_hook

from skillevo import NULL_ARM, EventKind, Evolver, SkillLibrary, Strategy, Trigger, TriggerKind
from skillevo import VersionStatus as VS
from skillevo_crewai import Evolving, ScriptedLLM, evolving, last_observation

sys.path.insert(0, str(Path(__file__).parent))
from crewai_fakes import WRONG, Book, booking_crew

DAY = {"day": "March 4th"}
BLACKOUT = "2025-03-04"  # the date the user's policy hook refuses


def once(messages: list[dict[str, Any]]) -> str:
    """Books with a US date, then answers with whatever it saw."""
    observation = last_observation(messages)
    if observation is None:
        return WRONG
    return f"Thought: done\nFinal Answer: {observation.strip()[:60]}"


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


class Policy:
    """A user's before_tool_call hook: records what it let through, refuses the blackout date."""

    def __init__(self) -> None:
        self.approved: list[dict[str, Any]] = []
        self.refused: list[dict[str, Any]] = []

    def __call__(self, ctx: Any) -> bool | None:
        args = dict(ctx.tool_input)
        if args.get("date") == BLACKOUT:
            self.refused.append(args)
            return False
        self.approved.append(args)
        return None


@pytest.fixture
def policy() -> Iterator[Policy]:
    hook = Policy()
    yield hook
    unregister_before_tool_call_hook(hook)


def _iso_repair(lib: SkillLibrary, evo: Evolver, *, before_the_call: bool) -> None:
    repair: dict[str, Any] = {"ops": [{"op": "set", "arg": "date", "value": BLACKOUT}]}
    if before_the_call:
        repair["precondition"] = [{"arg": "date", "regex": r"\d{2}/\d{2}/\d{4}"}]
    vid = lib.add_skill(
        "iso-date", Trigger(kind=TriggerKind.TOOL_ERROR, tool="book"), Strategy(repair=repair), status=VS.ACTIVE
    ).id
    evo.invalidate()
    for _ in range(30):
        evo.selector.update("iso-date", vid, 1.0)
        evo.selector.update("iso-date", NULL_ARM, 0.0)


def _evolving(lib: SkillLibrary, *, before_the_call: bool, **kwargs: Any) -> Evolving:
    evo = Evolver(lib, miner=None, seed=0)
    _iso_repair(lib, evo, before_the_call=before_the_call)
    return evolving(evo, **kwargs)


def test_a_policy_hook_registered_first_sees_the_repaired_arguments(lib: SkillLibrary, policy: Policy) -> None:
    register_before_tool_call_hook(policy)  # at import time of the user's app, before skillevo
    with _evolving(lib, before_the_call=True) as ev:
        tool = Book(accept_any_date=True)
        ev(booking_crew(ScriptedLLM(once), tool)).kickoff(inputs=DAY)
    assert all(call in policy.approved for call in tool.calls)  # the tool ran only with approved arguments
    assert BLACKOUT not in [c["date"] for c in tool.calls]


def test_a_repaired_retry_goes_through_the_other_hooks(lib: SkillLibrary, policy: Policy) -> None:
    with _evolving(lib, before_the_call=False) as ev:
        register_before_tool_call_hook(policy)
        tool = Book()
        out = ev(booking_crew(ScriptedLLM(once), tool)).kickoff(inputs=DAY)
    assert {c["date"] for c in tool.calls} == {"03/04/2025"}  # CrewAI's own retries; the refused one never ran
    assert policy.refused == [{"date": BLACKOUT, "city": "Oslo"}]  # it was asked, and said no
    assert "booked" not in getattr(out, "raw", "")  # the model saw the failure, not a refused booking


def test_an_allowed_retry_is_seen_by_the_other_hooks(lib: SkillLibrary) -> None:
    audit: list[dict[str, Any]] = []

    def record(ctx: Any) -> None:
        audit.append(dict(ctx.tool_input))

    with _evolving(lib, before_the_call=False) as ev:
        register_before_tool_call_hook(record)
        try:
            tool = Book()
            ev(booking_crew(ScriptedLLM(once), tool)).kickoff(inputs=DAY)
        finally:
            unregister_before_tool_call_hook(record)
    assert tool.calls[-1] == {"date": BLACKOUT, "city": "Oslo"}  # the repaired retry ran
    assert all(c in audit for c in tool.calls)  # every call the tool ran was audited, with its arguments


def test_a_call_another_hook_blocked_is_never_run_by_a_repair(lib: SkillLibrary) -> None:
    def deny(ctx: Any) -> bool:
        return False  # the user's hook refuses every call of this tool

    # An is_failure that flags anything unbooked: the block message reads as a failure of the tool.
    with _evolving(lib, before_the_call=False, is_failure=lambda r: "booked" not in str(r)) as ev:
        register_before_tool_call_hook(deny)
        try:
            tool = Book(accept_any_date=True)
            out = ev(booking_crew(ScriptedLLM(once), tool)).kickoff(inputs=DAY)
        finally:
            unregister_before_tool_call_hook(deny)
    assert tool.calls == []
    assert "blocked" in getattr(out, "raw", "")
    kinds = [e.kind for e in lib.events(episode_id=ev.last_episode_id)]
    assert EventKind.TOOL_ERROR not in kinds and EventKind.TOOL_RESULT not in kinds  # not the tool's outcome


def test_a_result_hook_registered_first_sees_the_repaired_result(lib: SkillLibrary) -> None:
    from crewai.hooks import register_after_tool_call_hook, unregister_after_tool_call_hook

    class Receipt(Book):
        def _run(self, date: str, city: str) -> str:
            return f"{super()._run(date, city)}, card 4111-1111-1111-1111"

    def redact(ctx: Any) -> str | None:  # the user's hook, registered at import: cards never reach the model
        result = ctx.tool_result
        return result.replace("4111-1111-1111-1111", "[card]") if isinstance(result, str) else None

    register_after_tool_call_hook(redact)
    try:
        with _evolving(lib, before_the_call=False) as ev:
            llm = ScriptedLLM(once)
            out = ev(booking_crew(llm, Receipt())).kickoff(inputs=DAY)
    finally:
        unregister_after_tool_call_hook(redact)
    raw = getattr(out, "raw", "")
    assert raw.startswith("booked") and "[card]" in raw and "4111" not in raw
