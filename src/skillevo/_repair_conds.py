"""Preconditions read from a correction's failed values: a dropped argument's empty value, and the
values a zero-pad may act on; and whether a repair's precondition holds on a call."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import _regex
from ._arg_paths import MISSING, expand, get_path, has_star
from ._models import ArgCondition, Pad, Repair

__all__ = ["empty_value", "pad_condition", "precondition_holds", "type_name"]


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


def type_name(value: Any) -> str:
    """A JSON value's type as a precondition names it (``int``, ``float``, ``str``, ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    return {int: "int", float: "float", str: "str", list: "list", dict: "dict"}.get(type(value), "str")


def precondition_holds(repair: Repair, args: dict[str, Any]) -> bool:
    """Whether the repair should be applied *before* this call (False when it has no precondition)."""
    if not repair.precondition:
        return False
    for cond in repair.precondition:
        if has_star(cond.arg):  # some element of the list
            values = [get_path(args, p) for p in expand(args, cond.arg)] or [MISSING]
            if not any(_holds(cond, value) for value in values):
                return False
        elif not _holds(cond, get_path(args, cond.arg)):
            return False
    return True


def _holds(cond: ArgCondition, value: Any) -> bool:
    present = value is not MISSING
    if cond.present is not None and present != cond.present:
        return False
    if cond.type is not None and (not present or type_name(value) != cond.type):
        return False
    return cond.regex is None or (present and _regex.fullmatch(cond.regex, str(value)))
