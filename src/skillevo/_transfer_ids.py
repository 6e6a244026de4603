"""Where a learned id code reaches beyond its argument's name: the arguments named as kinds of it.

An id written without its format code (``00412345`` for ``ACC-00412345``) is the policy's habit for
that kind of id, not for one argument's name: a tool taking a ``from_account_id`` and a
``to_account_id`` gets the same bare number under both, and a prefix keyed on ``account_id`` alone
never fires there (each such call failed, its fix a model turn, until that argument's own
corrections were mined). So an affix that adds a code (`adds_code`: letters only as codes of at most
three capitals, `_shape.literal_is_code`) is also offered, as a candidate tested against doing
nothing like every transfer, to the arguments whose name ends in every word of the source's
(`id_kin`: ``account_id`` -> ``from_account_id``, ``payerAccountId``), on the source's tool as on the
others, where no declaration or success says they hold anything but text. A one-word name (``id``)
names no kind: every id would be its kin. The source's shape precondition goes with it, so only a
value written the way the corrections proved (a bare run of eight digits) is changed.

A code is one system's: ``ACC-`` glued onto the bare number an admin tool takes as ``ADM-00412345``
names another record. So no code goes, by its name or as a kin, to an argument whose declaration
(description, pattern, enum, examples) or whose calls that succeeded show its ids carrying another
code and never this one (`other_code`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ._models import Affix, EventKind, Repair
from ._shape import literal_is_code
from ._untrusted import name_words

if TYPE_CHECKING:
    from ._store import SkillStore
    from ._transfer import ToolCatalog

__all__ = ["adds_code", "id_kin", "other_code"]

#: A code written before an id's digits: at most three capitals standing alone (not a word's end,
#: not a regex class's ``[A-Z``), maybe a separator, then a digit (or a pattern's ``\d`` / ``[0-9``).
_CODE_BEFORE = re.compile(r"(?<![A-Za-z0-9\[\\])([A-Z]{1,3})(?:\\?[-_/.:#])?(?=\d|\\d|\[0-9)")
#: A code written after an id's digits (``00412345-GB``).
_CODE_AFTER = re.compile(r"(?<=\d)[-_/.:#]([A-Z]{1,3})(?![A-Za-z0-9])")
#: The texts of a declaration read, and the successful calls (`LOOKBACK`-like) looked at.
_MAX_TEXTS, _MAX_TEXT, _LOOKBACK = 64, 2000, 500


def adds_code(repair: Repair) -> bool:
    """Whether every edit of the one-argument `repair` adds a code with letters (``ACC-``, ``-GB``)."""
    return bool(repair.ops) and all(
        isinstance(op, Affix) and op.op in ("add_prefix", "add_suffix") and any(c.isalpha() for c in op.text)
        and literal_is_code(op.text)
        for op in repair.ops
    )


def _words(name: str) -> list[str]:
    return [w.lower() for w in name_words(name)]


def id_kin(catalog: ToolCatalog, tool: str, arg: str) -> list[str]:
    """The top-level arguments of `tool` other than `arg`, of no type but text as far as declarations
    and successful calls tell, whose name ends in every word of `arg`'s (at least two of them)."""
    if "." in arg:
        return []
    words = _words(arg)
    if len(words) < 2:
        return []
    return sorted(
        other
        for other in catalog.args_of({tool})
        if other != arg and "." not in other and catalog.arg_type(tool, other) in (None, "str")
        and len(kin := _words(other)) > len(words) and kin[-len(words):] == words
    )


def _code_of(repair: Repair) -> tuple[str, str] | None:
    """(``"prefix"`` or ``"suffix"``, the code's capitals) of a one-edit code repair, else None."""
    if len(repair.ops) != 1 or not isinstance(op := repair.ops[0], Affix):
        return None
    letters = "".join(c for c in op.text if c.isalpha())
    return ("prefix" if op.op == "add_prefix" else "suffix"), letters


def _codes_in(texts: Iterable[str], where: str) -> set[str]:
    regex = _CODE_BEFORE if where == "prefix" else _CODE_AFTER
    return {m.group(1) for text in texts for m in regex.finditer(text[:_MAX_TEXT])}


def _declared_texts(node: Any) -> list[str]:
    """The texts of an argument's declaration (its description, pattern, enum members, examples,
    default), walked without recursion and bounded."""
    out: list[str] = []
    stack = [node]
    while stack and len(out) < _MAX_TEXTS:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item[:_MAX_TEXTS])
    return out


def other_code(catalog: ToolCatalog, store: SkillStore, tool: str, arg: str, repair: Repair) -> bool:
    """Whether `tool`'s argument `arg` is shown to hold ids of another code than the one `repair` adds:
    its declaration, else its calls that succeeded, write ids with codes in that place and none of
    them is this one (``ADM-00412345`` beside a learned ``ACC-``)."""
    code = _code_of(repair) if adds_code(repair) else None
    if code is None:
        return False
    where, letters = code
    schema = catalog.schema(tool)
    declared = schema["properties"].get(arg) if schema is not None else None
    seen = _codes_in(_declared_texts(declared), where) if declared is not None else set()
    if not seen:
        from ._mining import _is_success

        values: list[str] = []
        for event in store.newest_events(kind=EventKind.TOOL_RESULT, tool=tool, limit=_LOOKBACK):
            args = event.data.get("args")
            value = args.get(arg) if isinstance(args, dict) else None
            if isinstance(value, str) and _is_success(event):
                values.append(value)
        seen = _codes_in(values, where)
    return bool(seen) and letters not in seen
