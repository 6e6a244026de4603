"""Tool calls CrewAI turns down before its tool hooks: a tool name the agent does not have, arguments
that do not parse. CrewAI tells the model and reports them only through its tool-failure handling
(``handle_tool_failure``: its failure collector, ``ToolFailureDetectedEvent`` on a thread pool), so
before 2026-12-07 skillevo recorded no call and no error for them (the ReAct text path and a native
call with broken JSON), or recorded CrewAI's "Tool not found" text as the result of a successful
call (a native call of an unknown name): nothing could be learned from those mistakes. Each is now
recorded as a call and its error, in order, in the right episode, before the kickoff ends, under
every way of running a kickoff, and without ever failing the run."""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from crewai import Agent, Crew, Task
from crewai.flow.flow import Flow, start
from crewai.tools.tool_failure import ToolFailurePolicy

from skillevo import EventKind, Evolver, RuleMiner, SkillLibrary
from skillevo_crewai import ScriptedLLM, evolving, last_observation

sys.path.insert(0, str(Path(__file__).parent))
from crewai_fakes import Book

GOOD = {"date": "2025-03-04", "city": "Oslo"}
_ids = itertools.count()


def _native(name: str, arguments: str) -> list[dict[str, Any]]:
    return [{"id": f"call_{next(_ids)}", "type": "function", "function": {"name": name, "arguments": arguments}}]


def _react(name: str, arguments: str) -> str:
    return f"Thought: I will use a tool.\nAction: {name}\nAction Input: {arguments}"


#: path -> (native function calling?, the mistaken call, the tool and arguments it is recorded with, error type)
MISTAKES: dict[str, tuple[bool, tuple[str, str], tuple[str, dict[str, Any]], str]] = {
    "react-unknown-name": (False, ("reserve_flight", json.dumps(GOOD)), ("reserve_flight", GOOD), "UnknownToolError"),
    "react-arguments-not-an-object": (False, ("book", '["2025-03-04", "Oslo"]'), ("book", {}), "ToolArgumentsError"),
    "native-unknown-name": (True, ("reserve_flight", json.dumps(GOOD)), ("reserve_flight", GOOD), "UnknownToolError"),
    # a reply cut off: the arguments as far as they parse
    "native-broken-json": (
        True, ("book", '{"date": "2025-03-04", "city": '), ("book", {"date": "2025-03-04"}), "ToolArgumentsError"
    ),
}


def mistaken(path: str) -> Callable[[list[dict[str, Any]]], Any]:
    """The mistaken call, then (told it failed) the right one, then the answer."""
    native, (name, arguments), _, _ = MISTAKES[path]

    def policy(messages: list[dict[str, Any]]) -> Any:
        observation = last_observation(messages)
        if observation is None:
            return _native(name, arguments) if native else _react(name, arguments)
        if "booked" not in observation:
            return _native("book", json.dumps(GOOD)) if native else _react("book", json.dumps(GOOD))
        return "booked" if native else "Thought: I now know the final answer\nFinal Answer: booked"

    return policy


def _agent(path: str, role: str = "booker") -> Agent:
    llm = ScriptedLLM(mistaken(path), native=MISTAKES[path][0])
    return Agent(role=role, goal="book trips", backstory="A travel agent.", llm=llm, tools=[Book()], max_iter=6)


def _crew(agent: Agent) -> Crew:
    return Crew(agents=[agent], tasks=[Task(description="Book Oslo.", expected_output="a confirmation", agent=agent)])


def kickoff(ev: Any, path: str, mode: str) -> str:
    if mode == "kickoff":
        return str(ev(_crew(_agent(path))).kickoff().raw)
    if mode == "kickoff_async":
        return str(asyncio.run(ev(_crew(_agent(path))).kickoff_async()).raw)
    if mode == "akickoff":
        return str(asyncio.run(ev(_crew(_agent(path))).akickoff()).raw)
    if mode == "Agent.kickoff":
        return str(ev(_agent(path)).kickoff("Book Oslo.").raw)
    booker = ev(_agent(path))

    class Booking(Flow):  # type: ignore[type-arg]
        @start()
        def book(self) -> str:
            return str(booker.kickoff("Book Oslo.").raw)

    return str(Booking().kickoff())


