"""Numbers written with a unit symbol (``"180°C"``) or a compound unit (``"5.4 mmol/L"``).

The number reader knew only units of letters, so a correction of ``"37.2°C"`` to ``37.2`` or of
``"5.4 mmol/L"`` to ``5.4`` was learned as nothing (or a value map of the instances seen) and every
later call failed again (held-out clinic world through CrewAI, h/heldout9: a temperature with
``°C`` and a lab value with ``mmol/L``, 0 of 2 learned before). A unit is now a word of letters,
maybe after a degree sign and maybe per another word; it is read only as written, so ``"°F"`` is
never taken for ``"°C"``, nor ``mg/dL`` for ``mmol/L`` (a conversion changes the number: a
correction must prove it). Driven through the real Evolver episode API, deterministic.
"""

from __future__ import annotations

from typing import Any

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._models import CoerceArg
from skillevo._repair import apply_repair, precondition_holds, synthesize


@pytest.mark.parametrize(
    ("bad", "good", "unit", "other", "other_number", "untouched"),
    [
        ("180°C", 180.0, "°C", "200 °C", 200.0, ["356°F", "180 C", "hot", 180]),
        ("5.4 mmol/L", 5.4, "mmol/L", "7 mmol/L", 7.0, ["97 mg/dL", "5.4 mmol", "5.4/L"]),
        ("12 km/h", 12, "km/h", "30km/h", 30, ["12 mph", "12 km", "12.5 km/h"]),
    ],
)
def test_a_unit_symbol_is_read_as_written(
    bad: str, good: Any, unit: str, other: str, other_number: Any, untouched: list[Any]
) -> None:
    repair = synthesize([({"level": bad}, {"level": good})])
    assert repair is not None
    (op,) = repair.ops
    assert isinstance(op, CoerceArg) and op.unit == unit, op
    assert precondition_holds(repair, {"level": other})
    assert apply_repair(repair, {"level": other}) == {"level": other_number}
    for value in untouched:
        assert apply_repair(repair, {"level": value}) == {"level": value}, value


def test_a_unit_is_no_free_text() -> None:
    for unit in ("°C", "mmol/L", "kg", "km/h"):
        CoerceArg(arg="x", to="float", unit=unit)
    for unit in ("°", "a b", "/L", "kg/", "m/s/s", "1/s"):
        with pytest.raises(ValueError):
            CoerceArg(arg="x", to="float", unit=unit)


def _heat(heat: Any) -> Any:
    if not isinstance(heat, (int, float)) or isinstance(heat, bool):
        return f"Error: heat must be a number, got {heat!r}"
    return {"heating_to": heat}


def _call(ep: Any, written: Any, meant: float, accepted: list[Any]) -> bool:
    """One call as the agent makes it: whether its first attempt succeeded."""
    args: dict[str, Any] = {"heat": written}
    for attempt in range(3):
        sent = ep.before_tool("oven", args)
        result = _heat(**sent)
        if ep.on_tool_result("oven", sent, result):
            ep.on_tool_error("oven", sent, result)
            args = {"heat": meant}  # the model's own fix
            continue
        accepted.append(sent["heat"])
        return attempt == 0
    return False


def test_unseen_temperatures_are_repaired_and_another_scale_is_not() -> None:
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, seed=3, cache_ttl_s=float("inf"), mining="inline")
        accepted: list[Any] = []
        for i, (text, meant) in enumerate([("180°C", 180.0), ("220°C", 220.0), ("160°C", 160.0)]):
            with evo.episode(task=f"learn {i}") as ep:
                _call(ep, text, meant, accepted)
                ep.finish(reward=1.0)
        clean = 0
        for j, (text, meant) in enumerate([("200°C", 200.0), ("175°C", 175.0), ("90°C", 90.0)] * 3):
            with evo.episode(task=f"use {j}") as ep:
                clean += _call(ep, text, meant, accepted)
                ep.finish(reward=1.0)
        assert clean >= 6, (clean, [(s.name, [v.strategy.repair for v in s.versions]) for s in lib.skills()])
        wrong = []
        for k, (text, meant) in enumerate([("356°F", 180.0), ("392°F", 200.0)]):
            with evo.episode(task=f"fahrenheit {k}") as ep:
                before = len(accepted)
                _call(ep, text, meant, accepted)
                wrong += [v for v in accepted[before:] if v != meant]
                ep.finish(reward=1.0)
        assert wrong == [], wrong  # 356°F never reached the oven as 356
