"""Hostile tool schemas (an MCP server's ``inputSchema`` is input like any other)."""

from __future__ import annotations

from typing import Any

from skillevo import Evolver, SkillLibrary
from skillevo._schema_repair import findings
from skillevo._tool_schema import tool_schema


def _fan_out(width: int) -> dict[str, Any]:
    """References that fan out to each other: inlined naively, width ** depth nodes."""
    node = {f"k{i}": {"$ref": "#/$defs/A"} for i in range(width)}
    return {
        "name": "bomb",
        "inputSchema": {
            "type": "object",
            "$defs": {"A": {"type": "object", "properties": node}},
            "properties": {f"p{i}": {"$ref": "#/$defs/A"} for i in range(width)},
        },
    }


def test_a_schema_that_inlines_past_the_node_budget_is_not_declared() -> None:
    assert tool_schema(_fan_out(60)) is None  # 3.6 KB of JSON; naively inlined, billions of nodes


def test_a_schema_within_the_budget_is_still_inlined() -> None:
    found = tool_schema(_fan_out(3))
    assert found is not None and found[0] == "bomb"
    assert found[1]["properties"]["p0"]["properties"]["k0"]["type"] == "object"


def test_a_secret_default_is_never_proposed_as_the_value_to_send() -> None:
    schema = {
        "properties": {
            "api_key": {"type": "string", "default": "sk_live_51HxVfeJq2C8xU4kQ9vY7pZtRmN3bW"},
            "region": {"type": "string", "default": "eu"},
        },
        "required": ["api_key", "region"],
    }
    found = {f.arg: f for f in findings("pay", {}, schema)}
    assert found["region"].strategy.repair is not None  # a plain default is a candidate repair
    secret = found["api_key"]
    assert secret.strategy.repair is None and secret.strategy.guidance is not None
    assert "sk_live" not in secret.strategy.guidance and "REDACTED" not in secret.strategy.guidance


def test_a_declared_secret_default_never_reaches_a_call(tmp_path: Any) -> None:
    with SkillLibrary(tmp_path / "lib.db") as lib:
        evo = Evolver(lib, miner=None)
        evo.register_tools(
            {"pay": {"properties": {"password": {"type": "string", "default": "hunter2-Correct-Horse"}},
                     "required": ["password"]}}
        )
        for _ in range(5):
            ep = evo.episode("pay")
            sent = ep.before_tool("pay", {})
            assert "password" not in sent
            ep.finish(1.0)
