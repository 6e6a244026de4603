"""A Flow paused for human feedback and resumed (``Flow.from_pending(...).resume(feedback)``, often
in another process): CrewAI dispatches no INPUT for the resume, so a marked agent acting in the
steps after it found no run, and its tool calls and episode went unrecorded. The resumed part is
a run of the flow: the marked agents acting in it get their episodes, finished with its output."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from crewai.flow.async_feedback.types import HumanFeedbackPending, PendingFeedbackContext
from crewai.flow.flow import Flow, listen, start
from crewai.flow.persistence import SQLiteFlowPersistence

from skillevo import EventKind, Evolver, SkillLibrary
from skillevo_crewai import Evolving, ScriptedLLM, evolving
from skillevo_crewai._hooks import live_runs

sys.path.insert(0, str(Path(__file__).parent))
from crewai_fakes import Book, booker, booking_policy

_CALLS = (EventKind.TOOL_CALL, EventKind.TOOL_RESULT, EventKind.TOOL_ERROR)


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def approval_flow(ev: Evolving) -> type[Flow[dict[str, Any]]]:
    """Asks a human first (a pause), then a marked agent books."""

    class Approval(Flow[dict[str, Any]]):
        @start()
        def ask(self) -> str:
            context = PendingFeedbackContext(
                flow_id=str(self.state["id"]),
                flow_class="Approval",
                method_name="ask",
                method_output="Book Oslo?",
                message="Approve?",
            )
            raise HumanFeedbackPending(context=context)

        @listen(ask)
        def book_it(self, feedback: Any) -> str:
            agent = ev(booker(ScriptedLLM(booking_policy), Book()))
            return str(agent.kickoff("Book Oslo on March 4th.").raw)

    return Approval


def test_the_steps_after_a_resume_are_recorded(lib: SkillLibrary) -> None:
    persistence = SQLiteFlowPersistence(os.path.join(os.environ["HOME"], "flows.db"))
    with evolving(Evolver(lib, miner=None), reward=lambda out: float(out == "booked")) as ev:
        cls = approval_flow(ev)
        flow = cls(persistence=persistence)
        assert isinstance(flow.kickoff(), HumanFeedbackPending)
        assert lib.episodes() == []  # no marked agent acted before the pause
        # What another worker does, in a thread of its own: CrewAI's resume leaves state in the
        # context it ran in (it would hold later kickoffs of the test session's main thread).
        outputs: list[Any] = []
        worker = threading.Thread(
            target=lambda: outputs.append(cls.from_pending(str(flow.state["id"]), persistence).resume("approved"))
        )
        worker.start()
        worker.join(timeout=60)
        assert outputs == ["booked"]
        assert live_runs() == []
    (episode,) = lib.episodes()
    assert episode.reward == 1.0 and episode.task == "Book Oslo on March 4th."
    assert episode.metadata.get("run_id") == str(flow.state["id"])
    calls = [(e.kind, e.tool) for e in lib.events(episode_id=episode.id) if e.kind in _CALLS]
    assert calls == [
        (EventKind.TOOL_CALL, "book"),
        (EventKind.TOOL_ERROR, "book"),
        (EventKind.TOOL_CALL, "book"),
        (EventKind.TOOL_RESULT, "book"),
    ]
