"""A skill that fired in an episode (its tool failed, or a result matched its observation trigger)
joins the episode's later prompts: only with the versions the library still holds live. A version
rejected or retired since (by a reviewer in this process or another) leaves the prompt when the
trigger view is read again, as one that a tool's trigger holds does; it is never kept for the rest
of the run because the episode kept the skill as it was when it fired."""

from __future__ import annotations

import types
from pathlib import Path

import pytest

from skillevo import Evolver, SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus, _triggers

ADVICE = "Search fewer pages."


def _fire(ep: object, kind: TriggerKind) -> None:
    if kind is TriggerKind.TOOL_ERROR:
        ep.on_tool_error("search", {"q": "x"}, "quota exceeded")  # type: ignore[attr-defined]
    else:
        ep.on_tool_result("search", {"q": "x"}, "quota low")  # type: ignore[attr-defined]


def _library(path: Path | str, kind: TriggerKind) -> tuple[SkillLibrary, str]:
    lib = SkillLibrary(path)
    trigger = Trigger(kind=kind, tool="search", pattern="quota" if kind is TriggerKind.OBSERVATION else None)
    version = lib.add_skill("search-quota", trigger, Strategy(guidance=ADVICE), status=VersionStatus.ACTIVE)
    return lib, version.id


@pytest.mark.parametrize("kind", [TriggerKind.TOOL_ERROR, TriggerKind.OBSERVATION])
@pytest.mark.parametrize("review", ["auto", "canary"])
def test_a_fired_skill_whose_version_is_rejected_leaves_the_prompt(kind: TriggerKind, review: str) -> None:
    lib, version_id = _library(":memory:", kind)
    # canary_share=1: every episode is a canary one (unapproved versions apply there, as in auto).
    evo = Evolver(lib, miner=None, sandbox=None, null_arm=False, cache_ttl_s=3600.0, review=review,  # type: ignore[arg-type]
                  canary_share=1.0)
    with evo.episode(task="t") as ep:
        _fire(ep, kind)
        assert ADVICE in ep.guidance(tools=["lookup"])
        evo.lifecycle.reject(version_id, "wrong advice")
        evo.invalidate()
        assert ADVICE not in ep.guidance(tools=["lookup"])
        assert ADVICE not in ep.guidance(tools=["search"])
        assert ADVICE not in ep.guidance()
    lib.close()


def test_a_rejection_in_another_process_reaches_a_fired_skill_when_its_view_expires(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [0.0]
    monkeypatch.setattr(_triggers, "time", types.SimpleNamespace(monotonic=lambda: now[0]))
    db = tmp_path / "lib.db"
    lib, version_id = _library(db, TriggerKind.TOOL_ERROR)
    evo = Evolver(lib, miner=None, sandbox=None, null_arm=False, cache_ttl_s=10.0)
    with evo.episode(task="t") as ep:
        _fire(ep, TriggerKind.TOOL_ERROR)  # its skill read at 0
        now[0] = 8.0
        assert ADVICE in ep.guidance(tools=["lookup"])  # the guidance view of ("lookup",) read at 8
        with SkillLibrary(db) as other:  # `skillevo review reject` in another process
            other.set_status(version_id, VersionStatus.REJECTED, reason="wrong advice", actor="reviewer")
        now[0] = 11.0  # the fired skill's view (read at 0) has expired; the guidance view has not
        assert ADVICE not in ep.guidance(tools=["lookup"])
    lib.close()


def test_a_match_read_before_an_invalidation_does_not_outlive_it() -> None:
    # Another thread rejects a version and invalidates the trigger view while this one is reading
    # the store: what this one read (the version still live) must not be kept for a whole TTL.
    lib = SkillLibrary(":memory:")
    version = lib.add_skill("tone", Trigger(kind=TriggerKind.ALWAYS), Strategy(guidance=ADVICE),
                            status=VersionStatus.ACTIVE)
    evo = Evolver(lib, miner=None, sandbox=None, null_arm=False, cache_ttl_s=3600.0)
    real = lib.match
    raced: list[bool] = []

    def match(*args: object, **kwargs: object) -> object:
        found = real(*args, **kwargs)  # type: ignore[arg-type]
        if not raced:
            raced.append(True)
            evo.lifecycle.reject(version.id, "wrong advice")  # meanwhile, in another thread
            evo.invalidate()
        return found

    lib.match = match  # type: ignore[method-assign]
    with evo.episode(task="t") as ep:
        ep.guidance()  # read as the rejection landed: either answer is right for this call
        assert ADVICE not in ep.guidance()
        assert ADVICE not in ep.guidance(tools=["search"])
    lib.close()
