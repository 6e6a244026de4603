"""A constant that replaces a value the caller sent (mined where no other edit relates the failed
values to the corrected one) is taken back when the agent's later corrections choose other values,
like a constant for a left-out argument (issue 19: it was never charged, having no precondition)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from skillevo import Episode, EventKind, Evolver, SkillLibrary, SkillVersion, VersionStatus

sys.path.insert(0, str(Path(__file__).parent))  # the corrections harness of test_mining
from test_mining import _episode_events

_ERROR = "Invalid value for 'mode': not accepted"


def _learn(lib: SkillLibrary, evo: Evolver, bad: Any, good: Any, n: int) -> None:
    ep = Episode(task=f"t{n}")
    lib.save_episode(ep, _episode_events("ship", {"n": n, "mode": bad}, {"n": n, "mode": good}, _ERROR))
    evo.learn(ep, lib.events(episode_id=ep.id))


def _constant(lib: SkillLibrary) -> SkillVersion:
    (version,) = [
        v
        for s in lib.skills()
        for v in s.versions
        if v.strategy.repair is not None and v.strategy.repair.ops[0].op == "set"
    ]
    return version


def _charged(lib: SkillLibrary, version_id: str) -> list[float]:
    return [
        e.data["reward"]
        for e in lib.events(kind=EventKind.CREDIT, version_id=version_id)
        if e.data.get("source") == "contradicted"
    ]


def test_later_corrections_to_other_values_take_the_constant_back() -> None:
    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, seed=0, cache_ttl_s=float("inf"), mining="inline")
    _learn(lib, evo, ["a"], "fast", 1)
    _learn(lib, evo, ["b"], "fast", 2)  # two tasks agreed on "fast" by chance
    constant = _constant(lib)
    assert constant.status in (VersionStatus.CANDIDATE, VersionStatus.TESTING)
    _learn(lib, evo, ["c"], "slow", 3)
    assert _charged(lib, constant.id) == [0.0]  # one episode: charged, not taken back
    assert lib.version(constant.id).status is not VersionStatus.REJECTED
    _learn(lib, evo, ["d"], "express", 4)
    assert lib.version(constant.id).status is VersionStatus.REJECTED


def test_corrections_to_the_constants_own_value_charge_nothing() -> None:
    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, seed=0, cache_ttl_s=float("inf"), mining="inline")
    for n, bad in enumerate((["a"], ["b"], ["c"], ["d"])):
        _learn(lib, evo, bad, "fast", n)
    constant = _constant(lib)
    assert _charged(lib, constant.id) == []
    assert lib.version(constant.id).status is not VersionStatus.REJECTED
