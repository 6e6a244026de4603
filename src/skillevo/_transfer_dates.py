"""Where a learned date re-format reaches beyond its argument's name: the tool's other dates.

A date written the wrong way (``02/27/2026`` for ``2026-02-27``) is the policy's habit for dates,
not for one argument's name: an API that renames ``date`` to ``start_date`` gets the same
US-style date under the new name, and a re-format keyed on ``date`` alone then never fires (the
mistake reaches the model on every call of the renamed argument, its fix a model turn each, until
that argument's own corrections are mined). So a re-format is also offered, as a candidate tested
against doing nothing like every transfer, to the arguments whose name ends in the same word
(``date``: ``start_date``, ``dueDate``), on the source's tool as on the others, where no
declaration or success says they hold anything but text. It is offered as every transfer is
(`_transfer._semantically_safe`): a date whose day and month read both ways is left to the
target's own corrections to prove. So is a two-digit year (`year_guard`): its century is its
argument's meaning (``03/14/26`` a booking's 2026, ``07/19/45`` a ``birth_date``'s 1945), and a
re-format learned on one argument wrote ``2045-07-19`` for every later birth date (attack33).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._models import ArgCondition, ReformatDate, Repair
from ._untrusted import name_words

if TYPE_CHECKING:
    from ._transfer import ToolCatalog

__all__ = ["date_kin", "last_word", "reformats_date", "year_guard"]

#: A value that writes its year in full (every common format without ``%y`` does).
_FULL_YEAR = r".*\d{4}.*"


def reformats_date(repair: Repair) -> bool:
    """Whether every edit of the one-argument `repair` is a date re-format."""
    return bool(repair.ops) and all(isinstance(op, ReformatDate) for op in repair.ops)


def last_word(name: str) -> str:
    """The last word of an argument's name, lower-cased (``dueDate``, ``due_date``: ``date``)."""
    words = name_words(name.rsplit(".", 1)[-1])
    return words[-1] if words else ""


def date_kin(catalog: ToolCatalog, tool: str, arg: str) -> list[str]:
    """The top-level arguments of `tool` other than `arg` whose name ends in `arg`'s last word, of no
    type but text as far as declarations and successful calls tell."""
    if "." in arg:
        return []
    word = last_word(arg)
    if not word:
        return []
    return sorted(
        other
        for other in catalog.args_of({tool})
        if other != arg and last_word(other) == word and catalog.arg_type(tool, other) in (None, "str")
    )


def year_guard(op: ReformatDate) -> list[ArgCondition] | None:
    """The conditions under which `op` may re-format another argument's dates, or None where it may
    not: a format reading a two-digit year takes its century from the source's dates; one naming no
    format reads two-digit years too, and is kept to dates that write the year in full."""
    if op.from_format is None:
        return [ArgCondition(arg=op.arg, regex=_FULL_YEAR)]
    return None if "%y" in op.from_format else []
