"""Structured-error rules read what an error reports, not the call's arguments it echoes back.

LangChain's tool node answers a call that fails its pydantic ``args_schema`` with one message that
quotes the whole call (``Error invoking tool 'x' with kwargs {...} with error: ...``), then one
``name: message`` clause per problem; skillevo stores it flattened to one line. Every sent argument
is named in it, and so is the tool.
"""

from __future__ import annotations

from skillevo._detect import classify_error
from skillevo._guidance_facts import extra_fields, fields_named, without_echo
from skillevo._models import DropArg
from skillevo._structured import structured_rule


def _flat(tool: str, args: dict[str, object], *clauses: str) -> str:
    text = f"Error invoking tool '{tool}' with kwargs {args!r} with error:\n " + "\n".join(clauses)
    return " ".join((text + "\n Please fix the error and try again.").split())


def test_an_unaccepted_argument_is_dropped_alone() -> None:
    args: dict[str, object] = {"member_ref": 700123, "tier": "gold", "effective_on": "2025-03-04", "confirm": True}
    message = _flat("update_tier", args, "member_ref: Input should be a valid string",
                    "confirm: Extra inputs are not permitted")
    rule = structured_rule("update_tier", message, "extra_arg", args, 3)
    assert rule is not None and rule.repair is not None
    assert rule.repair.ops == [DropArg(arg="confirm")]
    assert extra_fields(message, args) == ["confirm"]


def test_missing_arguments_are_the_reported_ones() -> None:
    args: dict[str, object] = {"confirm": True}
    message = _flat("credit_note", args, "member_ref: Field required", "amount_cents: Field required",
                    "confirm: Extra inputs are not permitted")
    assert classify_error(message) == "missing_arg"
    rule = structured_rule("credit_note", message, "missing_arg", args, 3)
    assert rule is not None and rule.guidance is not None
    assert "`amount_cents`, `member_ref`" in rule.guidance  # (a set, shown sorted: test_attack_split_lists)
    assert "`credit_note`" not in rule.guidance.split("requires", 1)[1]


def test_an_element_of_a_sent_list_is_no_missing_argument() -> None:
    args: dict[str, object] = {"sku_list": [100234, 100777], "window_hours": 12}
    message = _flat("recall", args, "sku_list.0: Input should be a valid string",
                    "sku_list.1: Input should be a valid string", "reason: Field required")
    rule = structured_rule("recall", message, "missing_arg", args, 3)
    assert rule is not None and rule.guidance is not None
    assert "`reason`" in rule.guidance and "sku_list" not in rule.guidance


def test_a_name_after_parameter_and_colon() -> None:
    assert "remit_code" in fields_named("Error: missing required parameter: remit_code")


def test_without_echo_keeps_set_literals_and_drops_mappings() -> None:
    assert without_echo("bad {'a': {'b': 1}} and {'c'}") == "bad <...> and ('c')"
    assert fields_named("keyboard layout") == []


def test_an_error_body_is_read_not_dropped_as_an_echo() -> None:
    # A tool answering with its error as JSON: the mapping is what the error reports, not the call.
    missing = 'Error: {"error": "missing required field", "field": "customer_id"}'
    rule = structured_rule("t", missing, "missing_arg", {"name": "a"}, 3)
    assert rule is not None and rule.guidance is not None and "`customer_id`" in rule.guidance
    extra = "Error: {\"error\": \"unexpected argument 'color'\"}"
    rule = structured_rule("t", extra, "extra_arg", {"color": "red", "sku": "a"}, 3)
    assert rule is not None and rule.repair is not None and rule.repair.ops == [DropArg(arg="color")]
    assert without_echo("kwargs {'message': 'hi', 'channel': 'ops'} with error: x") == "kwargs <...> with error: x"


def test_an_echoed_reason_is_still_an_echo() -> None:
    args: dict[str, object] = {"reason": "item missing from the box", "confirm": True}
    message = _flat("credit_note", args, "member_ref: Field required", "confirm: Extra inputs are not permitted")
    rule = structured_rule("credit_note", message, "missing_arg", args, 3)
    assert rule is not None and rule.guidance is not None
    assert "`member_ref`" in rule.guidance and "`reason`" not in rule.guidance


def _raw(tool: str, args: dict[str, object], *clauses: str) -> str:
    """The tool node's message as the agent sees it (one clause a line)."""
    return f"Error invoking tool '{tool}' with kwargs {args!r} with error:\n " + "\n".join(clauses) + (
        "\n Please fix the error and try again."
    )


def test_allowed_values_are_the_argument_s_whose_clause_declares_them() -> None:
    # Two mistakes in one call: the first clause is about another argument; the declared set is
    # the second's. The guidance named the first ("`badge` must be one of `red`, `blue`, `green`").
    args: dict[str, object] = {"badge": "B7", "colour": "crimson", "floor": 3}
    message = _raw("issue_badge", args, "badge: String should match pattern '^B\\d{3}$'",
                   "colour: Input should be 'red', 'blue' or 'green'")
    rule = structured_rule("issue_badge", message, "enum", args, 3)
    assert rule is not None and rule.guidance is not None
    assert "`colour` must be one of" in rule.guidance, rule.guidance
    assert "`badge`" not in rule.guidance
    # Clauses in the other order: still the argument whose clause declares the set.
    message = _raw("issue_badge", args, "floor: Input should be less than 3",
                   "colour: Input should be 'red', 'blue' or 'green'")
    rule = structured_rule("issue_badge", message, "enum", args, 3)
    assert rule is not None and rule.guidance is not None and "`colour` must be one of" in rule.guidance, rule


def test_the_allowed_values_of_a_flattened_message_are_read_up_to_the_next_clause() -> None:
    from skillevo._guidance_facts import declared_values

    args: dict[str, object] = {"plan": "gold", "start": "2026-01-01"}
    plan = "plan: Input should be 'hmo', 'ppo' or 'hdhp'"
    last = _flat("enroll", args, plan)
    middle = _flat("enroll", args, plan, "start: Input should be a valid date")
    assert declared_values(last, args) == ["hmo", "ppo", "hdhp"]
    assert declared_values(middle, args) == ["hmo", "ppo", "hdhp"]
    # Unquoted members still end only at a sentence's end: what runs on is prose, not a list.
    assert declared_values("Error: plan must be one of hmo, ppo or hdhp Please fix it", args) == []
