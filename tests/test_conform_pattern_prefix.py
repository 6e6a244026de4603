"""A schema-aware repair for an identifier sent without the literal head its declared pattern
requires: ``"40321"`` where ``^PKG_[0-9]{5}$`` is declared conforms as ``"PKG_40321"``. The head is
the tool's own declaration (never a customer's value a correction carried), so the conversion adds
nothing the caller did not send but what the schema forces. Before, such a call only got guidance
("matching the pattern ..."), and the model's own correction was refused as a constant written into
a field that holds a person when the argument named one (an account or member id)."""

from __future__ import annotations

from typing import Any

import pytest

from skillevo._conform import NO, conform
from skillevo._schema_repair import findings

_PARCEL = {"type": "string", "pattern": "^PKG_[0-9]{5}$"}


@pytest.mark.parametrize(
    ("value", "schema", "want"),
    [
        ("40321", _PARCEL, "PKG_40321"),
        (" 40321 ", _PARCEL, "PKG_40321"),
        ("40321", {"type": "string", "pattern": r"^ACCT\-\d+$"}, "ACCT-40321"),
        ("7", {"type": "string", "pattern": r"^v\d+(\.\d+)*$"}, "v7"),
    ],
)
def test_the_declared_literal_head_is_added(value: str, schema: dict[str, Any], want: str) -> None:
    assert conform(value, schema) == want


@pytest.mark.parametrize(
    ("value", "schema"),
    [
        ("4032", _PARCEL),  # the rest does not fit either: no guess
        ("PKG-40321", _PARCEL),  # another spelling of the head: not this conversion's to fix
        ("40321", {"type": "string", "pattern": "^(PKG|BOX)_[0-9]{5}$"}),  # which head? refused
        ("40321", {"type": "string", "pattern": "^PKG_[0-9]{5}$|^[0-9]{7}$"}),  # a union of patterns
        ("40321", {"type": "string", "pattern": "^P?KG_[0-9]{5}$"}),  # an optional letter: no one head
        ("40321", {"type": "string", "pattern": "PKG_[0-9]{5}"}),  # not anchored: the head may be anywhere
        ("", _PARCEL),
    ],
)
def test_nothing_else_is_guessed(value: str, schema: dict[str, Any]) -> None:
    assert conform(value, schema) is NO


def test_the_schema_proposes_a_repair_not_only_guidance() -> None:
    schema = {"properties": {"member_id": {"type": "string", "pattern": "^MBR-[0-9]{6}$"}}, "required": ["member_id"]}
    found = findings("renew", {"member_id": "004512"}, schema)
    assert len(found) == 1 and found[0].strategy.repair is not None
    op = found[0].strategy.repair.ops[0].model_dump(mode="json")
    assert op["op"] == "conform" and "004512" not in str(op)  # the declaration, never the caller's value
