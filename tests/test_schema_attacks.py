"""Hostile tool schemas (an MCP server's ``inputSchema`` is input like any other)."""

from __future__ import annotations

from typing import Any

from skillevo import Evolver, SkillLibrary
from skillevo._repair import apply_repair
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


def test_a_secrets_declared_constants_never_reach_the_library_file(tmp_path: Any) -> None:
    """A conversion repair stores the argument's declared schema: a secret's default or allowed
    values must not ride along into the file (nor its exports)."""
    schema = {"properties": {"password": {"type": "string", "default": "hunter2-Correct-Horse"},
                             "pin": {"type": "integer", "enum": [4711, 8642]},
                             "pins": {"type": "array", "items": {"type": "integer", "enum": [5390, 7777]}}},
              "required": []}
    path = tmp_path / "lib.db"
    with SkillLibrary(path) as lib:
        evo = Evolver(lib, miner=None)
        evo.register_tools({"login": schema})
        with evo.episode("login") as ep:
            ep.before_tool("login", {"password": 12345678, "pin": "4711", "pins": ["5390"]})
            ep.finish(1.0)
        repairs = {s.name.split("-")[2]: s.versions[0].strategy.repair for s in lib.skills()}
        assert set(repairs) == {"password", "pin", "pins"}
        call = {"password": 12345678, "pin": "4711", "pins": ["5390"]}
        for repair in repairs.values():
            assert repair is not None
            call = apply_repair(repair, call)
        assert call == {"password": "12345678", "pin": 4711, "pins": [5390]}  # the conversions still apply
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("lib.db*"))
    for secret in (b"hunter2", b"8642", b"7777"):
        assert secret not in raw


def test_the_store_strips_a_secrets_constants_from_a_conversion_from_any_road(tmp_path: Any) -> None:
    from skillevo import Strategy, Trigger, TriggerKind
    from skillevo._models import ConformArg, Repair

    repair = Repair(ops=[ConformArg(arg="api_token", to={"type": "string", "enum": ["tok-Abcdef-123456"],
                                                          "default": "tok-Abcdef-123456"})])
    with SkillLibrary(tmp_path / "lib.db") as lib:
        version = lib.add_skill("imported", Trigger(kind=TriggerKind.BEFORE_TOOL, tool="t"), Strategy(repair=repair))
        stored = version.strategy.repair
    assert stored is not None and stored.ops[0].to == {"type": "string"}  # type: ignore[union-attr]
