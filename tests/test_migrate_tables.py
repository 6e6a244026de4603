"""`skillevo migrate` copies every table: each row of each table equal after SQLite -> PostgreSQL -> SQLite."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from skillevo import Episode, Event, EventKind, SkillLibrary, Strategy, Trigger, VersionStatus
from skillevo._learning_sql import PosteriorIncrement
from skillevo.cli import main


def _fill(lib: SkillLibrary) -> None:
    v = lib.add_skill("iso-dates", Trigger(tool="book"), Strategy(guidance="g"), status=VersionStatus.TESTING)
    lib.add_version("iso-dates", Strategy(guidance="g2"), parent=v.id)
    lib.set_meta("watermark", "7")
    lib.save_episode(Episode(id="e1", task="t", reward=1.0),
                     [Event(kind=EventKind.SELECTION, tool="book", version_id=v.id, data={"arm": v.id})])
    lib.log_pending_review(Event(kind=EventKind.LIFECYCLE, version_id=v.id, data={"pending": "promote"}))
    lib.increment_posterior(PosteriorIncrement(key="iso-dates", arm=v.id, reward=1.0, key_epoch=0, epoch=0))
    lib.increment_posterior(PosteriorIncrement(key="other", arm="a", reward=0.0, reset=True))  # detections 1
    lib.reset_posteriors("iso-dates")  # the key's epoch moves on: 1
    lib.increment_posterior(PosteriorIncrement(key="iso-dates", arm=v.id, reward=0.5, key_epoch=1, epoch=1))
    lib.reset_posteriors()  # the library's epoch: 1
    lib.increment_posterior(PosteriorIncrement(key="third", arm="b", reward=1.0, key_epoch=1, epoch=0))
    lib.flush()


def _tables(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(path)
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {n: sorted(conn.execute(f"SELECT * FROM {n}").fetchall(), key=repr) for n in names}
    finally:
        conn.close()


@pytest.mark.postgres
def test_migrate_copies_every_table_both_ways(pg_url: str, tmp_path: Path) -> None:
    src, back = tmp_path / "src.db", tmp_path / "back.db"
    with SkillLibrary(src) as lib:
        _fill(lib)
        counters = lib.posterior_snapshot()[1]
    assert counters["iso-dates"].epoch == 2 and counters["other"].detections == 1  # not the defaults
    assert main(["migrate", str(src), pg_url]) == 0
    with SkillLibrary(pg_url) as pg:
        assert pg.posterior_snapshot()[1] == counters  # the key counters and epochs, on PostgreSQL
    assert main(["migrate", pg_url, str(back)]) == 0
    before, after = _tables(src), _tables(back)
    assert before.keys() == after.keys()
    assert before.get("posterior_keys")
    for table in before:
        assert after[table] == before[table], table


def test_migrate_from_a_missing_file_creates_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing, out = tmp_path / "typo.db", tmp_path / "out.db"
    assert main(["migrate", str(missing), str(out)]) == 1
    assert "no skill library at" in capsys.readouterr().err
    assert not missing.exists() and not out.exists()  # a typo made no empty library, copied nothing
    assert main(["migrate", f"sqlite:///{missing}", str(out)]) == 1
    assert not missing.exists() and not out.exists()
