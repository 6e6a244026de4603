"""A name the tool's declaration gives may hold a long number: it names no customer's record.

inject5 (2026-12-07) held every name guidance may show to the record rule (no run of five digits) so
that an error or a key the agent built from a record cannot put one customer's number in every
later prompt. Tool names and the arguments a schema declares come from the tool's declaration, not
from a call: ``orders_api_v20240101`` (an API dated in its name), ``iso20022_pay``, ``gb18030_decode``.
Held to the record rule, such a tool lost its declared schema (a warning, then nothing) and never got
a skill at all; an argument its schema declares, ``iban_iso13616``, got no schema repair.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from test_injection_attacks import _loop

from skillevo import Evolver, SkillLibrary
from skillevo._tool_schema import declare_tools

DATED_TOOL = "orders_api_v20240101"


def test_a_tool_named_with_a_date_gets_its_schema_declared() -> None:
    evo = Evolver(SkillLibrary(":memory:"), seed=0)
    schema = {"properties": {"region": {"type": "string"}}, "required": ["region"]}
    declare_tools(evo, [{"name": DATED_TOOL, "parameters": schema}])
    assert evo.tools.schema(DATED_TOOL) is not None


def test_a_tool_named_with_a_date_learns_from_its_errors() -> None:
    texts = _loop(DATED_TOOL, {"amount": 5}, "missing required argument 'region'", {"amount": 5, "region": "eu"})
    assert any(f"`{DATED_TOOL}`" in t and "`region`" in t for t in texts), texts


def test_a_record_number_an_error_glues_to_a_name_stays_out() -> None:
    # The record rule still holds where the name is the error's: `acct_88812345678` names a record.
    texts = _loop(DATED_TOOL, {"amount": 5}, "missing required argument 'acct_88812345678'")
    assert texts
    assert not any("88812345678" in t for t in texts)


def test_an_argument_a_schema_declares_with_a_long_number_gets_a_schema_repair() -> None:
    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, seed=0)
    schema: dict[str, Any] = {
        "properties": {"iban_iso13616": {"type": "string"}, "amount": {"type": "integer"}},
        "required": ["iban_iso13616", "amount"],
    }
    evo.register_tools({"iso20022_pay": schema})
    with evo.episode(task="pay") as ep:
        ep.before_tool("iso20022_pay", {"iban_iso13616": 12345, "amount": "12"})
        ep.finish(reward=1.0)
    repaired = {
        op.arg
        for skill in lib.skills()
        if skill.trigger.tool == "iso20022_pay"
        for v in skill.versions
        if v.strategy.repair is not None
        for op in v.strategy.repair.ops
    }
    assert {"iban_iso13616", "amount"} <= repaired
