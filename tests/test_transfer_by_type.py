"""A cast whose meaning is the declared type (words to a boolean) transfers to every argument declared
that type, whatever its name; nothing else transfers across names.

The world: six tools, each with one boolean switch of its own name (``lit``, ``powered``, ...) and a
``label`` string. The policy writes the switch as ``"yes"`` / ``"no"``; the tools reject it naming
the argument. Learned on one tool, the cast reaches the others' switches before they fail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from skillevo import Evolver, SkillLibrary

SWITCHES = {"lamp": "lit", "heater": "powered", "fan": "spinning", "pump": "running", "door": "locked",
            "alarm": "armed"}


def _tool(name: str, switch: str) -> Callable[..., Any]:
    def run(**args: Any) -> Any:
        if not isinstance(args.get(switch), bool):
            return f"Error: {switch} must be true or false, got {args.get(switch)!r}"
        if not isinstance(args.get("label"), str):
            return f"Error: label must be text, got {args.get('label')!r}"
        return {"tool": name, switch: args[switch]}

    return run


WORLD = {name: _tool(name, switch) for name, switch in SWITCHES.items()}
SCHEMAS = {
    name: {"properties": {switch: {"type": "boolean"}, "label": {"type": "string"}}, "required": [switch, "label"]}
    for name, switch in SWITCHES.items()
}


def _call(ep: Any, name: str, args: dict[str, Any]) -> bool:
    """One call as the agent makes it; True when its first attempt succeeded."""
    switch = SWITCHES[name]
    for attempt in range(4):
        sent = ep.before_tool(name, args)
        result = WORLD[name](**sent)
        if not ep.on_tool_result(name, sent, result):
            return attempt == 0
        retry = ep.on_tool_error(name, sent, result)
        if retry is not None and not ep.on_tool_result(name, retry, WORLD[name](**retry)):
            return False
        args = {**args, switch: str(args[switch]).lower() in ("yes", "true")}
    return False


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def test_a_boolean_cast_learned_on_one_switch_repairs_differently_named_switches(lib: SkillLibrary) -> None:
    evo = Evolver(lib, seed=5, cache_ttl_s=float("inf"))
    evo.register_tools(SCHEMAS)
    for i, word in enumerate(["yes", "no", "yes", "no", "yes"]):
        with evo.episode(task=f"learn {i}") as ep:
            _call(ep, "lamp", {"lit": word, "label": f"room {i}"})
            ep.finish(reward=1.0)
    transferred = {(s.trigger.tool, s.versions[0].strategy.repair.ops[0].arg)  # type: ignore[union-attr]
                   for s in lib.skills() if s.versions[0].origin.miner == "transfer"}
    assert transferred == {(name, switch) for name, switch in SWITCHES.items() if name != "lamp"}
    clean = 0
    for j, name in enumerate(n for n in SWITCHES if n != "lamp"):
        with evo.episode(task=f"use {name}") as ep:
            clean += _call(ep, name, {SWITCHES[name]: "no" if j % 2 else "yes", "label": "x"})
            ep.finish(reward=1.0)
    assert clean >= 4, clean


def test_a_string_argument_gets_no_boolean_cast_from_another_name(lib: SkillLibrary) -> None:
    evo = Evolver(lib, seed=5, cache_ttl_s=float("inf"))
    schemas = dict(SCHEMAS)
    # The heater's switch declared a string here ("yes" may be its data): not the same kind of argument.
    schemas["heater"] = {"properties": {"powered": {"type": "string"}, "label": {"type": "string"}}}
    evo.register_tools(schemas)
    for i, word in enumerate(["yes", "no", "yes", "no", "yes"]):
        with evo.episode(task=f"learn {i}") as ep:
            _call(ep, "lamp", {"lit": word, "label": f"room {i}"})
            ep.finish(reward=1.0)
    targets = {s.trigger.tool for s in lib.skills() if s.versions[0].origin.miner == "transfer"}
    assert "heater" not in targets and "fan" in targets
