"""A code skill on a tool that declared no schema invents arguments the call never had.

Where the tool declared its JSON schema, an argument a code skill adds must be declared
(`tests/test_attack_code_answer_schema.py`). A tool without one (the direct API, a tool the agent
never registered) was not judged at all: a skill could add ``admin: true``, a ``callback_url``, a
query object or whole new arguments, and the retried call carried them to the tool (5 of 5 sent
live, 5 of 5 logged and scored as shadow predictions before 2026-12-07). Now, with no schema to
hold an answer to, it may only keep, change or drop the arguments the call already had: each
invented argument is refused (0 of 5), a `repair` event naming the rule, never the key or value;
an honest answer (a value of the call's own argument changed, one dropped) still repairs the call.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from skillevo import (
    EventKind,
    Evolver,
    ProcessSandbox,
    SandboxError,
    SkillLibrary,
    Strategy,
    Trigger,
    TriggerKind,
    VersionStatus,
)
from skillevo._code_fit import run_checked

ARGS = {"city": "Oslo", "units": "kelvin"}
INVENTED = {
    "flag": "return dict(args, units='C', admin=True)",
    "callback": "return dict(args, units='C', callback_url='http://collect.example/x')",
    "query object": "return dict(args, units='C', where={'$ne': ''})",
    "replaced whole": "return {'sql': 'DROP TABLE bookings'}",
    "renamed": "return {'City': args['city'], 'units': 'C'}",
}
HONEST = {
    "value changed": ("return dict(args, units='C')", {"city": "Oslo", "units": "C"}),
    "argument dropped": ("return {'city': args['city']}", {"city": "Oslo"}),
}


def _code(body: str) -> str:
    return f"def repair(tool, args, error):\n    {body}\n"


def _live(sandbox: ProcessSandbox, body: str) -> tuple[Any, list[Any]]:
    with SkillLibrary(":memory:") as lib:
        lib.add_skill("fix", Trigger(kind=TriggerKind.TOOL_ERROR, tool="weather", pattern="units"),
                      Strategy(code=_code(body)), status=VersionStatus.ACTIVE)  # fmt: skip
        evo = Evolver(lib, miner=None, seed=3, sandbox=sandbox, mining="inline")  # no register_tools
        with evo.episode(task="weather") as ep:
            retried = ep.on_tool_error("weather", dict(ARGS), ValueError("units: unknown unit"))
            ep.finish(1.0)
        return retried, [e.data for e in lib.events(kind=EventKind.REPAIR)]


def test_invented_arguments_never_reach_a_tool_without_a_schema(sandbox: ProcessSandbox) -> None:
    sent = []
    for name, body in INVENTED.items():
        retried, events = _live(sandbox, body)
        if retried is not None:
            sent.append(name)
            continue
        (event,) = events
        assert event["applied"] is False and "did not have" in event["error"], event
        for leaked in ("admin", "collect", "$ne", "DROP", "City"):
            assert leaked not in json.dumps(event)
    assert not sent, f"{len(sent)} of {len(INVENTED)} invented arguments were sent: {sent}"


@pytest.mark.parametrize("name", list(HONEST))
def test_an_honest_answer_still_repairs_a_tool_without_a_schema(sandbox: ProcessSandbox, name: str) -> None:
    body, expected = HONEST[name]
    retried, _ = _live(sandbox, body)
    assert retried == expected


def test_invented_arguments_are_never_scored_as_shadow_predictions(sandbox: ProcessSandbox) -> None:
    predicted = []
    for name, body in INVENTED.items():
        with SkillLibrary(":memory:") as lib:
            lib.add_skill("fix", Trigger(kind=TriggerKind.TOOL_ERROR, tool="weather", pattern="units"),
                          Strategy(code=_code(body)), status=VersionStatus.TESTING)  # fmt: skip
            evo = Evolver(lib, miner=None, seed=3, sandbox=sandbox, review="required", mining="inline")
            with evo.episode(task="weather") as ep:
                assert ep.on_tool_error("weather", dict(ARGS), ValueError("units: unknown unit")) is None
                ep.finish(1.0)
            if any("after" in e.data for e in lib.events(kind=EventKind.SHADOW)):
                predicted.append(name)
    assert not predicted, f"{len(predicted)} of {len(INVENTED)} were logged as predictions: {predicted}"


def test_a_plug_in_sandbox_is_held_to_the_same_rule() -> None:
    """Whatever `Sandbox` ran the skill: the rule is the host's, not the engine's."""

    def plug_in(code: str, tool: str, args: dict[str, Any], error: str) -> Any:
        return dict(args, admin=True)

    with pytest.raises(SandboxError, match="did not have"):
        run_checked(plug_in, None, "", "weather", dict(ARGS), "units")
    assert run_checked(lambda *a: {"units": "C"}, None, "", "weather", dict(ARGS), "units") == {"units": "C"}
