"""A version chosen for its guidance still repairs the episode's later calls after the library was
read again.

An episode chooses one version per skill, often first for its guidance at the start; the tool call
comes later and finds the skill's versions in another read of the library (the trigger cache lasts
`cache_ttl_s`, 2 s, and a model's turn often takes longer). Another episode finishing in between
moves the version's stored counters (alpha, beta, selected episodes), and the chosen version was
looked for among the new read by value: it was not found, and its repair was skipped, pre-emptive
and after an error alike, as if chosen at another site. Before: 1 of 1 calls left unrepaired on
each path (and tests/test_review_gating.py's canary count red in 1 of 4 runs on a loaded machine,
where the cache expired mid-episode); now the version is matched by its id.
"""

from __future__ import annotations

import pytest

from skillevo import Evolver, SkillLibrary, VersionStatus
from skillevo._models import ArgCondition, ReformatDate, Repair, Strategy, Trigger, TriggerKind

TOOL = "book_flight"
SLASH = r"\d{2}/\d{2}/\d{4}"


def _book(args: dict[str, str]) -> str:
    if args["date"][4:5] != "-":
        raise ValueError(f"invalid date {args['date']!r}: expected format YYYY-MM-DD")
    return "booked"


def _another_episode_finishes(lib: SkillLibrary, evo: Evolver) -> None:
    with evo.episode(task="book a flight") as other:
        other.guidance([TOOL])
        args = other.before_tool(TOOL, {"date": "2026-11-04"})
        other.on_tool_result(TOOL, args, _book(args))
        other.finish(1.0)
    lib.flush()


def test_a_pre_emptive_repair_applies_after_its_counters_moved() -> None:
    strategy = Strategy(guidance="Write dates as YYYY-MM-DD.",
                        repair=Repair(ops=[ReformatDate(arg="date", from_format="%d/%m/%Y")],
                                      precondition=[ArgCondition(arg="date", regex=SLASH)]))
    with SkillLibrary(":memory:") as lib:
        lib.add_skill("iso-date", Trigger(kind=TriggerKind.BEFORE_TOOL, tool=TOOL), strategy,
                      status=VersionStatus.ACTIVE)
        evo = Evolver(lib, miner=None, seed=0, null_arm=False, cache_ttl_s=0.0)  # every look-up reads again
        ep = evo.episode(task="book a flight")
        assert "YYYY-MM-DD" in ep.guidance([TOOL])  # the version is chosen here, for its guidance
        before = lib.version("iso-date@1").selected_episodes
        _another_episode_finishes(lib, evo)
        assert lib.version("iso-date@1").selected_episodes > before  # another read differs now
        assert ep.before_tool(TOOL, {"date": "06/11/2026"}) == {"date": "2026-11-06"}
        ep.finish(1.0)


def test_a_repair_after_an_error_applies_after_its_counters_moved() -> None:
    strategy = Strategy(guidance="Write dates as YYYY-MM-DD.",
                        repair=Repair(ops=[ReformatDate(arg="date", from_format="%d/%m/%Y")]))
    with SkillLibrary(":memory:") as lib:
        lib.add_skill("iso-date", Trigger(kind=TriggerKind.TOOL_ERROR, tool=TOOL, pattern="invalid date"), strategy,
                      status=VersionStatus.ACTIVE)
        evo = Evolver(lib, miner=None, seed=0, null_arm=False, cache_ttl_s=0.0)
        ep = evo.episode(task="book a flight")
        assert "YYYY-MM-DD" in ep.guidance([TOOL])
        before = lib.version("iso-date@1").selected_episodes
        _another_episode_finishes(lib, evo)
        assert lib.version("iso-date@1").selected_episodes > before
        sent = ep.before_tool(TOOL, {"date": "06/11/2026"})
        with pytest.raises(ValueError) as failed:
            _book(sent)
        assert ep.on_tool_error(TOOL, sent, failed.value) == {"date": "2026-11-06"}
        ep.finish(1.0)
