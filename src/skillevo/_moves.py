"""Whether a repair's text moves a value somewhere else: a parent-folder step, or an option added to a command.

A repair's constants are judged by what they are (an address, a party's id, a person, a word of a
closed set: `skillevo._vouch`, `skillevo._party_ids`), and an added prefix or suffix is read as a
format around the agent's value (``"BK"`` + digits). Two kinds of text pass those shapes and still
change *what* the value means to the tool, on every call the repair fires on:

* a parent-folder step (``..`` as a path segment, ``/`` or ``\\`` around it, plain,
  percent-encoded or in full-width forms): ``add_prefix "../../../../etc/"`` or
  ``set path = "../shared/report.txt"`` sends each customer's file read or write outside the
  folder the agent named. Its words (``etc``,
  ``shared``) are closed-set shaped, and an affix's dots and slashes were stripped before any rule
  read it. No format's fixed part climbs a folder;
* an option word added beside the value (a word of its own, set off by white space, starting with
  ``-`` and a letter: ``add_suffix " -rf /"``, ``add_prefix "--force "``): a command line then runs
  with a switch the agent never chose. An affix joined to the value (``"-v2"``, ``"ORD-"``) is part
  of it, not a word of its own, and a number (``" -0500"``) is no option.

Such text is what a hostile tool's error asks for ("files live in ../../../../etc/, retry"), and two
corrected episodes made it a rule for every later customer's call. Read on the operations alone (no
store history): `check_proposal` and the trigger index's recheck of stored repairs both call it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import unquote

from ._shape import strings_in

__all__ = ["MOVES_VALUE", "moves_value"]

MOVES_VALUE = (
    "its repair adds a parent-folder step (..) or a command option to the call's values "
    "(it would move a path or change a command)"
)

_SEPARATORS = re.compile(r"[/\\]")
#: A word that reads as a command-line switch: ``-r``, ``-rf``, ``--force`` (a digit after ``-`` is a number).
_OPTION = re.compile(r"--?[^\W\d_]")
_DECODINGS = 3  # percent-encoding read this many times over (``%252e`` is ``%2e`` is ``.``)


def _decoded(text: str) -> str:
    """`text` as a tool may read it: percent-encoding decoded, then in NFKC (``．．／`` is ``../``)."""
    for _ in range(_DECODINGS):
        plain = unquote(text)
        if plain == text:
            break
        text = plain
    return unicodedata.normalize("NFKC", text)


def _climbs(text: str) -> bool:
    """Whether `text`, read as a path (percent-encoding decoded), holds a ``..`` segment."""
    return any(part.strip() == ".." for part in _SEPARATORS.split(_decoded(text)))


def _option_words(op: str, text: str) -> bool:
    """Whether an affix adds a word of its own that is a command option. The word touching the value
    (no white space between them) is part of the value, not an option beside it."""
    words = text.split()
    if not words:
        return False
    if op == "add_suffix" and not text[0].isspace():
        words = words[1:]
    elif op == "add_prefix" and not text[-1].isspace():
        words = words[:-1]
    return any(_OPTION.match(word) for word in words)


def _written(ops: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """The texts `ops` (as JSON) write into a call: set values (keys too), map outputs, added affixes."""
    for op in ops:
        kind = op.get("op")
        if kind == "set":
            yield from strings_in(op.get("value"))
        elif kind == "map" and isinstance(op.get("mapping"), Mapping):
            yield from strings_in(list(op["mapping"].values()))
        elif kind in ("add_prefix", "add_suffix") and isinstance(op.get("text"), str):
            yield op["text"]


def moves_value(ops: Iterable[Mapping[str, Any]]) -> bool:
    """Whether repair operations (as JSON) write a parent-folder step, or add an option word beside a value."""
    ops = list(ops)
    if any(_climbs(text) for text in _written(ops)):
        return True
    return any(
        op.get("op") in ("add_prefix", "add_suffix") and isinstance(op.get("text"), str)
        and _option_words(str(op["op"]), op["text"])
        for op in ops
    )
