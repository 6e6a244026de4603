"""`SkillMiddleware` among LangChain's own middleware: one run stays one episode.

Middleware that retry a failed model call (``ModelRetryMiddleware``, ``ModelFallbackMiddleware``)
call the inner middleware again in the same model step; middleware that rewrite the history
(``SummarizationMiddleware``) replace the run's input message mid-run. Neither starts a new run.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain.agents.middleware import ModelFallbackMiddleware, ModelRetryMiddleware, SummarizationMiddleware
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool

from skillevo import EventKind, Evolver, SkillLibrary
from skillevo_langgraph import SkillMiddleware
from skillevo_langgraph._stopped import settle

sys.path.insert(0, str(Path(__file__).parent))
from lg_fakes import ScriptedChat, book, booking_policy, ok_reward

TASK = "book Oslo on March 4th"


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _settled(lib: SkillLibrary) -> list[Any]:
    gc.collect()
    settle()
    return sorted(lib.episodes(), key=lambda e: e.started_at)


def _flaky(fail_on: set[int]) -> Any:
    """The booking policy, whose model calls numbered in `fail_on` (from 1) time out."""
    count = iter(range(1, 10**6))

    def policy(messages: Sequence[BaseMessage]) -> AIMessage:
        if next(count) in fail_on:
            raise TimeoutError("model timed out")
        return booking_policy(messages)

    return policy


def _retrying(kind: str) -> Any:
    if kind == "retry":
        return ModelRetryMiddleware(max_retries=2, initial_delay=0, jitter=False)
    return ModelFallbackMiddleware(ScriptedChat(booking_policy))


@pytest.mark.parametrize("kind", ["retry", "fallback"])
@pytest.mark.parametrize("fail_on", [{1}, {2}], ids=["first call", "second call"])
@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_a_model_call_retried_by_an_outer_middleware_is_one_episode(
    lib: SkillLibrary, kind: str, fail_on: set[int], mode: str
) -> None:
    mw = SkillMiddleware(Evolver(lib, miner=None), reward=ok_reward)
    agent = create_agent(ScriptedChat(_flaky(fail_on)), [book], middleware=[_retrying(kind), mw])
    ask = {"messages": [HumanMessage(TASK)]}
    out = agent.invoke(ask) if mode == "invoke" else asyncio.run(agent.ainvoke(ask))
    assert out["messages"][-1].text == "booked"
    (episode,) = _settled(lib)  # not a failed episode for the attempt the outer middleware retried
    assert episode.reward == 1.0 and "aborted" not in episode.metadata
    assert len(lib.events(episode_id=episode.id, kind=EventKind.TOOL_CALL)) == 2
    assert not mw._open and not mw._failing


@pytest.mark.parametrize("on_failure", ["error", "continue"])
@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_a_model_call_failing_after_the_outer_retries_is_stored_aborted_before_the_run_returns(
    lib: SkillLibrary, mode: str, on_failure: Any
) -> None:
    # "error": the retries' last exception ends the run; "continue": the retry middleware answers
    # with an error message in the model's place. Either way the model failed the run.
    mw = SkillMiddleware(Evolver(lib, miner=None), reward=ok_reward)
    retry = ModelRetryMiddleware(max_retries=2, initial_delay=0, jitter=False, on_failure=on_failure)
    agent = create_agent(ScriptedChat(_flaky({2, 3, 4})), [book], middleware=[retry, mw])
    ask = {"messages": [HumanMessage(TASK)]}
    with pytest.raises(TimeoutError) if on_failure == "error" else contextlib.nullcontext():
        agent.invoke(ask) if mode == "invoke" else asyncio.run(agent.ainvoke(ask))
    (episode,) = lib.episodes()  # recorded when the run ended, before it returned to the caller
    assert episode.reward == 0.0 and episode.metadata.get("aborted") == "TimeoutError"
    assert lib.events(episode_id=episode.id, kind=EventKind.TOOL_ERROR)  # the part that ran is kept
    assert not mw._open and not mw._failing


@tool
def step(i: int) -> str:
    """Run step `i`."""
    return f"step {i} done"


def _five_steps(messages: Sequence[BaseMessage]) -> AIMessage:
    done = [m for m in messages if isinstance(m, ToolMessage)]
    n = int(done[-1].text.split()[1]) + 1 if done else 0
    if n < 5:
        return AIMessage("", tool_calls=[{"name": "step", "args": {"i": n}, "id": f"s{n}"}])
    return AIMessage("finished")


def test_a_run_whose_history_is_summarized_mid_run_is_one_episode(lib: SkillLibrary) -> None:
    # The summary replaces the run's input message with a new human message: still the same run.
    summarizer = GenericFakeChatModel(messages=iter([AIMessage("summary")] * 10))
    summarize = SummarizationMiddleware(summarizer, trigger=("messages", 4), keep=("messages", 2))
    mw = SkillMiddleware(Evolver(lib, miner=None), reward=lambda s: 1.0)
    agent = create_agent(ScriptedChat(_five_steps), [step], middleware=[summarize, mw])
    out = agent.invoke({"messages": [HumanMessage("do five steps")]})
    assert out["messages"][-1].text == "finished"
    (episode,) = _settled(lib)
    assert episode.task == "do five steps" and episode.reward == 1.0 and "aborted" not in episode.metadata
    assert len(lib.events(episode_id=episode.id, kind=EventKind.TOOL_CALL)) == 5
    assert not mw._open
