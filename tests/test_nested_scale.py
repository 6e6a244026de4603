"""Semantic safety of scale for members of declared objects and lists.

``368.0`` for an integer declared "in cents" is 368 cents or 368.00 in the larger unit. At the top of
a call the schema's integral-float cast was already refused there (`test_scale_and_meaning`); as a
member (``price.amount``, ``lines[].price_cents``) it was made, before 2026-12-07, and the call
reached the tool as 368 cents. A member whose declaration says no unit (``qty``) is still cast.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from skillevo._repair import apply_repair, same_args
from skillevo._schema_repair import findings
from skillevo._tool_schema import tool_schema


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True)


class Price(_Strict):
    amount: int = Field(description="Amount in cents")


class Line(_Strict):
    sku: str
    price_cents: int
    qty: int


class Charge(_Strict):
    ref: str
    price: Price
    lines: list[Line]


class _Tool:
    name = "charge"
    args_schema = Charge


def _schema() -> dict[str, Any]:
    found = tool_schema(_Tool())
    assert found is not None
    return found[1]


def _repaired(args: dict[str, Any]) -> list[dict[str, Any]]:
    return [apply_repair(f.strategy.repair, args) for f in findings("charge", args, _schema()) if f.strategy.repair]


def test_a_float_member_counted_at_a_scale_gets_guidance_not_a_cast() -> None:
    args = {"ref": "r", "price": {"amount": 368.0}, "lines": [{"sku": "a", "price_cents": 12.0, "qty": 1}]}
    assert _repaired(args) == []
    guidance = [f.strategy.guidance for f in findings("charge", args, _schema())]
    assert any("price.amount" in (g or "") for g in guidance)


def test_a_stored_member_cast_leaves_a_scaled_member_alone() -> None:
    """The repair drawn from a ``qty`` mistake is applied to later calls: their ``price_cents`` as sent."""
    (repair,) = [f.strategy.repair for f in findings(
        "charge", {"ref": "r", "price": {"amount": 368}, "lines": [{"sku": "a", "price_cents": 12, "qty": 2.0}]},
        _schema()) if f.strategy.repair]
    later = {"ref": "r", "price": {"amount": 1}, "lines": [{"sku": "b", "price_cents": 99.0, "qty": 3.0}]}
    (line,) = apply_repair(repair, later)["lines"]
    assert same_args(line, {"sku": "b", "price_cents": 99.0, "qty": 3})  # (types compared: 99 == 99.0 in Python)
