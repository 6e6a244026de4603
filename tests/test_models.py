from __future__ import annotations

import pytest
from pydantic import ValidationError

from skillevo import Repair, Skill, Strategy, Trigger, TriggerKind
from skillevo._models import Affix, ArgCondition, SetArg


def test_trigger_matches_tool_glob_error_type_and_patterns() -> None:
    t = Trigger(kind=TriggerKind.TOOL_ERROR, tool="book_*", error_type="ValidationError", pattern=r"date")
    assert t.matches(tool="book_flight", error_type="validationerror", text="bad Date format")
    assert not t.matches(tool="cancel_flight", error_type="ValidationError", text="date")
    assert not t.matches(tool="book_flight", error_type="KeyError", text="date")
    assert not t.matches(tool="book_flight", error_type="ValidationError", text="amount")
    assert not t.matches(tool="book_flight", error_type="ValidationError", text=None)
    assert t.tool_is_glob and not Trigger(tool="x").tool_is_glob


def test_task_pattern_needs_a_task() -> None:
    t = Trigger(kind=TriggerKind.ALWAYS, task_pattern="refund")
    assert t.matches(task="Please REFUND order 7")
    assert not t.matches(task="book a flight")
    assert not t.matches()


def test_validation_errors_name_field_and_value() -> None:
    with pytest.raises(ValidationError) as info:
        Trigger(kind="sometimes")  # type: ignore[arg-type]
    text = str(info.value)
    assert "kind" in text and "sometimes" in text
    with pytest.raises(ValidationError) as info:
        Trigger(pattern="([unclosed")
    assert "pattern" in str(info.value) and "([unclosed" in str(info.value)
    with pytest.raises(ValidationError) as info:
        Skill(name="Bad Name!", trigger=Trigger())
    assert "name" in str(info.value) and "Bad Name!" in str(info.value)


def test_strategy_needs_content_and_caps_guidance() -> None:
    with pytest.raises(ValidationError, match="at least one of guidance, repair or code"):
        Strategy()
    with pytest.raises(ValidationError) as info:
        Strategy(guidance="x" * 601)
    assert "guidance" in str(info.value)
    assert Strategy(guidance="do this").kind == "guidance"
    assert Strategy(repair=Repair(ops=[SetArg(arg="a", value=1)])).kind == "repair"


def test_repair_ops_discriminate_and_roundtrip_json() -> None:
    repair = Repair(
        ops=[Affix(op="add_prefix", arg="id", text="ORD-"), SetArg(arg="x", value={"a": [1, 2]})],
        precondition=[ArgCondition(arg="id", regex=r"\d+")],
    )
    again = Repair.model_validate_json(repair.model_dump_json())
    assert again == repair
    with pytest.raises(ValidationError) as info:
        Repair.model_validate({"ops": [{"op": "explode", "arg": "a"}]})
    assert "explode" in str(info.value)
