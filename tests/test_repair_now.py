"""Learning inside the episode: repairs an error spells out, type-exact argument comparison,
policy-scoped trigger rates, and guidance about one tool credited by that tool's calls."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from skillevo import (
    NULL_ARM,
    ArgCondition,
    Episode,
    Event,
    EventKind,
    Evolver,
    Repair,
    RuleMiner,
    SkillLibrary,
    Strategy,
    Trigger,
    TriggerKind,
    VersionStatus,
)
from skillevo._detect import error_signature
from skillevo._guidance_facts import declared_values
from skillevo._mining import Miner, Proposal, check_proposal
from skillevo._models import RenameArg
from skillevo._repair import same_args


class _Booking(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    access_token: str
    file_name: str = "x"
    seats: int = 1
    refundable: bool = False


def _error(args: dict[str, Any]) -> ValidationError:
    try:
        _Booking.model_validate(args)
    except ValidationError as exc:
        return exc
    raise AssertionError("expected a validation error")


def _now(args: dict[str, Any]) -> Repair | None:
    exc = _error(args)
    return RuleMiner().repair_now("book", args, type(exc).__name__, str(exc))


def _favour(evo: Evolver, key: str, arm: str) -> None:
    """Make `arm` the clear winner over the null arm at `key`."""
    for _ in range(30):
        evo.selector.update(key, arm, 1.0)
        evo.selector.update(key, NULL_ARM, 0.0)


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def test_same_args_tells_json_types_apart() -> None:
    assert same_args({"a": [1, {"b": "x"}]}, {"a": [1, {"b": "x"}]})
    assert not same_args({"n": 20}, {"n": 20.0})
    assert not same_args({"flag": True}, {"flag": 1})
    assert not same_args({"a": [1]}, {"a": [1.0]})
    assert not same_args({"a": 1}, {"a": 1, "b": 2})


@pytest.mark.parametrize(
    ("args", "fixed"),
    [
        ({"token": "t"}, {"access_token": "t"}),  # a part of the expected name
        ({"accessToken": "t"}, {"access_token": "t"}),  # another case style
        ({"access_token": "t", "seats": 2.0}, {"access_token": "t", "seats": 2}),  # float for an integer
        ({"access_token": "t", "seats": "2"}, {"access_token": "t", "seats": 2}),  # string for an integer
        ({"access_token": "t", "refundable": "true"}, {"access_token": "t", "refundable": True}),
    ],
)
def test_repair_now_fixes_what_the_error_spells_out(args: dict[str, Any], fixed: dict[str, Any]) -> None:
    from skillevo._repair import apply_repair

    repair = _now(args)
    assert repair is not None
    out = apply_repair(repair, args)
    assert same_args(out, fixed)
    _Booking.model_validate(out)


@pytest.mark.parametrize(
    "args",
    [
        {"path": "t"},  # unexpected and missing names are unrelated: moving the value would be a guess
        {"access_token": "t", "seats": 2.5},  # not an integral float
        {"access_token": "t", "seats": "two"},
    ],
)
def test_repair_now_does_not_guess(args: dict[str, Any]) -> None:
    assert _now(args) is None


def test_repair_now_never_drops_an_argument_or_waits() -> None:
    miner = RuleMiner()
    # An unexpected keyword alone may be a misnamed one: dropping it would lose its value.
    assert (
        miner.repair_now("book", {"token": "t"}, "TypeError", "book() got an unexpected keyword argument 'token'")
        is None
    )
    assert miner.repair_now("book", {"q": 1}, "RateLimitError", "429 Too Many Requests, retry after 1s") is None
    # JSON-schema wording works as well as pydantic's.
    message = "Additional properties are not allowed ('token' was unexpected)\n'access_token' is a required property"
    repair = miner.repair_now("book", {"token": "t"}, "ValidationError", message)
    assert repair is not None and repair.ops == [RenameArg(arg="token", to="access_token")]


def test_allowed_values_are_read_from_a_printed_set_whatever_its_order() -> None:
    for message in (
        "Invalid travel class. Must be one of {'business', 'economy', 'first'}",
        "Invalid travel class. Must be one of {'first', 'business', 'economy'}",
        "travel_class: expected one of: economy, business, first",
    ):
        assert sorted(declared_values(message)) == ["business", "economy", "first"], message


def test_first_failure_is_retried_with_the_spelled_out_repair_and_becomes_a_tested_skill(lib: SkillLibrary) -> None:
    evo = Evolver(lib, seed=0)
    args = {"token": "t", "seats": 2}
    with evo.episode(task="book a seat") as ep:
        sent = ep.before_tool("book", args)
        retry = ep.on_tool_error("book", sent, _error(sent))
        assert retry == {"access_token": "t", "seats": 2}  # no model turn: the retry is immediate
        assert ep.on_tool_result("book", retry, {"ok": True}) is False
        ep.finish(1.0)
    repairs = lib.events(kind=EventKind.REPAIR, episode_id=ep.id)
    assert [(e.version_id, e.data["source"], e.data["applied"]) for e in repairs] == [(None, "error", True)]
    (skill,) = lib.skills()
    (version,) = skill.versions
    assert version.status is VersionStatus.TESTING
    assert version.strategy.repair is not None and version.strategy.repair.ops == [
        RenameArg(arg="token", to="access_token")
    ]
    # Its win over doing nothing was observed once, on the stored calls.
    assert evo.selector.posterior(skill.name, version.id)[0] == pytest.approx(2.0)
    assert evo.selector.posterior(skill.name, NULL_ARM)[1] == pytest.approx(2.0)


class _Broken(Miner):
    name = "broken"

    def __init__(self, answer: Any) -> None:
        self.answer = answer

    def mine(self, events: Any, store: Any) -> list[Proposal]:
        return []

    def repair_now(self, tool: str, args: dict[str, Any], error_type: str, message: str) -> Any:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@pytest.mark.parametrize("answer", [RuntimeError("boom"), "not a repair", Repair(ops=[RenameArg(arg="x", to="y")])])
def test_a_miner_that_raises_or_returns_garbage_changes_nothing(lib: SkillLibrary, answer: Any) -> None:
    evo = Evolver(lib, miner=_Broken(answer), seed=0)
    with evo.episode(task="t") as ep:
        args = {"token": "t"}
        assert ep.on_tool_error("book", ep.before_tool("book", args), _error(args)) is None
        ep.finish(0.0)
    assert lib.count_episodes() == 1


def _store_failures(lib: SkillLibrary, policy: str, args: dict[str, Any], n: int) -> list[str]:
    ids = []
    for _ in range(n):
        message = str(_error(args))
        ep = Episode(task="t", policy_version=policy)
        data = {"args": args, "error": message, "error_type": "ValidationError", "signature": error_signature(message)}
        lib.save_episode(ep, [Event(kind=EventKind.TOOL_ERROR, tool="book", data=data)])
        ids.append(ep.id)
    return ids


def test_trigger_rate_counts_only_the_failures_of_the_evidence_policy(lib: SkillLibrary) -> None:
    _store_failures(lib, "model@1", {"accessToken": "t"}, 12)  # the old policy's mistake
    new = _store_failures(lib, "model@2", {"token": "t"}, 2)  # the new policy's
    proposal = Proposal(
        name="book-missing-arg-token",
        trigger=Trigger(kind=TriggerKind.TOOL_ERROR, tool="book", error_type="missing_arg"),
        strategy=Strategy(
            repair=Repair(
                ops=[RenameArg(arg="token", to="access_token")], precondition=[ArgCondition(arg="token", present=True)]
            )
        ),
        episodes=[new[-1]],
    )
    verdict = check_proposal(proposal, lib)
    assert verdict.ok and verdict.trigger_rate == pytest.approx(1.0)
    # Measured against every stored failure it would fire on 2 of 14: rejected.
    unscoped = proposal.model_copy(update={"episodes": []})
    verdict = check_proposal(unscoped, lib)
    assert not verdict.ok and verdict.trigger_rate == pytest.approx(2 / 14)


def _tool_guidance_skill(lib: SkillLibrary) -> str:
    lib.add_skill(
        "book-token",
        Trigger(kind=TriggerKind.TOOL_ERROR, tool="book", error_type="missing_arg"),
        Strategy(guidance="When calling `book`: name the argument `access_token`, not `token`."),
        status=VersionStatus.ACTIVE,
    )
    return "book-token@1"


def test_guidance_about_a_tool_is_credited_by_that_tools_calls_not_the_episode_reward(lib: SkillLibrary) -> None:
    version = _tool_guidance_skill(lib)
    evo = Evolver(lib, miner=None, seed=0)
    _favour(evo, "book-token", version)
    a0, b0 = evo.selector.posterior("book-token", version)
    # The guidance was shown and the tool failed with the error it is about: 0, though the episode succeeded.
    with evo.episode(task="t") as ep:
        assert "access_token" in ep.guidance(tools=["book"])
        args = {"token": "t"}
        ep.on_tool_error("book", ep.before_tool("book", args), _error(args))
        ep.on_tool_result("book", {"access_token": "t"}, {"ok": True})
        ep.finish(1.0)
    assert evo.selector.posterior("book-token", version) == (pytest.approx(a0), pytest.approx(b0 + 1.0))
    # Shown, the tool called and nothing failed: 1, though the episode failed.
    with evo.episode(task="t") as ep:
        ep.guidance(tools=["book"])
        ep.on_tool_result("book", ep.before_tool("book", {"access_token": "t"}), {"ok": True})
        ep.finish(0.0)
    assert evo.selector.posterior("book-token", version) == (pytest.approx(a0 + 1.0), pytest.approx(b0 + 1.0))
    # Shown but the tool never called: nothing was tested, and a later feedback credits nothing either.
    with evo.episode(task="t") as ep:
        ep.guidance(tools=["book"])
    evo.feedback(ep.id, 1.0)
    Evolver(lib, miner=None, seed=0).feedback(ep.id, 1.0)  # another process, reading the stored episode
    assert evo.selector.posterior("book-token", version) == (pytest.approx(a0 + 1.0), pytest.approx(b0 + 1.0))
    assert all(a.credited for a in lib.episode(ep.id).applied if a.key == "book-token")


def test_preconditions_are_read_on_the_arguments_the_caller_sent(lib: SkillLibrary) -> None:
    def rename(name: str, src: str, dst: str) -> str:
        lib.add_skill(
            name,
            Trigger(kind=TriggerKind.TOOL_ERROR, tool="book", error_type="missing_arg"),
            Strategy(
                repair=Repair(ops=[RenameArg(arg=src, to=dst)], precondition=[ArgCondition(arg=src, present=True)])
            ),
            status=VersionStatus.ACTIVE,
        )
        return f"{name}@1"

    there, back = rename("there", "date", "day"), rename("back", "day", "date")
    evo = Evolver(lib, miner=None, seed=0)
    for key, arm in (("there", there), ("back", back)):
        _favour(evo, key, arm)
    with evo.episode(task="t") as ep:
        # "back" would undo "there" if it read the edited arguments; the call would then be credited
        # to both while nothing changed.
        assert ep.before_tool("book", {"date": "d"}) == {"day": "d"}
        ep.finish(None)
    applied = [e.version_id for e in lib.events(kind=EventKind.REPAIR, episode_id=ep.id)]
    assert applied == [there]


def test_langgraphs_fix_and_try_again_template_is_no_transient_error() -> None:
    from skillevo._detect import classify_error

    # ToolNode's template for invalid arguments ends every such message with "try again".
    message = (
        "Error invoking tool 'reserve' with kwargs {'token': 'abc'} with error:\n access_token: Field required\n"
        "token: Extra inputs are not permitted\n Please fix the error and try again."
    )
    assert classify_error(message) == "missing_arg"
    assert classify_error("The service is busy, please try again later.") == "transient"
    repair = RuleMiner().repair_now("reserve", {"token": "abc"}, "", message)
    assert repair is not None and repair.ops == [RenameArg(arg="token", to="access_token")]
