"""`skillevo train`'s prune stage measures staleness in the library's own time, not the train host's.

An active version is retired as stale when its skill has not fired for `stale_after_days` while at
least `stale_min_episodes` episodes ran. Before 2026-12-07 "for `stale_after_days`" was the train
host's wall clock against the events' timestamps: a host whose clock had stepped forward (a VM
resumed with a wrong clock, an NTP step, a container started with a skewed clock) retired every
active skill that was in use, each "pruned: its skill has not fired for 40.0 days". Now the train
clock counts only up to the newest thing the agents' runs recorded; a skill that truly stopped
firing while runs went on is still pruned, whatever the train host's clock says.
"""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from skillevo import Episode, Event, EventKind, SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus
from skillevo._train_stages import prune

DAY = 86400.0


def _library(path: Path, base: float, monkeypatch: pytest.MonkeyPatch) -> SkillLibrary:
    lib = SkillLibrary(path)
    with monkeypatch.context() as m:
        m.setattr(time, "time", lambda: base - 41 * DAY)  # both made active 41 days ago
        for name in ("fresh", "stale"):
            lib.add_skill(name, Trigger(kind=TriggerKind.TOOL_ERROR, tool=f"{name}_tool"),
                          Strategy(guidance=f"call {name}_tool with ISO dates"), status=VersionStatus.ACTIVE)
        lib.flush()
    for name, fired in (("fresh", base - 3600.0), ("stale", base - 40 * DAY)):
        lib.log_events([Event(ts=fired, kind=EventKind.SELECTION, data={"key": name})])
    for i in range(3):
        ep = Episode(task=f"run {i}", started_at=base - 1800.0 + i)
        lib.save_episode(ep, [Event(ts=base - 1800.0 + i, kind=EventKind.TOOL_CALL, episode_id=ep.id,
                                    tool="other", data={})])
    return lib


def _prune(lib: SkillLibrary, now: float) -> list[str]:
    train = SimpleNamespace(stale_after_days=30.0, stale_min_episodes=3)
    run = SimpleNamespace(store=lib, config=SimpleNamespace(train=train), now=now,
                          report=SimpleNamespace(run_id="r1", pruned=[]))
    prune(run)  # type: ignore[arg-type]
    return list(run.report.pruned)


@pytest.mark.parametrize("jump_days", [0.0, 40.0, 4000.0])
def test_a_train_clock_stepped_forward_prunes_no_skill_in_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jump_days: float
) -> None:
    base = time.time()
    with _library(tmp_path / "lib.db", base, monkeypatch) as lib:
        pruned = _prune(lib, base + jump_days * DAY)
        assert pruned == ["stale@1"]  # fired 40 days before the runs that followed it
        assert lib.skill("fresh").active() is not None
