"""Constants contradicted by later corrections: only where they would have applied, and never
retiring what a person approved on two cheap episodes."""

from __future__ import annotations

from typing import Any

from skillevo import (
    ArgCondition,
    Episode,
    Event,
    EventKind,
    Evolver,
    Repair,
    SetArg,
    SkillLibrary,
    Strategy,
    Trigger,
    TriggerKind,
    VersionStatus,
)
from skillevo._detect import error_signature

ERROR = "1 validation error for book\nwhy\n  Field required [type=missing]"


def _correction(failed: dict[str, Any], corrected: dict[str, Any], error: str) -> list[Event]:
    return [
        Event(kind=EventKind.TOOL_CALL, tool="book", data={"call": 1, "args": failed}),
        Event(kind=EventKind.TOOL_ERROR, tool="book", data={"call": 1, "args": failed, "error": error,
                                                           "error_type": "ToolError",
                                                           "signature": error_signature(error)}),
        Event(kind=EventKind.TOOL_CALL, tool="book", data={"call": 2, "args": corrected}),
        Event(kind=EventKind.TOOL_RESULT, tool="book", data={"call": 2, "args": corrected, "result": {"ok": True}}),
    ]


def _library(status: VersionStatus) -> tuple[SkillLibrary, str]:
    lib = SkillLibrary(":memory:")
    repair = Repair(ops=[SetArg(arg="why", value="late")],
                    precondition=[ArgCondition(arg="why", present=False), ArgCondition(arg="kind", regex="train")])
    trigger = Trigger(kind=TriggerKind.TOOL_ERROR, tool="book", pattern="why")
    added = lib.add_skill("book-why", trigger, Strategy(repair=repair), status=status)
    return lib, added.id


def _contradict(lib: SkillLibrary, evo: Evolver, kind: str, n: int, error: str = ERROR) -> None:
    ep = Episode(task=f"t{n}")
    lib.save_episode(ep, _correction({"n": n, "kind": kind}, {"n": n, "kind": kind, "why": f"other-{n}"}, error))
    evo.learn(ep, lib.events(episode_id=ep.id))


def _charged(lib: SkillLibrary, version: str) -> int:
    return sum(e.data.get("source") == "contradicted" for e in lib.events(kind=EventKind.CREDIT, version_id=version))


def test_a_correction_where_the_constant_would_not_apply_does_not_contradict_it() -> None:
    """The constant is written before train bookings, and after an error that names `why`;
    corrections of flight bookings after another error, that add another reason too, say nothing
    about it."""
    lib, version = _library(VersionStatus.ACTIVE)
    evo = Evolver(lib, seed=0, cache_ttl_s=float("inf"), mining="inline")
    for n in range(3):
        _contradict(lib, evo, "flight", n, "seat class must be one of economy, business")
    assert _charged(lib, version) == 0
    assert lib.version(version).status is VersionStatus.ACTIVE
    _contradict(lib, evo, "flight", 3)  # its trigger fires on this error: it would have written it
    _contradict(lib, evo, "train", 4, "seat class must be one of economy, business")  # before the call
    assert _charged(lib, version) == 2
    assert lib.version(version).status is VersionStatus.RETIRED


def test_two_cheap_contradictions_do_not_retire_what_a_person_approved() -> None:
    """A person approved the constant: two episodes whose corrections disagree (a tool's error text
    can steer an agent into them) are charged as evidence, and the ordinary evidence rule decides."""
    lib, version = _library(VersionStatus.TESTING)
    evo = Evolver(lib, seed=0, cache_ttl_s=float("inf"), mining="inline", review="required")
    evo.lifecycle.approve(version, "checked the reason codes")
    assert lib.version(version).status is VersionStatus.ACTIVE
    for n in range(4):
        _contradict(lib, evo, "train", n)
    assert _charged(lib, version) == 4
    assert lib.version(version).status is VersionStatus.ACTIVE
