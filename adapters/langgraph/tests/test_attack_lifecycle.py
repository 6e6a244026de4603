"""Runs that end abnormally where the run's loop exit is the only witness: a stream the garbage
collector closes while the thread it runs in holds a lock of the middleware, a run another
middleware's exception ends. Each is one episode with the right reward, and nothing hangs."""

from __future__ import annotations

import asyncio
import gc
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain.agents.middleware import ModelCallLimitMiddleware, ModelRetryMiddleware, after_model
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from skillevo import Evolver, SkillLibrary
from skillevo_langgraph import SkillMiddleware
from skillevo_langgraph._stopped import settle

sys.path.insert(0, str(Path(__file__).parent))
from lg_fakes import ScriptedChat, book, booking_policy, ok_reward

TASK = "book Oslo on March 4th"


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _left(mw: SkillMiddleware) -> list[str]:
    names = ("_open", "_traces", "_markers", "_failing", "_raised", "_direct", "_direct_of")
    left = [n for n in names if getattr(mw, n)]
    return left + [n for n in ("_refs", "_loops") if getattr(mw._watch, n)]


def _times_out(messages: Sequence[BaseMessage]) -> AIMessage:
    raise TimeoutError("model timed out")


class _Holder:
    """Keeps a stream in a reference cycle: only the cycle collector closes it."""

    stream: Any
    me: Any


def test_a_stream_the_collector_closes_under_the_middlewares_lock_does_not_deadlock(lib: SkillLibrary) -> None:
    # The model call failed and the outer retry answered in its place (the episode is kept as failing,
    # for the loop's exit to record); the caller left the stream in a reference cycle after the model
    # step. The cycle collector runs at any allocation, in whatever thread allocates: here one that
    # holds the middleware's lock (its locked sections allocate, e.g. `_episode` lists `_failing`).
    # Closing the stream there must not record the episode in place (it takes that lock).
    mw = SkillMiddleware(Evolver(lib, miner=None), reward=ok_reward)
    retry = ModelRetryMiddleware(max_retries=0, initial_delay=0, jitter=False, on_failure="continue")
    limit = ModelCallLimitMiddleware(run_limit=5)  # (an after_model step: the run goes on after the model's)
    agent = create_agent(ScriptedChat(_times_out), [book], middleware=[retry, limit, mw])
    gc.collect()
    gc.disable()
    try:
        holder = _Holder()
        holder.stream = agent.stream({"messages": [HumanMessage(TASK)]}, stream_mode="updates")
        holder.me = holder
        assert [next(holder.stream), next(holder.stream)][-1].keys() == {"model"}
        assert mw._failing  # the run's model call failed; the run went on
        del holder

        def collect_holding_the_lock() -> None:
            with mw._lock:
                gc.collect()

        collector = threading.Thread(target=collect_holding_the_lock, daemon=True)
        collector.start()
        collector.join(10)
        assert not collector.is_alive(), "the collector's thread deadlocked on the middleware's lock"
    finally:
        gc.enable()
    settle()
    (episode,) = lib.episodes()
    assert episode.reward == 0.0 and episode.metadata.get("aborted") == "TimeoutError"
    assert _left(mw) == []


@after_model
def _crashing_guard(state: Any, runtime: Any) -> None:
    raise ValueError("the guardrail crashed")


@pytest.mark.parametrize("mode", ["invoke", "stream", "ainvoke"])
def test_a_run_another_middlewares_exception_ended_is_a_failed_episode(lib: SkillLibrary, mode: str) -> None:
    # The run raised (the caller gets the ValueError): it failed, reward 0, as a model call's or a
    # tool's exception that ends the run; not "stopped" by the caller with its reward unknown.
    mw = SkillMiddleware(Evolver(lib, miner=None), reward=ok_reward)
    agent = create_agent(ScriptedChat(booking_policy), [book], middleware=[_crashing_guard, mw])
    ask = {"messages": [HumanMessage(TASK)]}
    with pytest.raises(ValueError, match="guardrail"):
        if mode == "invoke":
            agent.invoke(ask)
        elif mode == "stream":
            for _ in agent.stream(ask, stream_mode="updates"):
                pass
        else:
            asyncio.run(agent.ainvoke(ask))
    gc.collect()
    settle()
    (episode,) = lib.episodes()
    assert episode.reward == 0.0 and episode.metadata.get("aborted") == "ValueError"
    assert _left(mw) == []