def tool_events(lib: SkillLibrary, episode_id: str | None) -> list[tuple[str, str | None, Any]]:
    kinds = (EventKind.TOOL_CALL, EventKind.TOOL_ERROR, EventKind.TOOL_RESULT)
    return [
        (e.kind.value, e.tool, e.data.get("error_type") if e.kind is EventKind.TOOL_ERROR else e.data.get("args"))
        for e in lib.events(episode_id=episode_id)
        if e.kind in kinds
    ]


def expected(path: str) -> list[tuple[str, str | None, Any]]:
    _, _, (tool, args), error_type = MISTAKES[path]
    return [("tool_call", tool, args), ("tool_error", tool, error_type), ("tool_call", "book", GOOD),
            ("tool_result", "book", GOOD)]


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


@pytest.mark.parametrize("path", list(MISTAKES))
def test_a_call_crewai_turns_down_is_recorded_with_its_error_in_order(path: str, lib: SkillLibrary) -> None:
    with evolving(Evolver(lib, miner=None), reward=lambda out: 1.0) as ev:
        assert kickoff(ev, path, "kickoff") == "booked"
        (episode,) = lib.episodes()  # finished, with the rejected call in it, when the kickoff returns
        assert tool_events(lib, episode.id) == expected(path)
    (error,) = lib.events(episode_id=episode.id, kind=EventKind.TOOL_ERROR)
    assert error.data["error"]  # CrewAI's message to the model


@pytest.mark.parametrize("mode", ["kickoff_async", "akickoff", "Agent.kickoff", "Flow"])
@pytest.mark.parametrize("path", ["react-unknown-name", "native-broken-json"])
def test_every_way_of_running_a_kickoff_records_it(mode: str, path: str, lib: SkillLibrary) -> None:
    with evolving(Evolver(lib, miner=None), reward=lambda out: 1.0) as ev:
        assert kickoff(ev, path, mode) == "booked"
        (episode,) = lib.episodes()
        assert tool_events(lib, episode.id) == expected(path)


def test_concurrent_crews_keep_their_own_rejected_calls(lib: SkillLibrary) -> None:
    both_running = threading.Barrier(2, timeout=60)

    def crew_of(path: str, role: str) -> Crew:
        agent = _agent(path, role)
        inner = agent.llm.policy  # type: ignore[union-attr]

        def policy(messages: list[dict[str, Any]]) -> Any:
            if last_observation(messages) is not None and "booked" not in str(last_observation(messages)):
                both_running.wait()  # each crew has made its mistake before either goes on
            return inner(messages)

        agent.llm.policy = policy  # type: ignore[union-attr]
        return _crew(agent)

    with evolving(Evolver(lib, miner=None), reward=lambda out: 1.0) as ev:
        a, b = ev(crew_of("react-unknown-name", "booker a")), ev(crew_of("native-broken-json", "booker b"))

        async def both() -> list[Any]:
            return list(await asyncio.gather(a.kickoff_async(), b.kickoff_async()))

        assert [str(o.raw) for o in asyncio.run(both())] == ["booked", "booked"]
    assert len(lib.episodes()) == 2
    recorded = sorted((tool_events(lib, e.id) for e in lib.episodes()), key=str)
    assert recorded == sorted([expected("react-unknown-name"), expected("native-broken-json")], key=str)


def test_an_unmarked_agent_in_the_process_is_not_recorded(lib: SkillLibrary) -> None:
    with evolving(Evolver(lib, miner=None), reward=lambda out: 1.0):
        assert str(_crew(_agent("react-unknown-name")).kickoff().raw) == "booked"
    assert lib.episodes() == []


