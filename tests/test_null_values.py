"""A learned repair that sets an argument to JSON null is a value like any other: stored, read back,
exported and imported whole (a dump that leaves out ``None`` fields would drop the value itself)."""

from __future__ import annotations

from pathlib import Path

from skillevo import Evolver, SkillLibrary, Strategy, Trigger, VersionStatus
from skillevo._models import Repair, SetArg


def _null_repair() -> Strategy:
    return Strategy(repair=Repair(ops=[SetArg(arg="coupon", value=None), SetArg(arg="n", value=0)]))


def test_a_set_to_null_repair_reads_back_from_the_library(tmp_path: Path) -> None:
    with SkillLibrary(tmp_path / "lib.db") as lib:
        made = lib.add_skill("shop-null-coupon", Trigger(tool="shop"), _null_repair(), status=VersionStatus.ACTIVE)
        assert lib.version(made.id).strategy == _null_repair()
        assert [v.strategy for s in lib.skills() for v in s.versions] == [_null_repair()]


def test_a_set_to_null_repair_survives_export_and_import(tmp_path: Path) -> None:
    with SkillLibrary(tmp_path / "a.db") as lib:
        lib.add_skill("shop-null-coupon", Trigger(tool="shop"), _null_repair(), status=VersionStatus.ACTIVE)
        lib.export_skills(tmp_path / "out")
    with SkillLibrary(tmp_path / "b.db") as other:
        assert other.import_skills(tmp_path / "out")
        assert [v.strategy for s in other.skills() for v in s.versions] == [_null_repair()]


def test_a_correction_to_null_is_learned_and_the_next_episode_finishes(tmp_path: Path) -> None:
    with SkillLibrary(tmp_path / "lib.db") as lib:
        evo = Evolver(lib, mining="inline")
        for _ in range(3):
            with evo.episode(task="t") as ep:
                sent = ep.before_tool("shop", {"n": 1})
                ep.on_tool_error("shop", sent, "Error: invalid request")
                ep.on_tool_result("shop", ep.before_tool("shop", {"coupon": None, "n": 1}), {"ok": True})
        learned = [op for s in lib.skills() for v in s.versions if v.strategy.repair for op in v.strategy.repair.ops]
        assert SetArg(arg="coupon", value=None) in learned
