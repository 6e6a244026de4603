"""An async run that ends on a model call's exception is recorded at its loop's exit without holding
the event loop: the store write (a commit with ``durability="sync"``, a round trip to PostgreSQL) runs
in a worker thread, as the async hooks' own writes do, and is done before the error reaches the caller."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain.agents.middleware import ModelRetryMiddleware
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from skillevo import Evolver, SkillLibrary
from skillevo_langgraph import SkillMiddleware
from skillevo_langgraph import _middleware as middleware_module

sys.path.insert(0, str(Path(__file__).parent))
from lg_fakes import ScriptedChat, book, booking_policy, ok_reward


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[SkillLibrary]:
    with SkillLibrary(tmp_path / "lib.db", durability="sync") as store:
        yield store


def _failing_after_first(messages: Sequence[BaseMessage], calls: list[int] = []) -> AIMessage:  # noqa: B006
    calls.append(1)
    if len(calls) > 1:
        raise TimeoutError("model timed out")
    return booking_policy(messages)


def test_a_failed_async_run_is_recorded_off_the_event_loop_before_the_error_returns(
    lib: SkillLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded_in: list[int] = []
    real_abort = middleware_module.abort

    def abort(ep: Any, exc: Any = None) -> Any:
        recorded_in.append(threading.get_ident())
        return real_abort(ep, exc)

    monkeypatch.setattr(middleware_module, "abort", abort)
    mw = SkillMiddleware(Evolver(lib, miner=None), reward=ok_reward)
    retry = ModelRetryMiddleware(max_retries=1, initial_delay=0, jitter=False, on_failure="error")
    agent = create_agent(ScriptedChat(_failing_after_first), [book], middleware=[retry, mw])

    async def run() -> int:
        loop_thread = threading.get_ident()
        with pytest.raises(TimeoutError):
            await agent.ainvoke({"messages": [HumanMessage("book Oslo on March 4th")]})
        (episode,) = lib.episodes()  # on disk before the error reached the caller
        assert episode.reward == 0.0 and episode.metadata.get("aborted") == "TimeoutError"
        return loop_thread

    loop_thread = asyncio.run(run())
    assert recorded_in and loop_thread not in recorded_in
    assert not mw._open and not mw._failing
