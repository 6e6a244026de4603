"""A wall clock stepped ahead for a while, then corrected, does not stall `train`'s horizon.

World: a host's clock runs a year ahead for a while (a VM resumed from a snapshot, a bad NTP
source) and is then corrected; the events recorded meanwhile are stamped a year ahead, those
after the correction as usual. `train` reads only the events settled before its horizon
(`last_event_id_at`, a search over event ids that assumed ids grow with timestamps). Before
2026-12-07 the search bisected from the oldest event, met the run stamped ahead and stopped there:
the 100 settled events written after it were not mined, trained on or compacted until the clock
reached the year-ahead stamps. Now it gallops back from the newest event, so a past run of odd
stamps no longer hides what came after it; where the stamps do grow with ids, the answer is
what a full scan gives.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from skillevo import Episode, Event, EventKind, SkillLibrary
from skillevo._diff_history import last_event_id_at

_YEAR_S = 365 * 86400.0
NOW = 1_800_000_000.0


def _library(path: Path, stamps: list[float]) -> SkillLibrary:
    lib = SkillLibrary(path, durability="sync")
    for i, ts in enumerate(stamps):
        lib.save_episode(Episode(task=f"run {i}"), [Event(kind=EventKind.TOOL_RESULT, tool="t", ts=ts, data={"i": i})])
    return lib


def test_events_stamped_ahead_by_a_clock_since_corrected_hide_none_after_them(tmp_path: Path) -> None:
    stamps = [NOW - 3600 + i + (_YEAR_S if 100 <= i < 140 else 0.0) for i in range(200)]
    with _library(tmp_path / "lib.db", stamps) as lib:
        ids = [e.id for e in lib.events()]
        # Settled: everything written more than a minute before NOW (the run stamped ahead included:
        # events written after it are settled, so it was written before them).
        assert last_event_id_at(lib, NOW - 60) == ids[-1]
        assert last_event_id_at(lib, NOW - 3600 + 50) == ids[50]  # an early horizon: as before


@pytest.mark.parametrize("seed", range(4))
def test_with_stamps_that_grow_the_answer_is_a_full_scans(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    stamps = sorted(NOW - rng.uniform(0, 10_000) for _ in range(rng.randint(1, 90)))
    with _library(tmp_path / "lib.db", stamps) as lib:
        events = lib.events()
        for horizon in [NOW - 20_000, NOW, *(rng.uniform(NOW - 10_000, NOW) for _ in range(8)), *stamps[:3]]:
            expected = max([e.id or 0 for e in events if e.ts <= horizon], default=0)
            assert last_event_id_at(lib, horizon) == expected