@pytest.mark.parametrize("path", ["react-unknown-name", "native-unknown-name", "native-broken-json"])
def test_a_failure_recording_it_never_reaches_the_run(
    path: str, lib: SkillLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    import skillevo_crewai._rejected as rejected
    import skillevo_crewai._tool_hooks as tool_hooks

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("store down")

    monkeypatch.setattr(rejected, "record_tool_error", broken)
    monkeypatch.setattr(tool_hooks, "record_tool_error", broken)
    monkeypatch.setattr(rejected, "_parsed", broken)
    with evolving(Evolver(lib, miner=None), reward=lambda out: 1.0) as ev:
        assert kickoff(ev, path, "kickoff") == "booked"
    (episode,) = lib.episodes()
    assert episode.reward == 1.0
    assert ("tool_result", "book", GOOD) in tool_events(lib, episode.id)  # the run went on, recorded


@pytest.mark.parametrize("path", ["react-unknown-name", "native-unknown-name", "native-broken-json"])
def test_a_repeated_mistake_has_one_error_signature_the_miner_reads(path: str, lib: SkillLibrary) -> None:
    with evolving(Evolver(lib, miner=None), reward=lambda out: 1.0) as ev:
        for _ in range(3):
            assert kickoff(ev, path, "kickoff") == "booked"
    errors = lib.events(kind=EventKind.TOOL_ERROR)
    assert len(errors) == 3 and len({e.data["signature"] for e in errors}) == 1
    assert {e.data["error_type"] for e in errors} == {MISTAKES[path][3]}
    # Whatever the rules make of it names no tool the agent does not have as the one to call.
    proposals = RuleMiner().mine(lib.events(episode_id=errors[-1].episode_id), lib)
    for proposal in proposals:
        assert "reserve_flight" not in (proposal.strategy.guidance or "") or proposal.trigger.tool == "reserve_flight"


@pytest.mark.parametrize("path", ["react-unknown-name", "native-broken-json"])
def test_it_does_not_wait_on_the_event_bus(path: str, lib: SkillLibrary, monkeypatch: pytest.MonkeyPatch) -> None:
    # CrewAI's handler pool delivers the failure event when it gets to it: here, only once the
    # kickoff has returned. The call is in its episode, in its place, by then; the event adds nothing.
    import skillevo_crewai._hooks as hooks

    handle, held = hooks.on_failure_event, []
    monkeypatch.setattr(hooks, "on_failure_event", lambda run, event: held.append((run, event)))
    with evolving(Evolver(lib, miner=None), reward=lambda out: 1.0) as ev:
        assert kickoff(ev, path, "kickoff") == "booked"
        (episode,) = lib.episodes()
        assert tool_events(lib, episode.id) == expected(path)
        assert len(held) == 1
        for run, event in held:
            handle(run, event)
    assert tool_events(lib, episode.id) == expected(path)  # not recorded twice


@pytest.mark.parametrize("path", ["react-unknown-name", "native-broken-json"])
def test_a_rejected_call_that_aborts_the_kickoff_is_in_its_episode(
    path: str, lib: SkillLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With ``tool_failure_policy=RAISE`` the rejected call ends the kickoff: no model call or tool
    # call comes after it, only the kickoff's (failed) end, which records it (the event, here, never
    # comes: CrewAI's handler pool may deliver it after the episode ended).
    import skillevo_crewai._hooks as hooks

    monkeypatch.setattr(hooks, "on_failure_event", lambda run, event: None)
    crew = _crew(_agent(path))
    crew.tool_failure_policy = ToolFailurePolicy.RAISE
    with evolving(Evolver(lib, miner=None), reward=lambda out: 1.0) as ev:
        with pytest.raises(Exception, match="failed"):
            ev(crew).kickoff()
    (episode,) = lib.episodes()
    assert episode.reward == 0.0 and episode.metadata.get("aborted")
    assert tool_events(lib, episode.id) == expected(path)[:2]


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ('{"date": "2025-03-04", "city": "Os', {"date": "2025-03-04"}),  # a string cut off: not the value
        ('{"n": 12', {}),  # a number cut off may be a longer one
        ('{"a": {"x": 1}, "b": tru', {"a": {"x": 1}}),
        ("{'a': 1}", {"a": 1}),  # a Python literal, as CrewAI's text protocol reads it
        ('["2025-03-04", "Oslo"]', {}),
        ("book it for Oslo", {}),
    ],
)
def test_the_arguments_are_kept_as_far_as_they_parse(text: str, args: dict[str, Any]) -> None:
    from skillevo_crewai._rejected import _parsed

    # (only a whole object parsed in full: the rest is recorded as `unparsed`, see
    # test_attack_unparsed_correction)
    assert _parsed(text) == (args, text == "{'a': 1}")
