"""A Flow that pauses for human feedback (``HumanFeedbackPending``: ``kickoff`` returns it, CrewAI
sends no ``EXECUTION_END``) must neither hold its run in skillevo forever (a server with
human-in-the-loop flows pauses thousands) nor leave the episode of a marked agent that acted before
the pause unrecorded until the interpreter exits."""

from __future__ import annotations

import contextvars
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from crewai.flow.async_feedback.types import HumanFeedbackPending, PendingFeedbackContext
from crewai.flow.flow import Flow, listen, start

from skillevo import Episode, Evolver, SkillLibrary
from skillevo_crewai import Evolving, ScriptedLLM, evolving
from skillevo_crewai._hooks import live_runs

sys.path.insert(0, str(Path(__file__).parent))
from crewai_fakes import Book, booker, booking_policy


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def review_flow(ev: Evolving | None) -> Flow[Any]:
    """A draft (by a marked agent when `ev` is given), then a pause for a human's review."""

    class Review(Flow[dict[str, Any]]):
        @start()
        def draft(self) -> str:
            if ev is None:
                return "a draft"
            agent = ev(booker(ScriptedLLM(booking_policy), Book(accept_any_date=True)))
            return str(agent.kickoff("Book Oslo on March 4th.").raw)

        @listen(draft)
        def review(self, text: str) -> None:
            context = PendingFeedbackContext(
                flow_id=str(self.state["id"]),
                flow_class="Review",
                method_name="review",
                method_output=text,
                message="Approve the booking?",
            )
            raise HumanFeedbackPending(context=context)

    return Review()


def test_paused_flows_are_not_held(lib: SkillLibrary) -> None:
    with evolving(Evolver(lib, miner=None), reward=lambda out: 1.0):
        for _ in range(3):
            assert isinstance(review_flow(None).kickoff(), HumanFeedbackPending)
        assert live_runs() == []


def test_a_marked_agents_work_before_a_pause_is_recorded_at_the_pause(lib: SkillLibrary) -> None:
    finished: list[Episode] = []
    with evolving(Evolver(lib, miner=None), reward=lambda out: 1.0, on_finish=finished.append) as ev:
        flow = review_flow(ev)
        assert isinstance(flow.kickoff(), HumanFeedbackPending)
        assert live_runs() == []
        (episode,) = finished  # recorded now, not when the interpreter exits
        assert episode.task == "Book Oslo on March 4th." and episode.reward is None  # the human has not answered
        assert episode.metadata.get("run_id") == str(flow.state["id"])  # evo.feedback(flow id, r) reaches it
        ev.evo.feedback(str(flow.state["id"]), 1.0)
    assert lib.episode(episode.id).reward == 1.0


def test_an_unstructured_flows_id_is_the_episodes_run_id(lib: SkillLibrary) -> None:
    finished: list[Episode] = []
    with evolving(Evolver(lib, miner=None), reward=None, on_finish=finished.append) as ev:

        class Plain(Flow[dict[str, Any]]):  # the default: the state is a dict
            @start()
            def draft(self) -> str:
                agent = ev(booker(ScriptedLLM(booking_policy), Book(accept_any_date=True)))
                return str(agent.kickoff("Book Oslo on March 4th.").raw)

        flow = Plain()
        assert flow.kickoff() == "booked"
        (episode,) = finished
        assert episode.metadata.get("run_id") == str(flow.state["id"])
        ev.evo.feedback(str(flow.state["id"]), 0.5)  # the flow's id reaches the episode
    assert lib.episode(episode.id).reward == 0.5


_pauser: contextvars.ContextVar[bool] = contextvars.ContextVar("pauser", default=False)


class GatedBook(Book):
    """Books once told to: it signals that it started, then waits for the gate."""

    started: Any = None
    gate: Any = None

    def _run(self, date: str, city: str) -> str:
        self.started.set()
        assert self.gate.wait(timeout=30)
        return super()._run(date, city)


def test_a_pause_stops_only_its_own_run_of_a_flow_instance(lib: SkillLibrary) -> None:
    tool = GatedBook(accept_any_date=True, started=threading.Event(), gate=threading.Event())
    finished: list[Episode] = []
    with evolving(Evolver(lib, miner=None), reward=lambda out: 1.0, on_finish=finished.append) as ev:

        class Shared(Flow[dict[str, Any]]):
            @start()
            def step(self) -> str:
                if _pauser.get():
                    context = PendingFeedbackContext(
                        flow_id=str(self.state["id"]),
                        flow_class="Shared",
                        method_name="step",
                        method_output="",
                        message="Approve?",
                    )
                    raise HumanFeedbackPending(context=context)
                agent = ev(booker(ScriptedLLM(booking_policy), tool))
                return str(agent.kickoff("Book Oslo on March 4th.").raw)

        flow = Shared()
        outputs: list[Any] = []
        worker = threading.Thread(target=lambda: outputs.append(flow.kickoff()))
        worker.start()
        assert tool.started.wait(timeout=30)  # the worker's run is mid-tool-call
        _pauser.set(True)
        assert isinstance(flow.kickoff(), HumanFeedbackPending)  # this run pauses
        tool.gate.set()
        worker.join(timeout=60)
        assert outputs == ["booked"]
        assert live_runs() == []
    (episode,) = finished
    assert episode.reward == 1.0 and "aborted" not in episode.metadata
