"""A Flow that pauses for human feedback (``HumanFeedbackPending``: ``kickoff`` returns it, CrewAI
sends no ``EXECUTION_END``) must neither hold its run in skillevo forever (a server with
human-in-the-loop flows pauses thousands) nor leave the episode of a marked agent that acted before
the pause unrecorded until the interpreter exits."""

from __future__ import annotations

import sys
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
