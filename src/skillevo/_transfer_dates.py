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

import re
from typing import TYPE_CHECKING

from ._models import ArgCondition, ReformatDate, Repair
from ._repair_dates import unambiguous_date_regex
from ._untrusted import name_words

if TYPE_CHECKING:
    from ._transfer import ToolCatalog

__all__ = ["DATE_SHAPES", "SEEN_DATES", "SeenDates", "date_kin", "last_word", "other_orders", "reformats_date",
           "shape_of", "written_shape", "year_guard"]

#: A value that writes its year in full (every common format without ``%y`` does).
_FULL_YEAR = r".*\d{4}.*"
#: The ISO shapes a re-format writes and an argument holds: its declared ``format``, or the one shape
#: its successful calls sent. A date-time is written to the second or the minute, with no zone (a
#: zone is the task's data, `_repair_dates.adds_time_zone`).
DATE_SHAPES = {"date": re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII),
               "date-time": re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?", re.ASCII)}
_WRITES = {"%Y-%m-%d": "date", "%Y-%m-%dT%H:%M:%S": "date-time", "%Y-%m-%dT%H:%M": "date-time"}
#: The numeric dates with the year in full, in either order: a re-format learned from one also reads
#: the others' dates that read one way only (`other_orders`).
_ORDERS = ("%m/%d/%Y", "%d/%m/%Y", "%m-%d-%Y", "%d-%m-%Y", "%d.%m.%Y")
#: The successful calls, all sending one ISO shape, that make an undeclared argument a date.
SEEN_DATES = 2


def reformats_date(repair: Repair) -> bool:
    """Whether every edit of the one-argument `repair` is a date re-format."""
    return bool(repair.ops) and all(isinstance(op, ReformatDate) for op in repair.ops)


def last_word(name: str) -> str:
    """The last word of an argument's name, lower-cased (``dueDate``, ``due_date``: ``date``)."""
    words = name_words(name.rsplit(".", 1)[-1])
    return words[-1] if words else ""


def shape_of(value: str) -> str:
    """``"date"`` or ``"date-time"`` for a text in that ISO shape, else ``"text"``."""
    if len(value) <= 19 and value[:1].isdigit():
        for name, regex in DATE_SHAPES.items():
            if regex.fullmatch(value):
                return name
    return "text"


class SeenDates:
    """The ISO shapes (`shape_of`) of the texts each tool's arguments were sent in successful calls."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], tuple[frozenset[str], int]] = {}

    def seen(self, tool: str, arg: str, value: str) -> bool:
        """Count a successful text of `arg`; returns whether the argument just became a date (`shape`)."""
        kinds, count = self._seen.get((tool, arg), (frozenset(), 0))
        if count >= SEEN_DATES and (len(kinds) > 1 or "text" in kinds):
            return False  # (text for good: no shape read any more)
        shape = shape_of(value)
        if count >= SEEN_DATES and shape in kinds:
            return False
        kinds, count = kinds | {shape}, count + 1
        self._seen[(tool, arg)] = (kinds, count)
        return count == SEEN_DATES and len(kinds) == 1 and shape != "text"

    def shape(self, tool: str, arg: str) -> str | None:
        """The one ISO shape `tool`'s `arg` was sent in, `SEEN_DATES` successful calls at least; else None."""
        kinds, count = self._seen.get((tool, arg), (frozenset(), 0))
        return next(iter(kinds)) if count >= SEEN_DATES and len(kinds) == 1 and "text" not in kinds else None


def written_shape(repair: Repair) -> str | None:
    """The ISO shape (`DATE_SHAPES`) every date re-format of `repair` writes, or None (another format,
    or formats of two shapes)."""
    shapes = {_WRITES.get(op.to_format) for op in repair.ops if isinstance(op, ReformatDate)}
    return shapes.pop() if len(shapes) == 1 else None


def date_kin(catalog: ToolCatalog, tool: str, arg: str, written: str | None = None) -> list[str]:
    """The top-level arguments of `tool` other than `arg`, of no type but text as far as declarations
    and successful calls tell, that hold dates: those whose name ends in `arg`'s last word, and those
    declared (``format``) or only ever seen succeeding (`SEEN_DATES` calls) in the shape `written`,
    the one the re-format writes (a ``valid_until`` declared ``format: date``, a ``joined_on`` sent
    ``2026-01-15``): a date's kind is what it holds, not its name (before 2026-12-07 only the name
    counted)."""
    if "." in arg:
        return []
    word = last_word(arg)
    return sorted(
        other
        for other in catalog.args_of({tool})
        if other != arg and "." not in other and catalog.arg_type(tool, other) in (None, "str")
        and ((word and last_word(other) == word)
             or (written is not None and catalog.date_shape(tool, other) == written))
    )


def other_orders(repair: Repair) -> Repair | None:
    """The one-argument date re-format `repair` widened to the numeric dates of the other orders and
    separators (`_ORDERS`) whose day is above 12, or None where it reads no such date. Such a date reads
    one way only, so writing it in the source's format is lossless (``27.02.2026`` -> ``2026-02-27``
    beside a re-format of ``02/27/2026``); one whose day and month read both ways (``03.04.2026``), or a
    two-digit year, is not read: its order or century is the argument's, for its own corrections to
    prove. The widened re-format names no format: the common formats must all read the date alike."""
    ops = repair.ops
    if len(ops) != 1 or not isinstance(op := ops[0], ReformatDate) or op.from_format not in _ORDERS:
        return None
    shapes = [unambiguous_date_regex(f) for f in _ORDERS if f != op.from_format]
    regex = "|".join(f"(?:{r})" for r in shapes if r is not None)
    return Repair(ops=[op.model_copy(update={"from_format": None})],
                  precondition=[ArgCondition(arg=op.arg, regex=regex)])


def year_guard(op: ReformatDate) -> list[ArgCondition] | None:
    """The conditions under which `op` may re-format another argument's dates, or None where it may
    not: a format reading a two-digit year takes its century from the source's dates; one naming no
    format reads two-digit years too, and is kept to dates that write the year in full."""
    if op.from_format is None:
        return [ArgCondition(arg=op.arg, regex=_FULL_YEAR)]
    return None if "%y" in op.from_format else []
