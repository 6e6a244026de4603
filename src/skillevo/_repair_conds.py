"""Preconditions read from a correction's failed values: a dropped argument's empty value, and the
values a zero-pad may act on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._arg_paths import get_path
from ._models import ArgCondition, Pad

__all__ = ["empty_value", "pad_condition"]


def empty_value(arg: str, pairs: Sequence[tuple[dict[str, Any], dict[str, Any]]]) -> list[ArgCondition]:
    """A dropped argument's failed values, when every one is null or empty text: then its *value*
    was the mistake (the tool takes the argument), and the drop must leave a real value alone
    (``in_stock: true`` dropped because ``in_stock: null`` was refused would change the call)."""
    values = [get_path(bad, arg) for bad, _ in pairs]
    if values and all(v is None for v in values):
        return [ArgCondition(arg=arg, type="null")]
    if values and all(isinstance(v, str) and not v.strip() for v in values):
        return [ArgCondition(arg=arg, type="str", regex=r"\s*")]
    return []


def pad_condition(op: Pad, failed: Sequence[Any]) -> ArgCondition:
    """The values a zero-pad (no prefix) acts on: shorter than its width; a number's digits only when
    every failed value was an integer (a negative number or a wider one is no id that lost its zeros)."""
    if failed and all(type(v) is int for v in failed):
        return ArgCondition(arg=op.arg, type="int", regex=f"\\d{{1,{op.width - 1}}}")
    return ArgCondition(arg=op.arg, regex=f".{{0,{op.width - 1}}}")
