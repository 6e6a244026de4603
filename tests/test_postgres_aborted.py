"""PostgreSQL: a write the server aborts before it took effect (deadlock_detected 40P01) is run
again, on the direct path and by the write-behind writer, instead of failing the caller."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from urllib.parse import parse_qs, urlparse

import pytest

from skillevo import Episode, Event, EventKind, LibraryError, SkillLibrary, Strategy, Trigger, TriggerKind
from skillevo._sql_dialect import TransactionAborted

from .conftest import PG_URL

psycopg = pytest.importorskip("psycopg")


@pytest.fixture
def versions(pg_url: str) -> Iterator[tuple[str, list[str]]]:
    with SkillLibrary(pg_url) as lib:
        ids = [
            lib.add_skill(name, Trigger(kind=TriggerKind.TOOL_ERROR, tool="t"), Strategy(guidance=name)).id
            for name in ("a-first", "b-second")
        ]
    yield pg_url, ids


def _selections(episode_id: str, ids: list[str]) -> list[Event]:
    return [Event(kind=EventKind.SELECTION, episode_id=episode_id, version_id=v, data={}) for v in ids]


def _deadlocked(url: str, ids: list[str], write: Callable[[], object]) -> BaseException | None:
    """Run `write` (it locks version rows in sorted order) against a transaction that locks them in
    the other order, so the server finds a deadlock and aborts `write`'s transaction (the other
    side waits 30 s before it looks for one). What `write` raised, or None."""
    schema = parse_qs(urlparse(url).query)["schema"][0]
    other = psycopg.connect(PG_URL)
    other.execute(f"SET search_path TO {schema}")
    other.execute("SET deadlock_timeout = '30s'")
    other.execute("UPDATE versions SET selected_episodes = selected_episodes WHERE id = %s", (ids[1],))
    raised: list[BaseException] = []

    def run() -> None:
        try:
            write()
        except BaseException as exc:
            raised.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    watch = psycopg.connect(PG_URL, autocommit=True)
    deadline = time.monotonic() + 10
    while not watch.execute("SELECT count(*) FROM pg_locks WHERE NOT granted").fetchone()[0]:
        assert time.monotonic() < deadline, "the write never waited for the row held"
        time.sleep(0.02)
    other.execute("UPDATE versions SET selected_episodes = selected_episodes WHERE id = %s", (ids[0],))
    other.commit()  # reached once the server aborted the write's transaction (after its 1 s)
    other.close()
    watch.close()
    thread.join(20)
    assert not thread.is_alive()
    return raised[0] if raised else None


def _counted(lib: SkillLibrary, ids: list[str]) -> list[int]:
    rows = lib._select("SELECT selected_episodes FROM versions ORDER BY id")  # type: ignore[attr-defined]
    return [int(r["selected_episodes"]) for r in rows]


def test_a_deadlocked_save_is_run_again(versions: tuple[str, list[str]]) -> None:
    url, ids = versions
    with SkillLibrary(url) as lib:
        ep = Episode(task="t")
        assert _deadlocked(url, ids, lambda: lib.save_episode(ep, _selections(ep.id, ids))) is None
        assert lib.episode(ep.id).task == "t" and _counted(lib, ids) == [1, 1]  # once, not twice


@pytest.mark.parametrize("durability", ["sync", "batched"])
def test_a_deadlocked_queued_write_is_run_again(versions: tuple[str, list[str]], durability: str) -> None:
    url, ids = versions
    with SkillLibrary(url, durability=durability) as lib:  # type: ignore[call-arg]
        ep = Episode(task="t")

        def record() -> None:
            lib.record_episode(ep, _selections(ep.id, ids))
            lib.flush()

        assert _deadlocked(url, ids, record) is None
        assert lib.episode(ep.id).task == "t" and _counted(lib, ids) == [1, 1]


def test_an_aborted_write_inside_a_callers_transaction_is_not_run_again(versions: tuple[str, list[str]]) -> None:
    url, ids = versions
    with SkillLibrary(url) as lib:
        ep = Episode(task="t")

        def in_transaction() -> None:
            with lib.transaction():
                lib.save_episode(ep, _selections(ep.id, ids))

        error = _deadlocked(url, ids, in_transaction)
        assert isinstance(error, TransactionAborted) and isinstance(error, LibraryError)
        assert "deadlock" in str(error) and "\n" not in str(error)
        assert lib.count_episodes() == 0 and _counted(lib, ids) == [0, 0]
