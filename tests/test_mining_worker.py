"""Mining off the request path: several miners at once, a background worker, its budget and flush."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from typing import Any

import pytest

from skillevo import ConfigError, Event, EventKind, Evolver, LLMMiner, Miner, Proposal, RuleMiner, SkillLibrary
from skillevo._mine_worker import MiningWorker

SUGGESTION = json.dumps(
    {
        "name": "iso-dates-llm",
        "description": "Send ISO dates.",
        "trigger": {"kind": "tool_error", "tool": "book"},
        "strategy": {"guidance": "Send dates as YYYY-MM-DD. DO: 1999-12-31 DON'T: 12/31/1999"},
    }
)


def _failing_run(evo: Evolver) -> None:
    """A US date refused, then the ISO date accepted: something for both miners to learn."""
    with evo.episode(task="book Oslo") as ep:
        bad, good = {"date": "03/04/2025", "city": "Oslo"}, {"date": "2025-03-04", "city": "Oslo"}
        ep.before_tool("book", bad)
        ep.on_tool_error("book", bad, ValueError("invalid date '03/04/2025': expected format YYYY-MM-DD"))
        ep.before_tool("book", good)
        ep.on_tool_result("book", good, "booked")


def test_several_miners_run_and_each_proposal_is_checked_once() -> None:
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, miner=[RuleMiner(), RuleMiner(), LLMMiner(lambda _p: SUGGESTION)], mining="inline")
        assert evo.miner is not None and evo.miner.name == "rule+rule+llm"
        _failing_run(evo)
        proposals = lib.events(kind=EventKind.PROPOSAL)
        names = [e.data["name"] for e in proposals]
        assert "iso-dates-llm" in names and len(names) == len(set(names)) >= 2
        assert not any("duplicate" in str(e.data.get("reason")) for e in lib.events(kind=EventKind.PROPOSAL_REJECTED))


class _Broken(Miner):
    name = "broken"

    def mine(self, events: Sequence[Event], store: Any) -> list[Proposal]:
        raise RuntimeError("the miner's model is down")


def test_a_failing_miner_does_not_stop_the_others_or_the_run() -> None:
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, miner=[_Broken(), RuleMiner()], mining="inline")
        _failing_run(evo)
        assert lib.count_episodes() == 1 and lib.events(kind=EventKind.PROPOSAL)


def test_background_mining_leaves_finish_to_record_and_flush_waits_for_it() -> None:
    release = threading.Event()
    asked: list[str] = []

    def slow_model(prompt: str) -> str:
        asked.append(prompt)
        release.wait(30)
        return SUGGESTION

    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, miner=[RuleMiner(), LLMMiner(slow_model)], mining="background")
        _failing_run(evo)  # returns while the miner's model is still thinking
        assert lib.count_episodes() == 1
        assert not any(e.data["name"] == "iso-dates-llm" for e in lib.events(kind=EventKind.PROPOSAL))
        release.set()
        assert evo.flush(timeout=60)
        assert asked and any(e.data["name"] == "iso-dates-llm" for e in lib.events(kind=EventKind.PROPOSAL))
        assert evo.close(timeout=60)


def test_the_worker_runs_jobs_in_order_flush_overrides_the_budget_and_a_full_queue_drops_the_oldest() -> None:
    gate, started = threading.Event(), threading.Event()
    done: list[int] = []
    worker = MiningWorker(budget_s=1e-9, window_s=3600.0, max_queue=2)
    worker.submit(lambda: (started.set(), gate.wait(30)))  # holds the worker
    assert started.wait(30)
    for i in range(3):
        worker.submit(lambda i=i: done.append(i))
    assert worker.dropped == 1  # the queue keeps 2 waiting jobs
    gate.set()
    assert worker.flush(timeout=60)  # the budget is spent, but a flush runs everything queued
    assert done == [1, 2] and worker.pending == 0
    worker.submit(lambda: None)
    assert worker.close(timeout=60)
    with pytest.raises(RuntimeError):
        worker.submit(lambda: None)


@pytest.mark.parametrize(
    "kwargs",
    [{"mining": "later"}, {"mine_budget_s": 0}, {"mine_budget_s": float("nan")}, {"miner": []}, {"miner": "rules"}],
)
def test_bad_mining_options_are_refused(kwargs: dict[str, Any]) -> None:
    with SkillLibrary(":memory:") as lib, pytest.raises(ConfigError):
        Evolver(lib, **kwargs)


def test_closing_the_library_finishes_the_mining_queued_for_it(tmp_path: Any) -> None:
    """`with SkillLibrary(...) as lib:` around a background-mining Evolver: nothing it queued is lost."""
    path = tmp_path / "lib.db"
    with SkillLibrary(path) as lib:
        evo = Evolver(lib, miner=RuleMiner(), mining="background")
        _failing_run(evo)
    with SkillLibrary(path) as lib:
        assert lib.events(kind=EventKind.PROPOSAL), "the queued mining was lost when the library closed"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_mines_its_own_episodes_without_waiting_for_the_parents_thread() -> None:
    release = threading.Event()
    worker = MiningWorker()
    worker.submit(release.wait)  # the parent's mining thread is busy at the fork
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        ran: list[int] = []
        worker.submit(lambda: ran.append(1))
        ok = worker.flush(5.0) and ran == [1] and worker.pending == 0
        os.write(write, b"1" if ok else b"0")
        os._exit(0)
    os.close(write)
    try:
        assert os.read(read, 1) == b"1"  # not False after 5 s, waiting for a thread the child lacks
    finally:
        release.set()
        os.waitpid(pid, 0)
        os.close(read)
    assert worker.flush(5.0)
