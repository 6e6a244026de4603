"""After an episode with a failed call, the candidates waiting for evidence are found by index.

`Evolver._wake_imports` looks again at the skills of the tools that failed (and every glob skill)
that hold a candidate and no version under test. It read the whole library to find them
(`store.skills()`): on a library of 1,000 skills, 0.3 s of every such episode's end, inline or on
the background miner's thread (the agent's GIL). The same skills are now looked up by trigger kind
and tool (`store.match`), and the set handed to the lifecycle is unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from skillevo import Evolver, SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus
from skillevo._models import Event, EventKind


def _library(path: Path) -> SkillLibrary:
    lib = SkillLibrary(path)
    g = Strategy(guidance="Send dates as YYYY-MM-DD.")
    h = Strategy(guidance="Send the city's IATA code.")
    for name, kind, tool in [
        ("exact", TriggerKind.TOOL_ERROR, "book"),
        ("exact-before", TriggerKind.BEFORE_TOOL, "book"),
        ("exact-observation", TriggerKind.OBSERVATION, "book"),
        ("glob-matching", TriggerKind.TOOL_ERROR, "bo*"),
        ("glob-other", TriggerKind.ALWAYS, "pay_*"),
        ("any-tool", TriggerKind.TASK_START, "*"),
        ("other-tool", TriggerKind.TOOL_ERROR, "pay"),
    ]:
        lib.add_skill(name, Trigger(kind=kind, tool=tool), g, status=VersionStatus.CANDIDATE)
    lib.add_skill("busy", Trigger(kind=TriggerKind.TOOL_ERROR, tool="book"), g, status=VersionStatus.TESTING)
    lib.add_version("busy", h, status=VersionStatus.CANDIDATE)
    lib.add_skill("settled", Trigger(kind=TriggerKind.TOOL_ERROR, tool="book"), g, status=VersionStatus.ACTIVE)
    lib.add_skill("later", Trigger(kind=TriggerKind.TOOL_ERROR, tool="book"), g, status=VersionStatus.ACTIVE)
    lib.add_version("later", h, status=VersionStatus.CANDIDATE)
    return lib


def _woken(evo: Evolver, monkeypatch: pytest.MonkeyPatch, events: list[Event]) -> set[str] | None:
    seen: list[set[str]] = []
    monkeypatch.setattr(evo.ledger, "evaluate", lambda keys: seen.append(set(keys)))

    def whole_library(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the whole library was read to wake waiting imports")

    monkeypatch.setattr(evo.store, "skills", whole_library)
    evo._wake_imports(events)
    assert len(seen) <= 1
    return seen[0] if seen else None


def test_waiting_candidates_of_the_failed_tools_and_every_glob_are_found_by_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _library(tmp_path / "lib.db") as lib:
        evo = Evolver(lib, seed=0)
        woken = _woken(evo, monkeypatch, [Event(kind=EventKind.TOOL_ERROR, tool="book")])
        # As the whole-library scan chose: the failed tool's skills of every kind, every glob skill
        # (matching the tool or not), not another tool's, not a skill with a version under test.
        assert woken == {
            "exact", "exact-before", "exact-observation", "glob-matching", "glob-other", "any-tool", "later"
        }


def test_an_episode_without_a_failed_call_reads_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with _library(tmp_path / "lib.db") as lib:
        evo = Evolver(lib, seed=0)
        monkeypatch.setattr(evo.store, "match", lambda *a, **k: pytest.fail("read"))
        assert _woken(evo, monkeypatch, [Event(kind=EventKind.TOOL_RESULT, tool="book")]) is None
