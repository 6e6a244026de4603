"""Secrets in a table: a column whose header names a secret.

A database or spreadsheet tool answers with a table (CSV, TSV, semicolons, a Markdown table), where
a secret's name is a column header and its values sit in the rows below, with no ``:`` or ``=``
between name and value for the pair rule to read. A header is a line of at least two short cells
(at most four words each, no sentence punctuation); each column whose header is a secret key (the
key-word rule, a trailing note such as "(prod)" left out) is hidden in every following row of the
same number of cells, and so is a row's value cell beside a label cell naming a secret (``name,value``
rows, and in a two-column table any column beside a value column: ``setting,value``; read by
`named_secret_fields` as it reads a dict). A Markdown separator row (``|---|``) is skipped.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from ._secret_forms import named_secret_fields
from ._secret_keys import is_secret_key, key_words

__all__ = ["table_spans"]

_DELIMITERS = (",", "\t", "|", ";")
_MAX_CELLS = 64
_MAX_HEADER = 48  # characters of a header cell
_SEPARATOR = re.compile(r"\s*:?-{3,}:?\s*")
_BORDER = re.compile(r"[ \t]*\+[-=+]{2,512}\+[ \t]*")
_SENTENCE = re.compile(r"[.!?]\s|[.!?]$")
_STRIP = " \t\"'`*"
#: Last words of a header naming the entry of its row (as `named_secret_fields` reads them).
_LABEL_WORDS = frozenset({"name", "key", "header", "field", "param", "parameter", "variable", "var", "label"})
_HOLDER_WORDS = frozenset({"value", "values", "val", "data", "content", "contents", "text", "secret"})


def _cells(line: str, delimiter: str) -> list[tuple[int, int]]:
    """(start, end) of each cell of `line` (quotes honoured for CSV), spaces and quotes trimmed."""
    bounds: list[tuple[int, int]] = []
    if '"' in line and delimiter in ",;":
        start, quoted = 0, False
        for i, c in enumerate(line):
            if c == '"':
                quoted = not quoted
            elif c == delimiter and not quoted:
                bounds.append((start, i))
                start = i + 1
        bounds.append((start, len(line)))
    else:  # (str.split: a Python loop over every character of every line cost 150 us a table)
        start = 0
        for part in line.split(delimiter):
            bounds.append((start, start + len(part)))
            start += len(part) + 1
    if len(bounds) > _MAX_CELLS:
        return []
    out = []
    for lo, hi in bounds:
        cell = line[lo:hi]
        kept = cell.strip(_STRIP)
        if not kept:
            out.append((lo, lo))
            continue
        lead = len(cell) - len(cell.lstrip(_STRIP))
        out.append((lo + lead, lo + lead + len(kept)))
    return out


def _header(line: str, cells: list[tuple[int, int]]) -> list[str] | None:
    """The header names of a line, or None when it does not read as a header."""
    names = [line[lo:hi] for lo, hi in cells]
    real = [n for n in names if n]
    if len(real) < 2:
        return None
    for name in real:
        if len(name) > _MAX_HEADER or len(name.split()) > 4 or _SENTENCE.search(name):
            return None
    return names


_NOTE = re.compile(r"\s*\([^()]{0,40}\)\Z")


def _secret_columns(names: list[str]) -> list[int]:
    """The columns whose header (a trailing note such as "(prod)" left out) names a secret: any
    header `_header` accepts, up to four words ("Admin user password", "SMTP relay server password")."""
    return [j for j, n in enumerate(names) if n and is_secret_key(_NOTE.sub("", n) or n)]


def _table_end(lines: list[tuple[int, str]], i: int, delimiter: str, count: int) -> int:
    """The index after the lines from `i` on that hold `count` delimiters (a table's rows)."""
    while i < len(lines) and lines[i][1].count(delimiter) == count:
        i += 1
    return i


def table_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """Spans of `text` holding a secret column's cells (see the module)."""
    texts = text.split("\n")
    starts = itertools.accumulate((len(t) + 1 for t in texts[:-1]), initial=0)
    lines = list(zip(starts, texts, strict=True))
    i = 0
    while i < len(lines) - 1:
        line = lines[i][1].rstrip("\r")
        i += 1
        for delimiter in _DELIMITERS:
            if delimiter not in line or delimiter not in line.strip(" \t" + delimiter):
                continue  # no delimiter between two cells: not a header ('  "id": 0,' in JSON)
            cells = _cells(line, delimiter)
            names = _header(line, cells) if cells else None
            if names is None:
                continue
            columns = _secret_columns(names)
            last = [key_words(n)[-1:] if n else () for n in names]
            holders = [j for j, w in enumerate(last) if not _HOLDER_WORDS.isdisjoint(w)]
            labels = [j for j, w in enumerate(last) if not _LABEL_WORDS.isdisjoint(w)]
            if not holders:
                labels = []  # a label column needs a value column beside it ("name,value")
            elif len(names) == 2 and not labels:  # two columns, one the value: the other names it ("setting,value")
                labels = [1 - holders[0]]
            if not columns and not labels:
                # a table of nothing secret: its rows are not read, nor tried as headers
                i = _table_end(lines, i, delimiter, line.count(delimiter))
                break
            k = i
            rows = 0
            while k < len(lines):
                row_start, row = lines[k][0], lines[k][1].rstrip("\r")
                if _BORDER.fullmatch(row):  # a drawn table's rule line ("+------+------+", as mysql prints)
                    k += 1
                    continue
                row_cells = _cells(row, delimiter) if delimiter in row else []
                if len(row_cells) != len(cells):
                    break
                k += 1
                values = [row[lo:hi] for lo, hi in row_cells]
                if all(_SEPARATOR.fullmatch(v) or not v for v in values):
                    continue
                rows += 1
                hidden = set(columns)
                if any(values[j] and is_secret_key(values[j]) for j in labels):  # a "name,value" row naming a secret
                    named = named_secret_fields(dict(zip(names, values, strict=True)))
                    hidden.update(j for j, n in enumerate(names) if n in named)
                for j in hidden:
                    lo, hi = row_cells[j]
                    if hi > lo and not values[j].startswith("[REDACTED"):
                        yield row_start + lo, row_start + hi, "secret"
            if rows:
                i = k  # the table's rows are not headers of another
                break
