"""`check_proposal`'s duplicate check finds the same versions by index, without reading the library.

It read every skill of the library (`store.skills()`) for every proposal: on 5,000 skills, 82 k
Python calls of a 3.5 k-call check (x23 a 21-skill library's). A version can only refuse a
proposal when its skill has the proposal's trigger, or the proposal's name and the version was
rejected: those skills are now read by trigger kind and tool (`store.match`, every status) and by
name (`store.skill`). The refusal (and the version it names) is unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from skillevo import Proposal, SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus
from skillevo._mining import check_proposal, same_behaviour
from skillevo._models import MapValue, Repair

G = Strategy(guidance="Send dates as YYYY-MM-DD.")
G2 = Strategy(guidance="send dates as yyyy-mm-dd")  # the same words
H = Strategy(guidance="Send the city's IATA code.")
R = Strategy(repair=Repair(ops=[MapValue(arg="status", mapping={"open": "OPEN"})]))


def _library(path: Path) -> SkillLibrary:
    lib = SkillLibrary(path)
    book = Trigger(kind=TriggerKind.TOOL_ERROR, tool="book")
    for name, trigger, strategy, status in [
        ("a-active", book, G, VersionStatus.ACTIVE),
        ("b-retired", book, R, VersionStatus.RETIRED),
        ("c-rejected-other-trigger", Trigger(kind=TriggerKind.TOOL_ERROR, tool="pay"), H, VersionStatus.REJECTED),
        ("d-glob", Trigger(kind=TriggerKind.TOOL_ERROR, tool="bo*"), H, VersionStatus.CANDIDATE),
        ("e-before", Trigger(kind=TriggerKind.BEFORE_TOOL, tool="book"), H, VersionStatus.TESTING),
        ("f-any", Trigger(kind=TriggerKind.TOOL_ERROR, tool="*"), R, VersionStatus.ACTIVE),
        ("g-pattern", Trigger(kind=TriggerKind.TOOL_ERROR, tool="book", pattern="date"), H, VersionStatus.ACTIVE),
    ]:
        lib.add_skill(name, trigger, strategy, status=status)
    lib.add_version("c-rejected-other-trigger", R, status=VersionStatus.ACTIVE)
    lib.add_version("a-active", H, status=VersionStatus.REJECTED)
    return lib


def _proposals() -> list[Proposal]:
    triggers = [
        Trigger(kind=TriggerKind.TOOL_ERROR, tool="book"),
        Trigger(kind=TriggerKind.TOOL_ERROR, tool="bo*"),
        Trigger(kind=TriggerKind.TOOL_ERROR, tool="*"),
        Trigger(kind=TriggerKind.BEFORE_TOOL, tool="book"),
        Trigger(kind=TriggerKind.TOOL_ERROR, tool="book", pattern="date"),
        Trigger(kind=TriggerKind.TOOL_ERROR, tool="pay"),
        Trigger(kind=TriggerKind.OBSERVATION, tool="book"),
    ]
    names = ["new", "c-rejected-other-trigger", "a-active", "d-glob"]
    return [
        Proposal(name=name, description="d", trigger=trigger, strategy=strategy)
        for trigger in triggers for strategy in (G, G2, H, R) for name in names
    ]


def _scanned(lib: SkillLibrary, proposal: Proposal) -> str | None:
    """The refusal the whole-library scan gave (the loop as it was)."""
    for skill in lib.skills():
        for version in skill.versions:
            if same_behaviour(version.strategy, proposal.strategy) and (
                skill.trigger == proposal.trigger
                or (skill.name == proposal.name and version.status is VersionStatus.REJECTED)
            ):
                state = "already in the library" if version.status is not VersionStatus.REJECTED else "rejected before"
                return f"duplicate of {version.id} ({state})"
    return None


def test_duplicates_are_refused_as_the_scan_refused_them_without_reading_the_library(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _library(tmp_path / "lib.db") as lib:
        proposals = _proposals()
        expected = [_scanned(lib, p) for p in proposals]
        assert sum(e is not None for e in expected) >= 10  # the cases exercise refusals of every route
        assert any(e is not None and "rejected before" in e for e in expected)

        def whole_library(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError("the whole library was read for a duplicate check")

        monkeypatch.setattr(lib, "skills", whole_library)
        for proposal, want in zip(proposals, expected, strict=True):
            reason = check_proposal(proposal, lib).reason or ""
            got = reason if reason.startswith("duplicate of") else None
            assert got == want, (proposal.name, proposal.trigger, proposal.strategy)
