"""A unit cast transfers where the argument's declaration says that unit, and nowhere else.

Tools are strict pydantic models (``"88 bpm"`` for an integer is refused, as a real API refuses
it); their JSON schemas are declared to the Evolver. Before: a cast learned on one argument
reached another tool's argument of another name only when that name ended with the unit's word
(a description saying ``bpm``, ``kg`` or ``days`` was not read: 0 of 3 first calls repaired), it
reached an argument of the same name declared in another unit (``weight`` in pounds got ``"10 kg"``
as 10: 2 of 2 calls sent a wrong number), and a name ending in ``min`` was read as minutes
(``level_min``, a minimum, got the cast of ``"20 min"``). Driven through the real episode API,
deterministic.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from skillevo import Evolver, SkillLibrary


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True)


class Vitals(_Strict):
    patient_id: str
    heart_rate: int = Field(description="Heart rate in bpm")


class Triage(_Strict):
    patient_id: str
    pulse: int = Field(description="Pulse, beats per minute (bpm)")


class Ship(_Strict):
    order_id: str
    weight: float = Field(description="Parcel weight in kg")


class Freight(_Strict):
    order_id: str
    gross: float = Field(description="Gross mass, kilograms")


class Export(_Strict):
    order_id: str
    weight: float = Field(description="Weight in pounds (lb)")


class Lease(_Strict):
    unit_id: str
    term: int = Field(description="Length of the lease in days")


class Hold(_Strict):
    item_id: str
    hold_for: int = Field(description="How many days to hold the item")


class Job(_Strict):
    job_id: str
    timeout_min: int = Field(description="Timeout in minutes")


class Alert(_Strict):
    sensor: str
    level_min: int


class Wait(_Strict):
    ticket: str
    wait_min: int = Field(description="How long to wait, in minutes")


MODELS: dict[str, type[BaseModel]] = {
    "vitals": Vitals,
    "triage": Triage,
    "ship": Ship,
    "freight": Freight,
    "export": Export,
    "lease": Lease,
    "hold": Hold,
    "job": Job,
    "alert": Alert,
    "wait": Wait,
}


def _run(tool: str, args: dict[str, Any]) -> Any:
    try:
        return {"ok": MODELS[tool].model_validate(args).model_dump()}
    except ValidationError as exc:
        return "Error: " + " ".join(str(exc).splitlines()[:3])


def _call(ep: Any, tool: str, bad: dict[str, Any], good: dict[str, Any], sent_first: list[Any]) -> bool:
    """One call as the agent makes it (its own fix after an error); True when the first attempt succeeded."""
    args = bad
    for attempt in range(3):
        sent = ep.before_tool(tool, dict(args))
        if attempt == 0:
            sent_first.append(sent)
        result = _run(tool, sent)
        if not ep.on_tool_result(tool, sent, result):
            return attempt == 0
        ep.on_tool_error(tool, sent, result)
        args = good
    return False


def _learned(tool: str, arg: str, written: list[tuple[Any, str]], key: str) -> tuple[Evolver, SkillLibrary]:
    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, seed=0, cache_ttl_s=float("inf"), mining="inline")
    evo.register_tools({name: model.model_json_schema() for name, model in MODELS.items()})
    for i, (meant, text) in enumerate(written):
        with evo.episode(task=f"learn {i}") as ep:
            _call(ep, tool, {key: f"k{i}", arg: text}, {key: f"k{i}", arg: meant}, [])
            ep.finish(reward=1.0)
    return evo, lib


def _transfers(lib: SkillLibrary) -> set[tuple[str, str]]:
    return {
        (s.trigger.tool, s.versions[0].strategy.repair.ops[0].arg)  # type: ignore[union-attr]
        for s in lib.skills()
        if s.versions[0].origin.miner == "transfer"
    }


def test_a_unit_named_in_the_description_takes_the_cast_before_the_first_failure() -> None:
    cases = [
        (
            "vitals",
            "heart_rate",
            "patient_id",
            [(v, f"{v} bpm") for v in (88, 72, 95, 60, 110, 77)],
            "triage",
            "pulse",
            [(66, "66 bpm"), (101, "101 bpm")],
        ),
        (
            "ship",
            "weight",
            "order_id",
            [(v, f"{v:g} kg") for v in (12.5, 3.0, 40.25, 7.5, 18.0, 2.5)],
            "freight",
            "gross",
            [(1.5, "1.5 kg"), (30.5, "30.5 kg")],
        ),
        (
            "lease",
            "term",
            "unit_id",
            [(v, f"{v} days") for v in (3, 14, 30, 7, 90, 21)],
            "hold",
            "hold_for",
            [(5, "5 days"), (45, "45 days")],
        ),
    ]
    clean = 0
    for tool, arg, key, written, other, other_arg, probes in cases:
        evo, lib = _learned(tool, arg, written, key)
        with lib:
            assert (other, other_arg) in _transfers(lib), (other, _transfers(lib))
            other_key = next(k for k in MODELS[other].model_fields if k != other_arg)
            for j, (meant, text) in enumerate(probes):
                sent: list[Any] = []
                with evo.episode(task=f"use {j}") as ep:
                    clean += _call(
                        ep, other, {other_key: "x", other_arg: text}, {other_key: "x", other_arg: meant}, sent
                    )
                    ep.finish(reward=1.0)
                assert sent[0][other_arg] in (meant, text), sent  # never another number
    assert clean == 6, clean


def test_an_argument_of_the_same_name_in_another_unit_never_gets_the_number() -> None:
    evo, lib = _learned("ship", "weight", [(v, f"{v:g} kg") for v in (12.5, 3.0, 40.25, 7.5)], "order_id")
    with lib:
        assert ("export", "weight") not in _transfers(lib)
        for j, (text, pounds) in enumerate([("10 kg", 22.05), ("5 kg", 11.02)]):
            sent: list[Any] = []
            with evo.episode(task=f"pounds {j}") as ep:
                _call(ep, "export", {"order_id": "e", "weight": text}, {"order_id": "e", "weight": pounds}, sent)
                ep.finish(reward=1.0)
            assert sent[0]["weight"] == text, sent  # the tool's error and the model decide, not a cast


def test_a_name_ending_in_min_is_a_minimum_unless_its_description_says_minutes() -> None:
    evo, lib = _learned("job", "timeout_min", [(v, f"{v} min") for v in (30, 15, 45, 90)], "job_id")
    with lib:
        targets = _transfers(lib)
        assert ("alert", "level_min") not in targets, targets
        assert ("wait", "wait_min") in targets, targets
        sent: list[Any] = []
        with evo.episode(task="level") as ep:
            _call(ep, "alert", {"sensor": "s", "level_min": "20 min"}, {"sensor": "s", "level_min": 20}, sent)
            ep.finish(reward=1.0)
        assert sent[0]["level_min"] == "20 min", sent


def test_what_a_declaration_says() -> None:
    from skillevo._unit_names import units_said

    assert units_said("load_kg", None) == {"kg"}
    assert units_said("weight", "Weight in kilograms") == {"kg"}
    assert units_said("weight", "Weight in lb (1 lb = 0.45 kg)") == {"lb", "kg"}  # two: no cast goes there
    assert units_said("pulse", "beats per minute (bpm)", "bpm") == {"bpm"}  # the rate's minute is no unit
    assert units_said("price_min", None) == set() and units_said("price_min", "Lowest price") == set()
    assert units_said("wait_min", "in minutes") == {"min"}
    assert units_said("kg", None) == set()  # one word: a name, not a unit after one
    assert units_said("note", "a b c d f g h") == set()  # a letter alone in prose is no unit
    assert units_said("dose_tablets", None, "tablets") == {"tablets"}
