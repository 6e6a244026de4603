"""Semantic safety of scale: a float sent where a unit-counted integer is declared is no lossless cast.

``"amount": 368.0`` for an integer declared "Amount in cents" reads two ways: 368 cents, or 368.00
in the larger unit the sender wrote a decimal number in (36800 cents). The schema's integral-float
cast is made only where the argument's declaration says no unit or scale (``"limit": 20.0``);
elsewhere guidance only, until the tool's own corrections prove the mapping.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from skillevo import Evolver, SkillLibrary
from skillevo._schema_repair import findings


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True)


class Charge(_Strict):
    ref: str
    amount: int = Field(description="Amount in cents")
    limit: int = Field(default=10, description="How many lines to show")


class Wait(_Strict):
    ticket: str
    timeout_ms: int


TOOLS = {"charge": Charge, "wait": Wait}


def _schema(tool: str) -> dict[str, Any]:
    return TOOLS[tool].model_json_schema()


def _run(tool: str, args: dict[str, Any]) -> Any:
    try:
        return {"ok": TOOLS[tool].model_validate(args).model_dump()}
    except ValidationError as exc:
        return "Error: " + " ".join(str(exc).splitlines()[:3])


def test_a_declaration_naming_a_unit_or_scale_is_read_as_one() -> None:
    from skillevo._unit_names import says_a_scale

    assert says_a_scale("amount", "Amount in cents")
    assert says_a_scale("price_cents", None)
    assert says_a_scale("timeout_ms", None)
    assert says_a_scale("total", "Total in the smallest currency unit")
    assert says_a_scale("fee", "Fee in minor units")
    assert not says_a_scale("limit", "How many lines to show")
    assert not says_a_scale("count", None)


def test_an_integral_float_for_a_unit_counted_integer_gets_guidance_not_a_cast() -> None:
    found = findings("charge", {"ref": "r1", "amount": 368.0}, _schema("charge"))
    assert [f.strategy.repair for f in found if f.arg == "amount"] == [None]
    assert all(f.strategy.guidance for f in found if f.arg == "amount")
    (waited,) = findings("wait", {"ticket": "t", "timeout_ms": 1.0}, _schema("wait"))
    assert waited.strategy.repair is None
    # No unit or scale said: the integral float is that integer (the lossless cast stands), and a
    # numeric text for the unit-counted integer writes the integer itself.
    (limit,) = findings("charge", {"ref": "r1", "amount": 100, "limit": 20.0}, _schema("charge"))
    assert limit.strategy.repair is not None
    (text,) = findings("charge", {"ref": "r1", "amount": "36800"}, _schema("charge"))
    assert text.strategy.repair is not None


def test_a_float_amount_never_succeeds_at_another_scale() -> None:
    """The agent means 368.00 in the larger unit: no call may reach the tool as 368 cents."""
    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, seed=0, cache_ttl_s=float("inf"), mining="inline")
    evo.register_tools({name: model.model_json_schema() for name, model in TOOLS.items()})
    succeeded: list[Any] = []
    for i in range(12):
        with evo.episode(task=f"bill {i}") as ep:
            dollars = 100 + 7 * i
            args: dict[str, Any] = {"ref": f"r{i}", "amount": float(dollars)}
            for _ in range(3):
                sent = ep.before_tool("charge", dict(args))
                result = _run("charge", sent)
                if not ep.on_tool_result("charge", sent, result):
                    succeeded.append(sent["amount"])
                    break
                retry = ep.on_tool_error("charge", sent, result)
                if retry is not None:
                    result = _run("charge", retry)
                    if not ep.on_tool_result("charge", retry, result):
                        succeeded.append(retry["amount"])
                        break
                args = {"ref": f"r{i}", "amount": dollars * 100}  # the agent's own fix
            ep.finish(reward=1.0)
    assert succeeded and all(a >= 10_000 for a in succeeded), succeeded


def test_an_optional_unit_counted_integer_is_read_the_same_way() -> None:
    schema = {"properties": {"fee": {"anyOf": [{"type": "integer"}, {"type": "null"}],
                                     "description": "Fee in minor units"}}}
    assert all(f.strategy.repair is None for f in findings("t", {"fee": 12.0}, schema))
    assert any(f.strategy.repair is not None for f in findings("t", {"fee": "12"}, schema))


def _tally(args: dict[str, Any]) -> Any:
    return {"ok": True} if isinstance(args.get("amount"), int) else "Error: amount must be an integer"


def test_a_float_cast_learned_where_no_scale_is_said_is_not_offered_where_one_is() -> None:
    """`tally` (no schema) takes a whole count: its corrections prove ``3.0`` -> ``3`` there. `charge`
    declares its `amount` in cents: the same cast there would bill 368.0 as 368 cents."""
    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, seed=0, cache_ttl_s=float("inf"), mining="inline")
    evo.register_tools({"charge": Charge.model_json_schema(), "count": {
        "properties": {"ref": {"type": "string"}, "amount": {"type": "integer", "description": "How many"}},
        "required": ["ref", "amount"]}})
    for i in range(4):
        with evo.episode(task=f"t{i}") as ep:
            sent = ep.before_tool("tally", {"ref": f"r{i}", "amount": float(3 + i)})
            result = _tally(sent)
            if ep.on_tool_result("tally", sent, result):
                ep.on_tool_error("tally", sent, result)
                fixed = ep.before_tool("tally", {"ref": f"r{i}", "amount": 3 + i})
                ep.on_tool_result("tally", fixed, _tally(fixed))
            ep.finish(reward=1.0)
    assert any(s.trigger.tool == "tally" and s.versions[0].strategy.repair for s in lib.skills())
    transferred = {s.trigger.tool for s in lib.skills() if s.versions[0].origin.miner == "transfer"}
    assert "count" in transferred and "charge" not in transferred
    with evo.episode(task="bill") as ep:
        assert ep.before_tool("charge", {"ref": "x", "amount": 368.0})["amount"] == 368.0
