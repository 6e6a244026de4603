"""Adversary's pass over the conversions `conform` and the schema renames make before a call: a
conversion must never hand the tool a value that means something else than what was sent.

* JSON text read into an array or object was parsed by `json.loads` as it is: a number the float
  cannot hold was rounded (``'{"qty": 1.0000000000000001}'`` -> ``{"qty": 1}``) where the same
  number sent as a plain numeric text is refused; ``NaN`` / ``Infinity`` / ``1e400`` (no JSON
  numbers) became floats no JSON tool can read; and a key written twice kept its last value, one of
  two meanings (``{"role": "user", "role": "admin"}``).
* an integer in scientific notation with a huge exponent raised `decimal.InvalidOperation` out of
  `conform` instead of being refused.
* a member or argument named as a declared one "but for case and separators" was compared with
  every character that is not an ASCII letter or digit removed: ``price_$`` became ``price_€``,
  ``total_%`` became ``total``, and any all non-ASCII key (``割引``, discount) became the only
  absent all non-ASCII declared one (``税``, tax).
"""

from __future__ import annotations

from typing import Any

import pytest

from skillevo._conform import NO, conform
from skillevo._schema_repair import findings

_QTY = {"type": "object", "properties": {"qty": {"type": "integer"}}}
_NUMBERS = {"type": "array", "items": {"type": "number"}}


@pytest.mark.parametrize(("text", "schema"), [
    ('{"qty": 1.0000000000000001}', _QTY),
    ("[2.00000000000000001]", {"type": "array", "items": {"type": "integer"}}),
    ("[0.1000000000000000055511151231257827021181583404541015625000001]", _NUMBERS),
    ("[NaN]", _NUMBERS),
    ("[Infinity, -Infinity]", _NUMBERS),
    ("[1e400]", _NUMBERS),
    ('{"qty": 1, "qty": 100}', _QTY),
    ('{"role": "user", "role": "admin"}', {"type": "object"}),
    ('[{"role": "user", "role": "admin"}]', {"type": "array", "items": {"type": "object"}}),
])
def test_json_text_that_is_not_exactly_one_json_value_is_refused(text: str, schema: dict[str, Any]) -> None:
    assert conform(text, schema) is NO


def test_json_text_that_writes_its_numbers_exactly_still_converts() -> None:
    assert conform('{"qty": 3}', _QTY) == {"qty": 3}
    assert conform("[0.1, 2.5, 1e3]", _NUMBERS) == [0.1, 2.5, 1000.0]
    assert conform('{"a": {"b": 1}, "c": [1, 2]}', {"type": "object"}) == {"a": {"b": 1}, "c": [1, 2]}


@pytest.mark.parametrize("text", ["1e99999999999999999999", "-1e99999999999999999999", "1e-99999999999999999999"])
def test_a_huge_exponent_is_refused_not_raised(text: str) -> None:
    assert conform(text, {"type": "integer"}) is NO
    assert conform(text, {"type": "number"}) is NO


@pytest.mark.parametrize(("sent", "declared"), [
    ("price_$", "price_€"),
    ("total_%", "total"),
    ("割引", "税"),
    ("c++", "c#"),
])
def test_a_member_differing_by_more_than_case_and_separators_is_not_renamed(sent: str, declared: str) -> None:
    schema = {"type": "object", "properties": {declared: {"type": "number"}, "note": {"type": "string"}}}
    value = {sent: 5, "note": 7}  # the note's conversion asks conform to touch this object
    out = conform(value, schema)
    assert out is NO or (sent in out and declared not in out)


def test_an_argument_differing_by_more_than_case_and_separators_is_not_renamed() -> None:
    schema = {"properties": {"price": {"type": "number"}}, "required": ["price"]}
    assert not any(f.strategy.repair for f in findings("pay", {"price_$": 5}, schema))


def test_case_and_separators_still_rename() -> None:
    schema = {"type": "object", "properties": {"postal_code": {"type": "string"}, "prix_€": {"type": "number"}}}
    assert conform({"postalCode": "75001", "Prix-€": 5}, schema) == {"postal_code": "75001", "prix_€": 5}
    top = {"properties": {"file_name": {"type": "string"}}, "required": ["file_name"]}
    [found] = findings("save", {"fileName": "a.txt"}, top)
    assert found.strategy.repair is not None
