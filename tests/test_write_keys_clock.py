"""A write key is needed until its writer knows its batch committed; a writer's first batch deletes
the keys past `KEY_RETENTION_S`. Before 2026-12-07 "past" was read off that writer's own clock: a
writer whose wall clock had jumped forward more than 7 days (a VM resumed, an NTP step, a host with
a wrong clock on a shared PostgreSQL) deleted every other writer's live keys (3 of 3 here), and a
batch of theirs written again after a lost COMMIT reply was applied twice. Keys are now stamped and
aged by the database's clock (PostgreSQL's server clock; SQLite's, read by the database engine), so
one writer's clock decides nothing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from skillevo import SkillLibrary
from skillevo._learning_sql import PosteriorIncrement

from .test_write_keys import lose_replies


@pytest.fixture(params=["sqlite-file", "postgres"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return str(tmp_path / "lib.db") if request.param == "sqlite-file" else str(request.getfixturevalue("pg_url"))


def _keys(lib: SkillLibrary) -> int:
    return int(lib._select("SELECT count(*) AS n FROM write_keys")[0]["n"])  # type: ignore[attr-defined]


def _observations(lib: SkillLibrary) -> float:
    arms, _ = lib.posterior_snapshot("k")
    return sum(p.observations for p in arms)


def test_a_writer_whose_clock_jumped_keeps_the_keys_of_others(
    location: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with SkillLibrary(location) as a:
        a._behind.linger_s = 3600.0  # type: ignore[attr-defined]
        for n in range(3):
            a.increment_posterior(PosteriorIncrement("k", f"a{n}", 1.0))
        lose_replies(a)  # committed; the writer never heard so: its batch is written again later
        with pytest.raises(Exception, match="stay queued"):
            a.flush()
        assert _keys(a) == 3
        real = time.time
        monkeypatch.setattr(time, "time", lambda: real() + 8 * 86400.0)  # another writer, its clock 8 days ahead
        with SkillLibrary(location) as b:
            b.increment_posterior(PosteriorIncrement("k", "b", 1.0))
            b.flush()
        monkeypatch.setattr(time, "time", real)
        assert _keys(a) >= 3  # a's live keys kept
        a.flush()  # a's batch written again: a no-op
        assert _observations(a) == 4.0  # a's three updates once each, b's one


def test_keys_past_retention_by_the_database_clock_go(location: str) -> None:
    with SkillLibrary(location) as lib:
        lib._run([("INSERT INTO write_keys (key, at) VALUES ('dead', ?)", (time.time() - 8 * 86400.0,))])  # type: ignore[attr-defined]
        lib.increment_posterior(PosteriorIncrement("k", "a", 1.0))
        lib.flush()
        rows = lib._select("SELECT key, at FROM write_keys")  # type: ignore[attr-defined]
        assert [r["key"] for r in rows] != ["dead"] and len(rows) == 1
        assert abs(float(rows[0]["at"]) - time.time()) < 60.0  # stamped with the database's clock: now
