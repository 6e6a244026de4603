"""Epoch-conditional posterior increments: evidence gathered before a reset never lands after it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from skillevo import SkillLibrary, ThompsonSelector
from skillevo._learning_sql import KeyCounters, PosteriorIncrement
from skillevo._policy_change import announce_policy


@pytest.fixture(params=["sqlite-file", "postgres"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """One library two processes open: a SQLite file, or a PostgreSQL schema."""
    return str(tmp_path / "lib.db") if request.param == "sqlite-file" else str(request.getfixturevalue("pg_url"))


@pytest.fixture(params=["sync", "batched"])
def durability(request: pytest.FixtureRequest) -> str:
    """Written at once, or queued behind the library's writer (`flush`: the writer's next batch)."""
    return str(request.param)


@contextmanager
def _two(location: str, durability: str) -> Iterator[tuple[SkillLibrary, SkillLibrary]]:
    """Two processes' libraries; `flush` stands for a writer's batch under ``"batched"``."""
    with (
        SkillLibrary(location, durability=durability) as a,  # type: ignore[arg-type]
        SkillLibrary(location, durability=durability) as b,  # type: ignore[arg-type]
    ):
        yield a, b


def _attached(lib: SkillLibrary, staleness_s: float = 3600.0) -> ThompsonSelector:
    sel = ThompsonSelector(seed=0, staleness_s=staleness_s)
    sel.attach(lib)
    return sel


def test_an_increment_from_before_another_processs_announcement_is_dropped(location: str, durability: str) -> None:
    with _two(location, durability) as (a, b):
        a.increment_posterior(PosteriorIncrement("k", "v1", 1.0, epoch=0, key_epoch=0))
        late = PosteriorIncrement("k", "v1", 1.0, epoch=0, key_epoch=0)  # gathered by B under m@1
        fresh = PosteriorIncrement("new", "v1", 1.0, epoch=0, key_epoch=0)  # a key with no row yet
        announce_policy(a, _attached(a), "m@1", "m@2")
        b.increment_posterior(late)
        b.increment_posterior(fresh)
        b.flush()
        arms, counters = a.posterior_snapshot()
        assert [(p.key, p.alpha, p.beta, p.epoch) for p in arms] == [("k", 1.0, 1.0, 1)]
        assert counters["k"].steps == 1  # only A's increment from before the announcement counted
        _, one = a.posterior_snapshot("new")
        assert one["new"].epoch == 1  # a key without a row is in the library's epoch
        b.increment_posterior(PosteriorIncrement("new", "v1", 1.0, epoch=0, key_epoch=1))  # gathered after it
        b.flush()
        assert [(p.alpha, p.beta) for p in a.posterior_snapshot("new")[0]] == [(2.0, 1.0)]


def test_a_stale_selectors_updates_after_an_announcement_are_dropped(location: str, durability: str) -> None:
    with _two(location, durability) as (a_lib, b_lib):
        b = _attached(b_lib)
        b.update("k", "v1", 1.0)  # B's cache is fresh for an hour from here
        b_lib.flush()
        announce_policy(a_lib, _attached(a_lib), "m@1", "m@2")
        b.update("k", "v1", 1.0)  # evidence B gathers before it has seen the announcement
        b.update("other", "v1", 1.0)  # on a key B reads first: in the new epoch
        b_lib.flush()
        stored = {(p.key, p.arm): (p.alpha, p.beta) for p in a_lib.posteriors()}
        assert stored == {("k", "v1"): (1.0, 1.0), ("other", "v1"): (2.0, 1.0)}
        b.refresh("k")
        assert b.posterior("k", "v1") == (1.0, 1.0)  # B dropped what it held of the old epoch
        b.update("k", "v1", 0.0)
        b_lib.flush()
        assert a_lib.posteriors("k")[0].beta == 2.0


def test_an_increment_for_a_new_arm_gathered_before_a_key_reset_is_dropped(location: str, durability: str) -> None:
    with _two(location, durability) as (a_lib, b_lib):
        a, b = _attached(a_lib), _attached(b_lib)
        a.update("k", "v1", 1.0)
        b.posterior("k", "v1")  # B has read the key in its first epoch
        a.notify_change("k")  # a key-wide reset (an edited skill)
        b.update("k", "v2", 1.0)  # an arm the store has never seen: no arm row to hold an epoch
        b_lib.flush()
        assert [(p.arm, p.alpha, p.beta) for p in a_lib.posteriors("k")] == [("v1", 1.0, 1.0)]
        a.update("k", "v2", 0.0)  # A's evidence is in the key's new epoch
        assert {p.arm: (p.alpha, p.beta) for p in a_lib.posteriors("k")}["v2"] == (1.0, 2.0)


def test_a_single_arm_reset_drops_that_arms_stale_evidence_alone(location: str, durability: str) -> None:
    with _two(location, durability) as (a_lib, b_lib):
        a, b = _attached(a_lib), _attached(b_lib)
        a.update("k", "v1", 1.0)
        a.update("k", "v2", 1.0)
        b.posterior("k", "v1")
        a.notify_change("k", "v1")
        b.update("k", "v1", 1.0)  # dropped: v1 was reset since B read it
        b.update("k", "v2", 1.0)  # kept: v2 and the key are in the epochs B read
        b_lib.flush()
        stored = {p.arm: (p.alpha, p.epoch) for p in a_lib.posteriors("k")}
        assert stored == {"v1": (1.0, 1), "v2": (3.0, 0)}


def test_a_queued_increment_is_read_back_by_its_own_process_and_sync_writes_at_once(location: str) -> None:
    with _two(location, "batched") as (a, b):
        a._behind.linger_s = 3600.0  # type: ignore[attr-defined]  # nothing written in the background
        sel = _attached(a)
        sel.update("k", "v1", 1.0)
        assert b.posteriors("k") == []  # queued: not in the store yet
        assert [(p.alpha, p.beta) for p in a.posteriors("k")] == [(2.0, 1.0)]  # its own read writes it first
        assert [(p.alpha, p.beta) for p in b.posteriors("k")] == [(2.0, 1.0)]
        sel.update("k", "v1", 0.0)
        assert b.posteriors("k")[0].beta == 1.0
        sel.refresh("k")  # a selector's own re-read sees its queued update too (not only its cache)
        assert sel.posterior("k", "v1") == (2.0, 2.0) and b.posteriors("k")[0].beta == 2.0
    with _two(location, "sync") as (a, b):
        _attached(a).update("k2", "v1", 1.0)
        assert [(p.alpha, p.beta) for p in b.posteriors("k2")] == [(2.0, 1.0)]  # written before update returned


def test_updates_queued_before_another_processs_announcement_are_dropped_when_written(location: str) -> None:
    with _two(location, "batched") as (a_lib, b_lib):
        b_lib._behind.linger_s = 3600.0  # type: ignore[attr-defined]  # written by the flush below
        b = _attached(b_lib)  # not stale: B's updates do not re-read the key (which drains its queue)
        for _ in range(5):
            b.update("k", "v1", 1.0)  # B's evidence under m@1, still queued
        announce_policy(a_lib, _attached(a_lib), "m@1", "m@2")
        b.staleness_s = 0.0  # from here B re-reads the key before each use
        b_lib.flush()  # B's writer's batch arrives after the reset: nothing of it lands
        assert a_lib.posteriors() == [] and a_lib.posterior_snapshot("k")[1]["k"].steps == 0
        assert b.posterior("k", "v1") == (1.0, 1.0)  # B re-read the key: the old epoch is gone
        b.update("k", "v1", 1.0)
        b_lib.flush()
        assert [(p.alpha, p.beta) for p in a_lib.posteriors()] == [(2.0, 1.0)]


def test_a_library_from_before_key_epochs_is_upgraded_in_place(location: str) -> None:
    with SkillLibrary(location, durability="sync") as lib:
        sel = _attached(lib)
        for _ in range(3):
            sel.update("k", "v1", 1.0)
        # What the previous release wrote: schema 3, no key epoch nor stamp.
        with lib.transaction():
            lib._run([("ALTER TABLE posterior_keys DROP COLUMN epoch", ()),  # type: ignore[attr-defined]
                      ("ALTER TABLE posterior_keys DROP COLUMN stamp", ()),
                      ("DELETE FROM meta WHERE key = 'posteriors.epoch'", ()),
                      ("DROP TABLE write_keys", ()),
                      ("DELETE FROM schema_version WHERE version >= 4", ())])
    with SkillLibrary(location, durability="sync") as lib:
        assert lib.schema_version == 6
        assert lib.get_meta("posteriors.epoch") == "0"  # the library epoch's row (5), for a first update to lock
        arms, counters = lib.posterior_snapshot("k")
        assert [(p.alpha, p.beta) for p in arms] == [(4.0, 1.0)] and counters["k"] == KeyCounters(3, 0, 0)
        sel = _attached(lib)
        sel.update("k", "v1", 0.0)
        assert lib.posteriors("k")[0].beta == 2.0


def test_a_process_that_only_updates_follows_another_processs_reset(location: str, durability: str) -> None:
    """A process crediting a key without choosing on it re-reads the key once stale, as `choose`
    does: after another process's reset its evidence lands in the new epoch within `staleness_s`
    (before, every later update was dropped: alpha stayed 1)."""
    import time

    with _two(location, durability) as (a, b):
        sel = _attached(a, staleness_s=0.05)
        sel.update("k", "v1", 1.0)
        a.flush()
        b.reset_posteriors("k")
        time.sleep(0.1)
        for _ in range(5):
            sel.update("k", "v1", 1.0)
        a.flush()
        assert [(p.alpha, p.beta) for p in b.posterior_snapshot("k")[0]] == [(6.0, 1.0)]


def test_a_window_takes_back_a_reward_only_from_the_epoch_it_was_credited_in(location: str, durability: str) -> None:
    """Rewards leaving a sliding window are taken back from their arm's row only while it is in the
    epoch they were credited in: another process's reset of that arm already removed them (before,
    the arm's stored alpha went to -1 and every later read of the library failed)."""
    with _two(location, durability) as (a, b):
        sel = ThompsonSelector(("window", 2), seed=0, staleness_s=3600.0)
        sel.attach(a)
        sel.update("k", "v1", 1.0)
        sel.update("k", "v1", 1.0)
        a.flush()
        other = _attached(b)
        other.notify_change("k", "v1")
        sel.update("k", "v2", 0.0)  # v1's two rewards leave the window
        sel.update("k", "v2", 0.0)
        a.flush()
        stored = {p.arm: (p.alpha, p.beta, p.epoch) for p in b.posterior_snapshot("k")[0]}
        assert stored["v1"] == (1.0, 1.0, 1)
        assert stored["v2"] == (1.0, 3.0, 0)


@pytest.mark.parametrize(
    ("key", "arm", "reward"),
    [("k", 1, 1.0), ("k", b"a", 1.0), (None, "a", 1.0), ("k", "a", "0.5"), ("k", "a", True)],
)
def test_an_update_that_is_not_text_and_a_number_is_refused_at_once(
    tmp_path: Path, key: object, arm: object, reward: object
) -> None:
    """Before, an int arm queued under ``"batched"`` on PostgreSQL kept every later write queued
    (its batch refused again and again); here it is a one-line `ConfigError` and nothing is queued."""
    from skillevo import ConfigError

    with SkillLibrary(str(tmp_path / "lib.db")) as lib:
        sel = _attached(lib)
        with pytest.raises(ConfigError):
            sel.update(key, arm, reward)  # type: ignore[arg-type]
        if (key, arm) != ("k", "a"):  # a site that is not text is refused by `choose` too
            with pytest.raises(ConfigError):
                sel.choose(key, [arm])  # type: ignore[arg-type, list-item]
        sel.update("k", "good", 1.0)
        lib.flush()
        assert [p.arm for p in lib.posteriors("k")] == ["good"]
