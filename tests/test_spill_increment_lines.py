"""A posterior update read back from a spill journal (`skillevo._sql_spill`) counts once, and only
as far as an update can move a posterior.

The fault: a journal file of a dead process (a corrupt, restored or copied file) held posterior
updates the queue never journals: a decay factor above 1 (every count multiplied: one update
promoting an arm), one below 0 (alpha negative: every later read of the posteriors raised
`LibraryError`), a line without a write key, or the same keyed line twice. Before 2026-12-07,
5 of 5 were written as read (alpha 1,000,002 after one update; the library's posteriors unreadable;
one update counted twice). Now 0 of 5: each such line is refused (skipped and reported) or counted
once, and `increment_posterior` refuses a decay outside [0, 1] with a one-line `ConfigError`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from skillevo import ConfigError, SkillLibrary
from skillevo._learning_sql import PosteriorIncrement


def _line(key: str | None, **fields: Any) -> str:
    update = {
        "key": "site",
        "arm": "skill-x",
        "reward": 1.0,
        "decay": 1.0,
        "arm_decay": 1.0,
        "unwind": None,
        "reset": False,
        "epoch": None,
        "key_epoch": None,
        "next_key_epoch": None,
        "unwind_epoch": None,
        "extra": {},
    }
    update.update(fields)
    return json.dumps({"r": {"p": update, "t": 1.0, "k": key}}) + "\n"


BAD = {
    "decay above 1": _line("k1") + _line("k2", decay=1e6),
    "arm decay above 1": _line("k1") + _line("k2", arm_decay=1e6),
    "negative arm decay": _line("k1") + _line("k2", arm_decay=-5.0),
    "no write key": _line("k1") + _line(None),
    "one keyed line twice": _line("k1") + _line("k1"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_journaled_update_counts_once_and_within_range(tmp_path: Path, case: str) -> None:
    db = tmp_path / "lib.db"
    SkillLibrary(db).close()
    folder = Path(f"{db}.journal")
    folder.mkdir(mode=0o700)
    path = folder / "1-00000000.jsonl"
    path.write_text(BAD[case])
    os.chmod(path, 0o600)
    lib = SkillLibrary(db)
    try:
        states = [(p.arm, p.alpha, p.beta, p.observations) for p in lib.posteriors("site")]
    finally:
        lib.close()
    assert states == [("skill-x", 2.0, 1.0, 1)]  # the one good update, once


@pytest.mark.parametrize("field", ["decay", "arm_decay"])
@pytest.mark.parametrize("value", [1.5, -0.1])
def test_increment_posterior_refuses_a_decay_outside_0_1(tmp_path: Path, field: str, value: float) -> None:
    lib = SkillLibrary(tmp_path / "lib.db")
    try:
        with pytest.raises(ConfigError, match=f"increment.{field}: expected a factor in"):
            lib.increment_posterior(PosteriorIncrement("site", "skill-x", 1.0, **{field: value}))
    finally:
        lib.close()
