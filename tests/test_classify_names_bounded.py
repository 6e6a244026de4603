"""The argument names `classify_error` reads from a call are bounded in all, not per level.

`_classify._argument_names` took up to 200 names at each level of nesting (four levels), so a call
whose arguments held a document of nested objects (200 x 200 keys) had 40,200 names read on the
agent's failed call, each matched against every class's words; 200 x 200 x 200 took seconds.
"""

from __future__ import annotations

from skillevo._classify import _MAX_NAMES, _argument_names, classify_error


def _nested(width: int) -> dict[str, object]:
    return {f"section_{i}": {f"field_{i}_{j}": j for j in range(width)} for i in range(width)}


def test_nested_names_are_bounded_in_all() -> None:
    assert len(_argument_names(_nested(200))) <= _MAX_NAMES


def test_the_call_s_own_names_come_first() -> None:
    args = {"timeout": {f"field_{j}": j for j in range(_MAX_NAMES)}, "statement": "x"}
    names = _argument_names(args)
    assert {"timeout", "statement"} <= names
    assert classify_error("timeout must be a positive number", "", args) == "validation"


def test_nested_names_are_still_read() -> None:
    args = {"options": {"retry": {"timeout_s": -1}}}
    assert "timeout_s" in _argument_names(args)
    assert classify_error("timeout_s must be a positive number", "", args) == "validation"


def test_a_list_of_names_is_read_as_names() -> None:
    assert _argument_names(["timeout", "x", "rate"]) == {"timeout", "rate"}
