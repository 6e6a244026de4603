"""`skillevo.testing`'s framework-free doubles do what their docs promise, driven through an `Evolver`."""

from __future__ import annotations

import subprocess
import sys

import pytest

import skillevo.testing
from skillevo import (
    NULL_ARM,
    Episode,
    EventKind,
    Evolver,
    Proposal,
    ReformatDate,
    Repair,
    Strategy,
    Trigger,
    TriggerKind,
    VersionStatus,
)
from skillevo.testing import FixedSelector, ScriptedMiner, memory_library

ISO = Trigger(kind=TriggerKind.TOOL_ERROR, tool="book", pattern="YYYY-MM-DD")
FIX = Strategy(repair=Repair(ops=[ReformatDate(arg="date", from_format="%m/%d/%Y")]))
BAD = ValueError("invalid date '03/04/2025': expected format YYYY-MM-DD")


def test_memory_library_holds_the_given_skills_active() -> None:
    with memory_library({"iso-dates": (ISO, FIX)}) as lib:
        (skill,) = lib.skills()
        assert skill.name == "iso-dates"
        assert [v.status for v in skill.versions] == [VersionStatus.ACTIVE]
        assert lib.location == ":memory:"
    with memory_library({"iso-dates": (ISO, FIX)}, status=VersionStatus.CANDIDATE) as lib:
        assert lib.skill("iso-dates").versions[0].status is VersionStatus.CANDIDATE
    with memory_library() as lib:
        assert lib.skills() == []


def test_fixed_selector_always_repairs_and_records_the_credit() -> None:
    selector = FixedSelector()
    with memory_library({"iso-dates": (ISO, FIX)}) as lib:
        evo = Evolver(lib, miner=None, selector=selector, sandbox=None)
        for _ in range(3):
            with evo.episode(task="Book Oslo") as ep:
                retry = ep.on_tool_error("book", {"date": "03/04/2025"}, BAD)
                assert retry == {"date": "2025-03-04"}
                ep.on_tool_result("book", retry, "booked")
                ep.finish(reward=1.0)
        version = lib.skill("iso-dates").versions[0].id
    # Each episode credits the repaired call, then the repair site's episode reward (`<skill>#episode`).
    assert selector.updates == [("iso-dates", version, 1.0), ("iso-dates#episode", version, 1.0)] * 3
    assert selector.posterior("any", version) == (1.0, 1.0)
    assert selector.propensity("k", [NULL_ARM, version], version) == 1.0


def test_fixed_selector_without_apply_takes_the_null_arm_whenever_offered() -> None:
    selector = FixedSelector(apply=False)
    assert selector.choose("k", [NULL_ARM, "v1"]) == NULL_ARM
    assert selector.choose("k", ["v1", "v2"]) == "v1"  # no null arm offered: it must pick a version
    assert selector.propensity("k", [NULL_ARM, "v1"], NULL_ARM) == 1.0
    selector.notify_change("k", "v1")
    assert selector.changes == [("k", "v1")]
    assert selector.prob_better("k", "v1", NULL_ARM) == 0.5


def test_scripted_miner_proposals_become_candidate_versions() -> None:
    miner = ScriptedMiner([Proposal(name="iso-dates", trigger=ISO, strategy=FIX)])
    with memory_library() as lib:
        evo = Evolver(lib, miner=miner, sandbox=None, mining="inline")
        with evo.episode(task="Book Oslo") as ep:
            ep.on_tool_error("book", {"date": "03/04/2025"}, BAD)
            ep.on_tool_result("book", {"date": "2025-03-04"}, "booked")
            ep.finish(reward=1.0)
        (skill,) = lib.skills()
        assert skill.name == "iso-dates"
        assert skill.versions[0].status is not VersionStatus.ACTIVE  # tested before it is trusted
    (events,) = miner.seen
    assert any(e.kind is EventKind.TOOL_ERROR for e in events)


def test_scripted_miner_takes_a_function_of_the_events() -> None:
    miner = ScriptedMiner(lambda events: [] if not events else [Proposal(name="x", trigger=ISO, strategy=FIX)])
    with memory_library() as lib:
        assert miner.mine([], lib) == []
        assert isinstance(lib, skillevo.SkillLibrary)
    assert len(miner.seen) == 1
    assert isinstance(Episode(task="t"), Episode)


def test_unknown_names_and_missing_frameworks_fail_clearly() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = skillevo.testing.Nope
    # A framework that is not installed: a one-line ImportError that says what to install.
    for name, blocked, package in (("ScriptedChatModel", "langchain_core", "skillevo-langgraph"),
                                   ("ScriptedLLM", "crewai", "skillevo-crewai")):  # fmt: skip
        code = f"import sys\nsys.modules[{blocked!r}] = None\nfrom skillevo.testing import {name}"
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
        assert result.returncode == 1
        last = result.stderr.strip().splitlines()[-1]
        assert last.startswith("ImportError: skillevo.testing.") and f"pip install {package}" in last, last
