"""A unit cast transfers to arguments whose name says that unit, whatever else they are called.

The world: a scale whose ``load_kg`` the policy writes as ``"12.5 kg"``, and three tools first seen
later with ``mass_kg``, ``cargoKg`` and ``net_weight_lb`` (and a ``label``). A cast learned on
``load_kg`` reached only arguments named ``load_kg`` (held-out clinic world through CrewAI,
h/heldout9: a weight and a temperature argument of other names on tools first seen in the test phase paid their
own failures, 0 of 2 transferred). An argument whose name ends with the unit's word takes numbers in
that unit, so ``"12.5 kg"`` is 12.5 there; one named for another unit (``_lb``) or for none never
gets the cast: it may count in another unit, and the number would change meaning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from skillevo import Evolver, SkillLibrary

WEIGHTS = {"scale": "load_kg", "admit": "mass_kg", "ship": "cargoKg", "export": "net_weight_lb", "note": "weight"}


def _tool(name: str, weight: str) -> Callable[..., Any]:
    def run(**args: Any) -> Any:
        if not isinstance(args.get(weight), float | int) or isinstance(args.get(weight), bool):
            return f"Error: {weight} must be a number, got {args.get(weight)!r}"
        return {"tool": name, weight: args[weight]}

    return run


WORLD = {name: _tool(name, weight) for name, weight in WEIGHTS.items()}
SCHEMAS = {
    name: {"properties": {weight: {"type": "number"}, "label": {"type": "string"}}, "required": [weight]}
    for name, weight in WEIGHTS.items()
}


def _call(ep: Any, name: str, written: str, meant: float, accepted: list[Any]) -> bool:
    """One call as the agent makes it; True when its first attempt succeeded."""
    weight = WEIGHTS[name]
    args: dict[str, Any] = {weight: written, "label": "x"}
    for attempt in range(4):
        sent = ep.before_tool(name, args)
        result = WORLD[name](**sent)
        if not ep.on_tool_result(name, sent, result):
            accepted.append(sent[weight])
            return attempt == 0
        ep.on_tool_error(name, sent, result)
        args = {**args, weight: meant}
    return False


def test_a_kilogram_cast_reaches_arguments_named_in_kilograms_only() -> None:
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, seed=5, cache_ttl_s=float("inf"))
        evo.register_tools(SCHEMAS)
        accepted: list[Any] = []
        for i, meant in enumerate([12.5, 40.0, 7.5, 18.0, 3.5, 22.5]):
            with evo.episode(task=f"learn {i}") as ep:
                _call(ep, "scale", f"{meant:g} kg", meant, accepted)
                ep.finish(reward=1.0)
        targets = {(s.trigger.tool, s.versions[0].strategy.repair.ops[0].arg)  # type: ignore[union-attr]
                   for s in lib.skills() if s.versions[0].origin.miner == "transfer"}
        assert targets == {("admit", "mass_kg"), ("ship", "cargoKg")}, targets
        clean = 0
        for j, name in enumerate(["admit", "ship"] * 2):
            with evo.episode(task=f"use {j}") as ep:
                clean += _call(ep, name, f"{60 + j}.5 kg", 60.5 + j, accepted)
                ep.finish(reward=1.0)
        assert clean >= 3, clean
        # another unit's argument is never given the kilogram number
        with evo.episode(task="pounds") as ep:
            before = len(accepted)
            _call(ep, "export", "30 kg", 66.0, accepted)
            assert accepted[before:] == [66.0]
            ep.finish(reward=1.0)


DAYS = {"lease": "term_days", "trial": "trialDays", "loan": "period_weeks"}


def _days_tool(name: str) -> Callable[..., Any]:
    arg = DAYS[name]

    def run(**args: Any) -> Any:
        if type(args.get(arg)) is not int:
            return f"Error: {arg} must be a whole number, got {args.get(arg)!r}"
        return {"tool": name, arg: args[arg]}

    return run


def test_a_length_of_time_in_days_reaches_arguments_named_in_days_only() -> None:
    world = {name: _days_tool(name) for name in DAYS}
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, seed=2, cache_ttl_s=float("inf"))
        evo.register_tools({name: {"properties": {arg: {"type": "integer"}}, "required": [arg]}
                            for name, arg in DAYS.items()})
        for i, days in enumerate([30, 14, 90, 7, 60, 21]):
            with evo.episode(task=f"learn {i}") as ep:
                args: dict[str, Any] = {"term_days": f"{days} days"}
                for _ in range(3):
                    sent = ep.before_tool("lease", args)
                    if not ep.on_tool_result("lease", sent, world["lease"](**sent)):
                        break
                    ep.on_tool_error("lease", sent, world["lease"](**sent))
                    args = {"term_days": days}
                ep.finish(reward=1.0)
        targets = {(s.trigger.tool, s.versions[0].strategy.repair.ops[0].arg)  # type: ignore[union-attr]
                   for s in lib.skills() if s.versions[0].origin.miner == "transfer"}
        assert targets == {("trial", "trialDays")}, targets
