"""`skillevo train` on PostgreSQL mines an episode whose transaction committed after a run read
past its event ids.

World: two processes record episodes on one PostgreSQL library; one's transaction is slow (a
batch, a stalled connection). Event ids come from a sequence at insert and become visible at
commit, so the fast process's later ids are visible first. Train tracks its progress by event id
(``train.mined_upto``): before 2026-12-07 a run that read the later ids advanced past the slow
transaction's lower ones, and no later run mined them: 1 of 2 failed episodes mined here. Now a
run keeps the ids it passed that were not visible (``train.mined_gaps``) and the next runs mine
what commits there, until every transaction that could hold them has ended.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from skillevo import Evolver, SkillLibrary, run_train
from skillevo._config import config_from_dict
from skillevo._models import Episode, Event


def _failed_episode(day: int) -> tuple[Episode, list[Event]]:
    """A run whose `book_flight` call failed on its date format and passed once corrected."""
    with SkillLibrary(":memory:") as mem:
        ep = Evolver(mem, miner=None, sandbox=None).episode(task="book a flight")
        sent = {"date": f"{day}/11/2026"}
        ep.before_tool("book_flight", sent)
        ep.on_tool_error("book_flight", sent, ValueError(f"invalid date {sent['date']!r}: expected format YYYY-MM-DD"))
        fixed = {"date": f"2026-11-{day}"}
        ep.on_tool_result("book_flight", ep.before_tool("book_flight", fixed), {"status": "booked"})
        ep.finish(1.0)
        mem.flush()
        episode = mem.episodes()[0]
        return episode, [e.model_copy(update={"id": None}) for e in mem.events(episode_id=episode.id)]


def _config(url: str, tmp: Any) -> Any:
    return config_from_dict({
        "library": {"db": url},
        "train": {"settle_s": 0, "report_dir": str(tmp / "reports"), "formats": ["md"]},
    })


def test_a_transaction_committing_after_a_run_read_past_it_is_mined_later(pg_url: str, tmp_path: Any) -> None:
    lib = SkillLibrary(pg_url)
    slow = SkillLibrary(pg_url)
    config = _config(pg_url, tmp_path)
    saved, commit = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def slow_writer() -> None:
        try:
            with slow.transaction():
                slow.save_episode(*_failed_episode(10))  # its ids taken now, visible at commit
                saved.set()
                commit.wait(60)
        except BaseException as exc:
            errors.append(exc)
            saved.set()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    try:
        saved.wait(60)
        lib.save_episode(*_failed_episode(11))  # later ids, committed first
        first = run_train(config, store=lib)
    finally:
        commit.set()
        writer.join(60)
    assert not errors
    second = run_train(config, store=lib)
    third = run_train(config, store=lib)
    assert first.episodes_mined == 1
    assert second.episodes_mined == 1  # before: 0, the slow episode never mined
    assert third.episodes_mined == 0  # once
    slow.close()
    lib.close()


def test_ids_a_rolled_back_transaction_took_are_let_go(pg_url: str, tmp_path: Any) -> None:
    lib = SkillLibrary(pg_url)
    config = _config(pg_url, tmp_path)
    try:
        with lib.transaction():
            lib.save_episode(*_failed_episode(10))
            raise KeyError("rolled back")
    except KeyError:
        pass
    lib.save_episode(*_failed_episode(11))
    assert run_train(config, store=lib).episodes_mined == 1
    gaps = json.loads(lib.get_meta("train.mined_gaps") or "{}")
    assert gaps["ranges"]  # the hole, kept while a transaction in flight then may still commit there
    # (Whether every such transaction has ended depends on the whole server's: a snapshot taken
    # before any transaction began stands for "they have".)
    lib.set_meta("train.mined_gaps", json.dumps({"ranges": gaps["ranges"], "after": "1:1:"}))
    assert run_train(config, store=lib).episodes_mined == 0
    assert json.loads(lib.get_meta("train.mined_gaps") or "{}")["ranges"] == []  # let go
    lib.close()
