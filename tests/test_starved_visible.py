"""A version the bandit stopped drawing after it lost its first calls stays active (retiring it on a
few own updates let a tool fail a good version out, attack31), but is no longer invisible: the
lifecycle lists it with its P(better than null) and own updates, for a person (issue 19)."""

from __future__ import annotations

from pathlib import Path

import pytest

from skillevo import NULL_ARM, SkillLibrary, Strategy, ThompsonSelector, Trigger, VersionStatus
from skillevo._lifecycle import Lifecycle, LifecycleConfig

CFG = LifecycleConfig(retire_min_obs=20)


def _setup() -> tuple[SkillLibrary, ThompsonSelector, Lifecycle]:
    lib = SkillLibrary(":memory:")
    sel = ThompsonSelector(seed=0)
    sel.attach(lib)
    return lib, sel, Lifecycle(lib, sel, CFG, review="auto")


def test_a_version_that_lost_its_first_calls_stays_active_and_is_listed() -> None:
    lib, sel, life = _setup()
    v = lib.add_skill("tip", Trigger(tool="t"), Strategy(guidance="check twice"), status=VersionStatus.ACTIVE)
    good = lib.add_skill("fine", Trigger(tool="t"), Strategy(guidance="fine"), status=VersionStatus.ACTIVE)
    for i in range(40):
        sel.update("tip", NULL_ARM, float(i % 5 != 0))  # the null arm: 0.8
        sel.update("fine", NULL_ARM, float(i % 5 != 0))
        sel.update("fine", good.id, float(i % 10 != 0))  # 0.9: ahead of the null arm
    for _ in range(3):  # three failed calls: what a tool failing a version on purpose costs
        sel.update("tip", v.id, 0.0)
    assert life.evaluate("tip") == []
    assert lib.version(v.id).status is VersionStatus.ACTIVE  # not retired on three updates
    listed = life.starved()
    assert [(version.id, own) for version, _, own in listed] == [(v.id, 3.0)]
    assert listed[0][1] < CFG.retire_p


def test_a_version_with_enough_own_updates_is_left_to_the_retire_rule() -> None:
    lib, sel, life = _setup()
    v = lib.add_skill("tip", Trigger(tool="t"), Strategy(guidance="check twice"), status=VersionStatus.ACTIVE)
    for i in range(40):
        sel.update("tip", NULL_ARM, float(i % 5 != 0))
        sel.update("tip", v.id, 0.0)
    assert life.starved() == []
    life.evaluate("tip")
    assert lib.version(v.id).status is VersionStatus.RETIRED


def test_review_list_shows_a_starved_version_for_a_person(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from skillevo.cli import main as cli_main

    path = tmp_path / "lib.db"
    with SkillLibrary(path) as lib:
        sel = ThompsonSelector(seed=0)
        sel.attach(lib)
        v = lib.add_skill("tip", Trigger(tool="t"), Strategy(guidance="check twice"), status=VersionStatus.ACTIVE)
        for i in range(40):
            sel.update("tip", NULL_ARM, float(i % 5 != 0))
        for _ in range(3):
            sel.update("tip", v.id, 0.0)
        lib.flush()
    assert cli_main(["review", "list", "--json", "--db", str(path)]) == 0
    rows = json.loads(capsys.readouterr().out)["pending"]
    (row,) = [r for r in rows if r["version_id"] == v.id]
    assert row["status"] == "active" and row["against"] == NULL_ARM and row["p_better"] < CFG.retire_p
