"""CrewAI's hooks are process-wide: closing the last `Evolving` from one thread while a crew it marked
runs in another must not unregister them under that crew (its tool call's outcome and its
EXECUTION_END would go unseen: the call and the episode lost), and the crews of several threads
opening and closing decorators must never see the hooks missing or registered twice."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

from crewai.hooks import InterceptionPoint, clear_all_global_hooks
from crewai.hooks.dispatch import get_global_hook_list

from skillevo import EventKind, Evolver, SkillLibrary
from skillevo_crewai import ScriptedLLM, evolving
from skillevo_crewai import _hooks as hooks

sys.path.insert(0, str(Path(__file__).parent))
from crewai_fakes import RIGHT, Book, booking_crew, ok_reward


def _answer_after_booking(messages: list[dict[str, Any]]) -> str:
    from skillevo_crewai import last_observation

    if last_observation(messages) is None:
        return RIGHT
    return "Thought: I now know the final answer\nFinal Answer: booked"


class GatedBook(Book):
    """Books once told to: it signals that it started, then waits for the gate."""

    started: Any = None
    gate: Any = None

    def _run(self, date: str, city: str) -> str:
        self.started.set()
        assert self.gate.wait(timeout=30)
        return super()._run(date, city)


_CALL_KINDS = (EventKind.TOOL_CALL, EventKind.TOOL_RESULT, EventKind.TOOL_ERROR)


def _ours(point: InterceptionPoint, hook: Any) -> int:
    return sum(1 for h in get_global_hook_list(point) if h is hook)


def test_closing_the_last_decorator_mid_tool_call_loses_neither_the_call_nor_the_episode() -> None:
    with SkillLibrary(":memory:") as lib:
        evolve = evolving(Evolver(lib, miner=None), reward=ok_reward)
        tool = GatedBook(started=threading.Event(), gate=threading.Event())
        crew = evolve(booking_crew(ScriptedLLM(_answer_after_booking), tool))
        errors: list[BaseException] = []

        def run() -> None:
            try:
                crew.kickoff(inputs={"day": "March 4"})
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        worker = threading.Thread(target=run)
        worker.start()
        assert tool.started.wait(timeout=30)
        evolve.close()  # the last open decorator, from another thread, while the tool runs
        tool.gate.set()
        worker.join(timeout=60)
        assert not worker.is_alive() and not errors
        (episode,) = lib.episodes()
        assert episode.reward == 1.0
        kinds = [(e.kind, e.tool) for e in lib.events(episode_id=episode.id) if e.kind in _CALL_KINDS]
        assert kinds == [(EventKind.TOOL_CALL, "book"), (EventKind.TOOL_RESULT, "book")]
        # the run over, nothing of skillevo's stays registered
        assert _ours(InterceptionPoint.EXECUTION_END, hooks._on_end) == 0
        assert _ours(InterceptionPoint.POST_TOOL_CALL, hooks._after_tool) == 0


def test_a_decorator_opened_and_closed_while_another_crew_runs_leaves_it_the_hooks_once() -> None:
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, miner=None)
        evolve = evolving(evo, reward=ok_reward)
        tool = GatedBook(started=threading.Event(), gate=threading.Event())
        crew = evolve(booking_crew(ScriptedLLM(_answer_after_booking), tool))
        worker = threading.Thread(target=crew.kickoff, kwargs={"inputs": {"day": "March 4"}})
        worker.start()
        assert tool.started.wait(timeout=30)
        evolve.close()
        other = evolving(evo)  # another thread's decorator, opened and closed during the call
        assert _ours(InterceptionPoint.POST_TOOL_CALL, hooks._after_tool) == 1
        assert _ours(InterceptionPoint.EXECUTION_END, hooks._on_end) == 1
        other.close()
        assert _ours(InterceptionPoint.POST_TOOL_CALL, hooks._after_tool) == 1
        tool.gate.set()
        worker.join(timeout=60)
        assert not worker.is_alive()
        (episode,) = lib.episodes()
        assert episode.reward == 1.0 and episode.finished_at is not None
        assert _ours(InterceptionPoint.POST_TOOL_CALL, hooks._after_tool) == 0
        assert _ours(InterceptionPoint.INPUT, hooks._on_start) == 0


def test_hooks_cleared_by_crewai_are_registered_again_by_the_next_kickoff() -> None:
    # CrewAI's documented reset (between tests, between execution contexts) takes skillevo's tool and
    # model hooks out while a decorator is open: the next kickoff must be observed all the same.
    with SkillLibrary(":memory:") as lib, evolving(Evolver(lib, miner=None), reward=ok_reward) as evolve:
        clear_all_global_hooks()
        crew = evolve(booking_crew(ScriptedLLM(_answer_after_booking), Book()))
        crew.kickoff(inputs={"day": "March 4"})
        (episode,) = lib.episodes()
        kinds = [(e.kind, e.tool) for e in lib.events(episode_id=episode.id) if e.kind in _CALL_KINDS]
        assert kinds == [(EventKind.TOOL_CALL, "book"), (EventKind.TOOL_RESULT, "book")]
        evolve(booking_crew(ScriptedLLM(_answer_after_booking), Book())).kickoff(inputs={"day": "March 5"})
        for point, hook in (
            (InterceptionPoint.PRE_MODEL_CALL, hooks._before_llm),
            (InterceptionPoint.POST_MODEL_CALL, hooks._after_llm),
            (InterceptionPoint.PRE_TOOL_CALL, hooks._before_tool),
            (InterceptionPoint.POST_TOOL_CALL, hooks._after_tool),
            (InterceptionPoint.INPUT, hooks._on_start),
        ):
            assert _ours(point, hook) == 1
