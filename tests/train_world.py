"""The scripted world the `skillevo train` tests run the nightly job over (tests/test_train*.py).

The scripted world (seeded): three kinds of task run through a real `Evolver` whose own lifecycle
is switched off (thresholds out of reach), so every decision is left to the nightly job:

* flight bookings: the agent writes dates as DD/MM/YYYY unless the guidance under test
  (``iso-dates-hint``) tells it otherwise; a rejected call is corrected on a second turn, so the
  log holds correction pairs for the miner; reward 1 when the first call worked;
* summaries: the active ``verbose-summaries`` guidance makes them worse (it should be retired);
* greetings: ``greeting-style@2`` (under test) is worse than the active ``@1`` (should be rejected);
* ``legacy-export`` is active on a tool nobody calls any more (should be pruned).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from skillevo import (
    EventKind,
    Evolver,
    SkillLibrary,
    Strategy,
    Trigger,
    TriggerKind,
    VersionStatus,
    run_train,
)
from skillevo._config import SkillevoConfig, config_from_dict
from skillevo._lifecycle import LifecycleConfig

ONLINE = LifecycleConfig(min_updates=10**6, min_episodes=10**6, retire_min_obs=10**6, max_test_updates=10**6)


def _book_flight(args: dict[str, Any]) -> dict[str, str]:
    date = str(args.get("date", ""))
    if len(date) != 10 or date[4] != "-" or date[7] != "-":
        raise ValueError(f"invalid date {date!r}: expected format YYYY-MM-DD")
    return {"status": "booked", "date": date}


def fill(path: Path, rounds: int = 60, seed: int = 0) -> None:
    """The scripted run described in the module docstring."""
    rng = np.random.default_rng(seed)
    with SkillLibrary(path) as lib:
        lib.add_skill(
            "iso-dates-hint",
            Trigger(kind=TriggerKind.TASK_START, task_pattern="flight"),
            Strategy(guidance="Write every date as YYYY-MM-DD (ISO 8601)."),
            status=VersionStatus.TESTING,
            description="Dates for the booking tools",
        )
        lib.add_skill(
            "verbose-summaries",
            Trigger(kind=TriggerKind.TASK_START, task_pattern="summar"),
            Strategy(guidance="Always write very long summaries with every detail."),
            status=VersionStatus.ACTIVE,
        )
        lib.add_skill(
            "greeting-style",
            Trigger(kind=TriggerKind.TASK_START, task_pattern="greet"),
            Strategy(guidance="Greet the user by name."),
            status=VersionStatus.ACTIVE,
        )
        lib.add_version(
            "greeting-style",
            Strategy(guidance="Greet the user in capital letters."),
            parent="greeting-style@1",
            status=VersionStatus.TESTING,
        )
        lib.add_skill(
            "legacy-export",
            Trigger(kind=TriggerKind.BEFORE_TOOL, tool="legacy_export"),
            Strategy(guidance="Call legacy_export with format=csv."),
            status=VersionStatus.ACTIVE,
        )
        evo = Evolver(lib, miner=None, seed=seed, lifecycle=ONLINE)
        for i in range(rounds):
            day = f"{i % 28 + 1:02d}"
            with evo.episode(task=f"book a flight #{i}") as ep:
                iso = "YYYY-MM-DD" in ep.guidance(tools=["book_flight"]) and rng.random() < 0.9
                args = ep.before_tool("book_flight", {"date": f"2026-11-{day}" if iso else f"{day}/11/2026"})
                try:
                    ep.on_tool_result("book_flight", args, _book_flight(args))
                    first_try = True
                except ValueError as exc:
                    ep.on_tool_error("book_flight", args, exc)
                    fixed = ep.before_tool("book_flight", {"date": f"2026-11-{day}"})
                    ep.on_tool_result("book_flight", fixed, _book_flight(fixed))
                    first_try = False
                ep.finish(1.0 if first_try else 0.0)
            with evo.episode(task=f"summarize report #{i}") as ep:
                p = 0.15 if "long summaries" in ep.guidance() else 0.8
                ep.finish(float(rng.random() < p))
            with evo.episode(task=f"greet customer #{i}") as ep:
                text = ep.guidance()
                p = 0.1 if "capital" in text else 0.85 if "by name" in text else 0.5
                ep.finish(float(rng.random() < p))


def train_config(db: Path, **train: Any) -> SkillevoConfig:
    return config_from_dict(
        {
            "library": {"db": str(db)},
            "lifecycle": {"min_updates": 3, "min_episodes": 3, "retire_min_obs": 5},
            "train": {
                "stale_after_days": 0,
                "stale_min_episodes": 50,
                "settle_s": 0,
                "report_dir": str(db.parent / "reports"),
                **train,
            },
        }
    )


@pytest.fixture(scope="module")
def scripted_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A library the scripted run filled (built once per test module that imports this fixture)."""
    path = tmp_path_factory.mktemp("world") / "scripted.db"
    fill(path)
    return path


@pytest.fixture
def db(scripted_db: Path, tmp_path: Path) -> Path:
    """A private copy of the scripted library for one test."""
    copy = tmp_path / "lib.db"
    shutil.copy(scripted_db, copy)
    return copy


def reference_state(scripted_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The state an uninterrupted run (mining in chunks of 3 episodes) leaves."""
    path = tmp_path_factory.mktemp("reference") / "lib.db"
    shutil.copy(scripted_db, path)
    run_train(train_config(path, chunk_episodes=3))
    return state(path)


def state(path: Path) -> dict[str, Any]:
    """Everything a run decides: versions with status and content, posteriors, watermarks."""
    with SkillLibrary(path) as lib:
        versions = {
            v.id: (v.status.value, v.strategy.model_dump_json(), v.origin.miner, tuple(v.origin.evidence))
            for s in lib.skills()
            for v in s.versions
        }
        posteriors = {(p.key, p.arm): (round(p.alpha, 9), round(p.beta, 9)) for p in lib.posteriors()}
        transitions = sorted(
            (e.version_id or "", str(e.data.get("from")), str(e.data.get("to")))
            for kind in (EventKind.LIFECYCLE, EventKind.REVIEW)
            for e in lib.events(kind=kind)
        )
        meta = {k: lib.get_meta(k) for k in ("train.mined_upto", "train.compacted_upto", "train.state")}
    return {"versions": versions, "posteriors": posteriors, "transitions": transitions, "meta": meta}


def statuses(path: Path) -> dict[str, str]:
    with SkillLibrary(path) as lib:
        return {v.id: v.status.value for s in lib.skills() for v in s.versions}


# --------------------------------------------------------------------------- the nightly job


def write_config(path: Path, db: Path, **train: Any) -> Path:
    """A skillevo.toml for the copy `db` (as cron would run the job with)."""
    lines = [
        "[library]",
        f'db = "{db.name}"',
        "[lifecycle]",
        "min_updates = 3",
        "min_episodes = 3",
        "retire_min_obs = 5",
        "[train]",
        "stale_after_days = 0",
        "stale_min_episodes = 50",
        "settle_s = 0",
        'report_dir = "reports"',
    ]
    lines += [f"{k} = {json.dumps(v)}" for k, v in train.items()]
    path.write_text("\n".join(lines) + "\n")
    return path
