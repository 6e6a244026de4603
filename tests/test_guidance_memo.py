"""An episode reuses its last guidance text only while nothing it was made from has changed.

`EpisodeContext.guidance` remembers its last text (most model calls of a run see the same tools
and nothing new): each test changes one thing the text depends on between two calls and checks
that the next call sees it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from skillevo import EventKind, Evolver, SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _add(lib: SkillLibrary, name: str, trigger: Trigger, text: str) -> None:
    lib.add_skill(name, trigger, Strategy(guidance=text), status=VersionStatus.ACTIVE)


def _evolver(lib: SkillLibrary, **kwargs: object) -> Evolver:
    # No null arm: every live version applies, so what the text holds does not depend on a draw.
    return Evolver(lib, miner=None, sandbox=None, null_arm=False, cache_ttl_s=3600.0, **kwargs)  # type: ignore[arg-type]


def test_the_same_call_gets_the_same_text_and_logs_its_guidance_once(lib: SkillLibrary) -> None:
    _add(lib, "tone", Trigger(kind=TriggerKind.ALWAYS), "Answer formally.")
    evo = _evolver(lib)
    with evo.episode(task="t") as ep:
        texts = {ep.guidance(tools=["search"]) for _ in range(4)}
    assert len(texts) == 1 and "Answer formally." in texts.pop()
    assert len(lib.events(episode_id=ep.id, kind=EventKind.GUIDANCE)) == 1


def test_a_skill_that_fires_joins_the_next_prompt(lib: SkillLibrary) -> None:
    _add(lib, "search-quota", Trigger(kind=TriggerKind.TOOL_ERROR, tool="search"), "Search fewer pages.")
    evo = _evolver(lib)
    with evo.episode(task="t") as ep:
        assert ep.guidance(tools=["lookup"]) == ""
        assert ep.guidance(tools=["lookup"]) == ""
        ep.on_tool_error("search", {"q": "x"}, "quota exceeded")
        assert "Search fewer pages." in ep.guidance(tools=["lookup"])


def test_other_tools_get_their_own_guidance(lib: SkillLibrary) -> None:
    _add(lib, "weather-units", Trigger(kind=TriggerKind.TOOL_ERROR, tool="weather"), "Pass units to weather.")
    evo = _evolver(lib)
    with evo.episode(task="t") as ep:
        assert ep.guidance(tools=["lookup"]) == ""
        assert "Pass units" in ep.guidance(tools=["lookup", "weather"])
        assert "Pass units" in ep.guidance(tools=("lookup", "weather"))
        assert ep.guidance(tools=["lookup"]) == ""
        assert ep.guidance() == ""


def test_a_skill_added_to_the_library_reaches_the_next_prompt_once_the_triggers_are_read_again(
    lib: SkillLibrary,
) -> None:
    evo = _evolver(lib)
    with evo.episode(task="t") as ep:
        assert ep.guidance(tools=["lookup"]) == ""
        _add(lib, "tone", Trigger(kind=TriggerKind.ALWAYS), "Answer formally.")
        evo.invalidate()
        assert "Answer formally." in ep.guidance(tools=["lookup"])
    with evo.episode(task="t") as ep:
        assert "Answer formally." in ep.guidance(tools=["lookup"])
        _add(lib, "dates", Trigger(kind=TriggerKind.ALWAYS), "Dates are YYYY-MM-DD.")
        assert "YYYY-MM-DD" not in ep.guidance(tools=["lookup"])  # the trigger cache holds, as before
        evo.triggers.ttl_s = 0.0  # its time is up: read again
        assert "YYYY-MM-DD" in ep.guidance(tools=["lookup"])


def test_the_budget_is_read_at_every_call(lib: SkillLibrary) -> None:
    _add(lib, "tone", Trigger(kind=TriggerKind.ALWAYS), "Answer formally.")
    evo = _evolver(lib)
    with evo.episode(task="t") as ep:
        assert "Answer formally." in ep.guidance()
        evo.guidance_budget_tokens = 0
        assert ep.guidance() == ""


def test_task_start_guidance_stays_for_the_whole_episode(lib: SkillLibrary) -> None:
    _add(lib, "plan", Trigger(kind=TriggerKind.TASK_START), "Plan before acting.")
    evo = _evolver(lib)
    with evo.episode(task="t") as ep:
        assert [("Plan before acting." in ep.guidance(tools=["x"])) for _ in range(3)] == [True] * 3


def test_tools_given_as_objects_are_named_by_their_text_at_every_call(lib: SkillLibrary) -> None:
    _add(lib, "weather-units", Trigger(kind=TriggerKind.TOOL_ERROR, tool="weather"), "Pass units to weather.")

    class Named:
        """A tool object equal to any string (its text is what names it)."""

        def __init__(self, name: str) -> None:
            self.name = name

        def __str__(self) -> str:
            return self.name

        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = object.__hash__

    evo = _evolver(lib)
    with evo.episode(task="t") as ep:
        assert ep.guidance(tools=["lookup"]) == ""
        assert "Pass units" in ep.guidance(tools=[Named("weather")])  # type: ignore[list-item]
        assert ep.guidance(tools=["lookup"]) == ""
        assert "Pass units" in ep.guidance(tools=[Named("weather")])  # type: ignore[list-item]
