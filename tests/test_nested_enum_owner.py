"""A closed set declared for a member of an object or list argument is not that argument's set.

pydantic locates the failing member (``channels.0.kind``, ``schedule.frequency``); CrewAI appends
the schema with every argument's name quoted, so the only sent argument the message named was the
container, and the miner wrote "`channels` must be one of `email`, `slack`, `pager`" (a list of
objects told to be one word) into guidance. Deterministic, offline.
"""

from __future__ import annotations

from skillevo._structured import structured_rule

_SCHEMA = (
    '\nExpected arguments: {"metric": {"enum": ["cpu", "memory"], "type": "string"}, '
    '"channels": {"items": {"$ref": "#/$defs/Channel"}, "type": "array"}}\nRequired: ["metric", "channels"]'
)


def test_a_member_set_is_not_given_to_its_container() -> None:
    for loc, args in (
        ("channels.0.kind", {"metric": "cpu", "channels": [{"kind": "Slack", "target": "#ops"}]}),
        ("schedule.frequency", {"metric": "cpu", "schedule": {"frequency": "nightly", "at": "02:00"}}),
    ):
        message = (
            f"Arguments validation failed: 1 validation error for AlertArgs\n{loc}\n"
            "  Input should be 'email', 'slack' or 'pager' [type=literal_error, input_value='Slack', input_type=str]"
            + _SCHEMA.replace("channels", loc.split(".")[0])
        )
        rule = structured_rule("alert", message, "enum", args, 3)
        container = loc.split(".")[0]
        assert rule is None or f"`{container}` must be" not in (rule.guidance or ""), rule


def test_a_top_level_set_is_still_named() -> None:
    message = (
        "Arguments validation failed: 1 validation error for AlertArgs\nmetric\n"
        "  Input should be 'cpu' or 'memory' [type=literal_error, input_value='mem', input_type=str]" + _SCHEMA
    )
    rule = structured_rule("alert", message, "enum", {"metric": "mem", "channels": []}, 3)
    assert rule is not None and "`metric` must be one of `cpu`, `memory`" in (rule.guidance or ""), rule
