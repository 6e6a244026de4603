"""Secrets in SQL text: a value that sits, by position, under a column named like a secret.

``INSERT INTO users (name, password) VALUES ('bob', '...'), (...)`` names the secret in its column
list and holds it rows away, with no ``=`` or ``:`` for the pair rule to read (``UPDATE ... SET
password = '...'`` is a pair, read there). Each row's value under a secret column (the key-word rule)
is hidden. A driver's log prints the statement with positional placeholders (``?``, ``%s``,
``%(name)s``, ``$1``) and the bound values after it (``params=(...)``, SQLAlchemy's ``[parameters:
(...)]``, an ``executemany`` list of rows): a placeholder under a secret column, in ``VALUES`` or
after ``secret_column =``, hides the bound value at its position (``$N``: the N-th, whatever its
place); the bound values may be a tuple or a list (TypeORM's ``-- PARAMETERS: ["...", 3]``).

A row under a secret column that does not close (a statement cut short, or more cells than
`_MAX_CELLS`) hides the rest of the text from its opening bracket, and reading stops there: its
value cannot be told from what follows, and hostile text repeating ``INSERT INTO t (password) VALUES
(`` would otherwise have each statement's row read to the end of the text (quadratic).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ._secret_keys import is_secret_key

__all__ = ["sql_spans"]

# A statement that names columns: "INSERT [OR REPLACE|IGNORE] INTO t (a, b) VALUES (", and UPDATE.
_INSERT = re.compile(
    r"\b(?:insert|replace)\s+(?:[a-z]{1,16}\s+){0,3}?into\s+[^\s(]{1,128}\s*\((?P<cols>[^()]{1,4096})\)\s*values\s*(?=\()",
    re.IGNORECASE,
)
_UPDATE = re.compile(r"\bupdate\s+[^\s(]{1,128}\s+set\s", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\?|%s|%\(\w{1,64}\)s|\$\d{1,3}")
_OPEN = re.compile(r"[(\[]")
_LABEL = re.compile(r"\[\s*[A-Za-z][\w ]{0,32}:")
_STATEMENT_END = re.compile(r"[;\]\n]")
_NOT_A_VALUE = frozenset({"null", "default", "true", "false"})
_MAX_ROWS = 10_000
_MAX_CELLS = 256
_PARAMS_WINDOW = 256  # how far after a statement its bound values may start


def _names(cols: str) -> list[str]:
    return [c.strip().strip("`\"[]'").rsplit(".", 1)[-1] for c in cols.split(",")]


def _tuple(text: str, pos: int) -> tuple[list[tuple[int, int]], int] | None:
    """The cells of the row at `pos` (``text[pos]`` is ``(``, or ``[`` for a list of bound values) as
    (start, end) spans, quotes left on, and the position after its closing bracket; None when it does
    not close (within the cell bound)."""
    closer = ")" if text[pos] == "(" else "]"
    cells: list[tuple[int, int]] = []
    i, n = pos + 1, len(text)
    start, depth = i, 0
    while i < n:
        c = text[i]
        if c == "\\" and text[i + 1 : i + 2] in ("'", '"'):  # an escaped quote opens a literal (SQL inside JSON)
            close = text.find(text[i : i + 2], i + 2)
            i = n if close < 0 else close + 2
            continue
        if c in "'\"":
            close = i + 1
            while close < n:
                if text[close] == "\\":
                    close += 2
                    continue
                if text[close] == c:
                    if close + 1 < n and text[close + 1] == c:  # SQL's doubled quote
                        close += 2
                        continue
                    break
                close += 1
            i = close + 1
            continue
        if c in "([":
            depth += 1
        elif c in ")]":
            if depth == 0:
                if c == closer:
                    cells.append((start, i))
                    return cells, i + 1
            else:  # (at depth 0 a bracket of the other kind closes nothing)
                depth -= 1
        elif c == "," and depth == 0:
            cells.append((start, i))
            if len(cells) > _MAX_CELLS:
                return None
            start = i + 1
        i += 1
    return None


def _value(text: str, span: tuple[int, int]) -> tuple[int, int] | None:
    """The part of a cell to hide: a quoted literal's inside, a bare literal, or None (a placeholder,
    NULL, an empty cell)."""
    lo, hi = span
    while lo < hi and text[lo].isspace():
        lo += 1
    while hi > lo and text[hi - 1].isspace():
        hi -= 1
    cell = text[lo:hi]
    if not cell or cell.lower() in _NOT_A_VALUE or _PLACEHOLDER.fullmatch(cell) or cell.startswith("[REDACTED"):
        return None
    quote = len(cell) - len(cell.lstrip("\\")) + 1  # an opening quote, escaped or not (SQL inside JSON)
    if cell[quote - 1 : quote] in ("'", '"') and cell.endswith(cell[:quote]) and len(cell) >= 2 * quote:
        return (lo + quote, hi - quote) if hi - lo > 2 * quote else None
    return lo, hi


class _Unclosed(Exception):
    """A row from `pos` that does not close: the rest of the text is hidden."""

    def __init__(self, pos: int) -> None:
        super().__init__(pos)
        self.pos = pos


def _rows(text: str, pos: int) -> Iterator[tuple[list[tuple[int, int]], int]]:
    """The rows from `pos` on: ``(...), (...)`` (or ``[...], [...]``: JSON rows)."""
    for _ in range(_MAX_ROWS):
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if pos >= len(text) or text[pos] not in "([":
            return
        row = _tuple(text, pos)
        if row is None:
            raise _Unclosed(pos)
        yield row
        pos = row[1]
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if pos >= len(text) or text[pos] != ",":
            return
        pos += 1


def _bound(text: str, after: int, secret: set[int]) -> Iterator[tuple[int, int, str]]:
    """The bound values at the `secret` positions of the rows that follow a statement ending at `after`."""
    start = -1
    for found in _OPEN.finditer(text, after, after + _PARAMS_WINDOW):
        start = found.start()
        if text[start] == "(":
            break
        if _LABEL.match(text, start):  # "[parameters: (...)]": a bracketed label, the values inside it
            start = -1
            continue
        # A list: of rows (``executemany``), or itself the row (``PARAMETERS: ["..", 3]``).
        inner = start + 1
        while inner < len(text) and text[inner] in " \t\r\n":
            inner += 1
        if inner < len(text) and text[inner] in "([":
            start = inner
        break
    if start < 0:
        return
    for cells, _ in _rows(text, start):
        for i in secret:
            if i < len(cells) and (span := _value(text, cells[i])) is not None:
                yield (*span, "secret")


def sql_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """Spans of `text` holding a value under a secret column of an INSERT or an UPDATE (see the module)."""
    try:
        yield from _statement_spans(text)
    except _Unclosed as cut:
        yield cut.pos + 1, len(text), "secret"


def _statement_spans(text: str) -> Iterator[tuple[int, int, str]]:
    if "NSERT" in text or "nsert" in text or "EPLACE" in text or "eplace" in text:
        pos = 0
        while (m := _INSERT.search(text, pos)) is not None:
            secret = {i for i, name in enumerate(_names(m.group("cols"))) if is_secret_key(name)}
            pos = m.end()
            if not secret:
                continue
            bound: set[int] = set()  # placeholder ordinals under a secret column
            for cells, end in _rows(text, m.end()):
                pos = end
                ordinal = 0
                for i, cell in enumerate(cells):
                    found = _PLACEHOLDER.fullmatch(text[cell[0] : cell[1]].strip())
                    if found is not None and i in secret:
                        bound.add(_slot(found.group(0), ordinal))
                    ordinal += found is not None
                    if i in secret and (span := _value(text, cell)) is not None:
                        yield (*span, "secret")
            if bound:
                yield from _bound(text, pos, bound)
    if "PDATE" in text or "pdate" in text:
        pos = 0
        while (m := _UPDATE.search(text, pos)) is not None:
            stop = _STATEMENT_END.search(text, m.end(), m.end() + 4096)
            end = stop.start() if stop else min(len(text), m.end() + 4096)
            pos = end  # statements do not overlap: each placeholder is read once
            bound, last = set(), m.end()
            for ordinal, p in enumerate(_PLACEHOLDER.finditer(text, m.end(), end)):
                last = p.end()
                if is_secret_key(_assigned(text, p.start(), m.end())):
                    bound.add(_slot(p.group(0), ordinal))
            if bound:
                yield from _bound(text, last, bound)


def _slot(placeholder: str, ordinal: int) -> int:
    """The bound value's position a placeholder takes: PostgreSQL's ``$N`` names its parameter by
    number (``SET name = $2, password = $1``); the others take the next one."""
    return int(placeholder[1:]) - 1 if placeholder.startswith("$") else ordinal


_IDENTIFIER = frozenset('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"`[].')


def _assigned(text: str, at: int, floor: int) -> str:
    """The column a placeholder at `at` is assigned to (``password = ?``), or "" when none is."""
    j = at - 1
    while j >= floor and text[j] in " \t":
        j -= 1
    if j < floor or text[j] != "=":
        return ""
    j -= 1
    while j >= floor and text[j] in " \t":
        j -= 1
    end = j + 1
    while j >= floor and end - j <= 80 and text[j] in _IDENTIFIER:
        j -= 1
    return text[j + 1 : end].strip('`"[]').rsplit(".", 1)[-1]
