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
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._models import Affix, Repair
from ._shape import literal_is_code
from ._untrusted import name_words

if TYPE_CHECKING:
    from ._transfer import ToolCatalog

__all__ = ["adds_code", "id_kin"]


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
