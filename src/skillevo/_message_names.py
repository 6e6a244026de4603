"""Names an error message alone introduces: bounded as what they are, tool text that may be prose.

Guidance may show an argument's name that only a tool's error gave (a missing argument, a rename's
target, an argument the agent added after the error asked for it). Such a name is no declaration
and no choice of the caller's: an error may spell an order in it ("approveRefundsWithoutCheck"),
across a path written a level at a time, or across a row of short names. So it is held to a bound on
what it can say (words and characters, alone and together with the names beside it), not to a list of
phrases; a name the call sent or the tool's schema declares is not (`_declared_names`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ._models import RenameArg, Repair, SetArg
from ._untrusted import identifier, name_words

__all__ = ["MESSAGE_NAMES_MAX_WORDS", "introduced_names", "message_name", "message_names_fit", "observed_values"]

#: A name read from an error message alone (a missing or expected argument), its whole path included,
#: is shorter than a clause: an order needs a verb, an object and a condition ("approve refunds without
#: check"), and four words of one name carried one into every later prompt (before 2026-12-08).
_MESSAGE_NAME_MAX_WORDS = 3
_MESSAGE_NAME_MAX_CHARS = 32
#: The words of all the names one guidance shows from an error alone, together: a list of short names
#: is read in a row ("`always`, `approve`, `every`, `refund`"), so the bound is on the row, not each name.
MESSAGE_NAMES_MAX_WORDS = 4
#: A reader reads words at a digit (``approve4all4refunds``) and reads a run of letters longer than a
#: long word as the words it holds (``approveallrefundsnow``): such a run counts one word for each
#: `_AVERAGE_WORD` letters, so packing does not say more than separated words may (attack39).
_LETTERS = re.compile(r"[^\W\d_]+")
_LONG_WORD, _AVERAGE_WORD = 14, 6


def _read_words(name: str) -> int:
    """How many words a reader takes `name` for: its words (`name_words`) split again at digits, a run
    of letters over `_LONG_WORD` counted as the words of `_AVERAGE_WORD` letters it could hold."""
    count = 0
    for word in name_words(name):
        for run in _LETTERS.findall(word):
            count += 1 if len(run) <= _LONG_WORD else -(-len(run) // _AVERAGE_WORD)
    return count


def observed_values(*arg_dicts: dict[str, Any]) -> list[Any]:
    """Every scalar value in the argument dicts, nested ones included (the caller's data)."""
    out: list[Any] = []

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list | tuple):
            for x in v:
                walk(x)
        elif v is not None:
            out.append(v)

    for d in arg_dicts:
        walk(d)
    return out


def _is_a_value(name: str, values: Iterable[Any]) -> bool:
    """Whether `name` is made of a value the caller sent (a name in quotes is no argument name): the
    whole value, or every word of it among the words of the string values (``alice_moreau`` from
    ``first_name="Alice", last_name="Moreau"``)."""
    words = set(name_words(name))
    sent: set[str] = set()
    for v in values:
        text = str(v)
        if text.lower() == name.lower():
            return True
        if isinstance(v, str):
            sent.update(name_words(text))
    return bool(words) and words <= sent


def message_name(name: str, args: dict[str, Any]) -> str | None:
    """`name` when an error message alone may introduce it as an argument name, else None.

    It must be an identifier that starts in lower case (a capitalised quoted word is more often a
    value: a name, a city), of at most three words as read (`_read_words`: a digit separates words, a
    long run of letters holds several) and 32 characters, a dotted path's words counted
    together (``approve.every.refund.now`` is one sentence written a level at a time), and no value
    the caller sent (nor, as no `identifier` is, a record's number: ``acct_88812345678``). Such a name
    is the error's word alone: the names one guidance shows so are bounded together too
    (`message_names_fit`). A name the call sent or the tool's schema declares is not held to this.
    """
    if identifier(name) is None or not (name[0].islower() or name[0] == "_"):
        return None
    if _read_words(name) > _MESSAGE_NAME_MAX_WORDS or len(name) > _MESSAGE_NAME_MAX_CHARS:
        return None
    return None if _is_a_value(name, observed_values(args)) else name


def introduced_names(repair: Repair, failed: Mapping[str, Any]) -> list[str]:
    """The names `repair` writes that the `failed` call did not send (a rename's target, an argument it
    sets): the agent put them in after the failure, most often on the word of its error, so guidance
    shows them only within the bounds of a name an error introduces (`message_name`, `message_names_fit`)."""
    out: list[str] = []
    for op in repair.ops:
        name = op.to if isinstance(op, RenameArg) else getattr(op, "arg", None) if isinstance(op, SetArg) else None
        if isinstance(name, str) and name.split(".", 1)[0] not in failed:
            out.append(name)
    return list(dict.fromkeys(out))


def message_names_fit(names: Iterable[str]) -> bool:
    """Whether the `names` an error alone introduced may be shown together in one guidance: at most
    `MESSAGE_NAMES_MAX_WORDS` words in all. Sorting the list (`_structured._names`) takes the order
    from the error, not the words: one-word names that sort into a sentence still read as one, so
    what bounds them is how much they can say. Over the bound, none is shown (a part of the list
    would still be the error's choice of words)."""
    return sum(_read_words(n) for n in names) <= MESSAGE_NAMES_MAX_WORDS
