"""Terminal output of library text: shown as the model gets it, in tables that fit the terminal.

Everything the library holds (skill descriptions, guidance, repairs, trigger patterns, reasons,
evidence, error messages) was written by a miner, an importer or a tool's output, so it is hostile
text. It reaches the terminal only as `rich.text.Text` built by `visible_text`: Rich markup
(``[conceal]``, ``[link=...]``, ``[/]``) stays literal, and control and format characters (ANSI
escape sequences, OSC 8 hyperlinks, carriage returns, bidi overrides, zero-width characters) are
shown as ``\\x1b``-style escapes, so the reviewer reads every character the model would get.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

__all__ = ["Column", "emit_json", "fitted_table", "framed", "stdout_console", "visible", "visible_line", "visible_text"]

#: The style of a character shown as an escape, so it stands out from text that merely looks like one.
ESCAPE_STYLE = "reverse"
_KEPT = frozenset("\n\t")


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _hidden(ch: str) -> bool:
    # Cc: C0/C1 controls (ESC starts ANSI and OSC sequences, CR rewrites the line); Cf: format
    # characters (bidi overrides, zero-width joiners); Cs/Co/Cn: surrogates, private use,
    # unassigned; Zl/Zp: line and paragraph separators some terminals honour.
    category = unicodedata.category(ch)
    return ch not in _KEPT and (category[0] == "C" or category in ("Zl", "Zp"))


# Printable ASCII, newline and tab are shown as they are; anything else is looked at one by one.
_SUSPECT = re.compile(r"[^\x20-\x7e\n\t]")


def _shown(m: re.Match[str]) -> str:
    ch = m.group(0)
    return _escape(ch) if _hidden(ch) else ch


def visible(text: str) -> str:
    """`text` with every control or format character replaced by its escape (``\\x1b``, ``\\u202e``)."""
    return _SUSPECT.sub(_shown, text)


def visible_text(text: object, style: str = "") -> Text:
    """Library text as a Rich `Text`: markup stays literal, hidden characters show as styled escapes."""
    value = text if isinstance(text, str) else str(text)
    out = Text(style=style)
    start = 0
    for m in _SUSPECT.finditer(value):
        if not _hidden(m.group(0)):
            continue
        out.append(value[start : m.start()])
        out.append(_escape(m.group(0)), style=ESCAPE_STYLE)
        start = m.end()
    out.append(value[start:])
    return out


def visible_line(text: object, style: str = "") -> Text:
    """`visible_text` kept to one line: a line break or tab shows as its escape too.

    For library text printed where the command's own lines are around it (a description between
    the skill's status line and its trigger line): a line break there would print a line the
    reader takes for skillevo's own ("trigger: ...", "status: active").
    """
    shown = visible_text(text, style)
    plain = shown.plain
    if "\n" not in plain and "\t" not in plain:
        return shown
    out = Text(style=style)
    for piece in shown.divide(i for i, ch in enumerate(plain) if ch in "\n\t" for i in (i, i + 1)):
        if piece.plain in ("\n", "\t"):
            out.append(_escape(piece.plain), style=ESCAPE_STYLE)
        else:
            out.append_text(piece)
    return out


def framed(text: Text, title: str) -> Panel:
    """`text` (library text, from `visible_text`) inside a frame titled `title` (skillevo's word).

    For a text of many lines printed between the command's own lines (`show`'s rule per version):
    every line of the text, a wrapped tail included, starts with the frame's border, so no line of
    it (box-drawing dashes around another version's id) reads as one of skillevo's."""
    return Panel(text, title=Text(title), title_align="left", box=box.SQUARE, expand=True)


def stdout_console() -> Console:
    """A console for one command's output, sized from the terminal (or ``$COLUMNS``) when it runs."""
    # Built per command, not at import: the width is read when the command prints.
    return Console(highlight=False, emoji=False)


def emit_json(data: Any) -> None:
    """Write `data` as one JSON document on standard output (ASCII, so no text can drive the terminal)."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=True, allow_nan=False, default=str) + "\n")
    sys.stdout.flush()


@dataclass(frozen=True)
class Column:
    """A table column and how it gives way when the terminal is narrow.

    Attributes:
        header: the heading.
        priority: 0 = always shown; columns with the highest number are dropped first.
        key: an identifier (a name, a version id): never wrapped, never cut, so it can be copied.
        min_width: the narrowest a non-key column may fold to and still be read.
        justify: alignment of the cells.
    """

    header: str
    priority: int = 0
    key: bool = False
    min_width: int = 6
    justify: Literal["left", "right"] = "left"


def _longest_line(cell: Text) -> int:
    return max((cell_len(line) for line in cell.plain.split("\n")), default=0)


def _natural(col: Column, cells: Sequence[Text]) -> int:
    return max([cell_len(col.header), *(_longest_line(c) for c in cells)])


def _needed(col: Column, natural: int) -> int:
    if col.key:
        return natural
    header_word = max((cell_len(w) for w in col.header.split()), default=1)
    return min(natural, max(col.min_width, header_word))


def _table_width(widths: Sequence[int]) -> int:
    # Rich's default box: one edge each side, " | " between columns, one space of padding each side.
    return sum(widths) + 3 * len(widths) + 1


def _widths(columns: Sequence[Column], need: Sequence[int], natural: Sequence[int], width: int) -> list[int]:
    """Every column at its need, then the room left shared out, one cell at a time, up to each natural width."""
    widths = list(need)
    room = width - _table_width(widths)
    growable = [i for i, col in enumerate(columns) if not col.key]
    while room > 0:
        grew = False
        for i in growable:
            if room > 0 and widths[i] < natural[i]:
                widths[i] += 1
                room -= 1
                grew = True
        if not grew:
            break
    return widths


def fitted_table(
    columns: Sequence[Column],
    rows: Sequence[Sequence[Text | str]],
    width: int,
    *,
    title: Text | None = None,
) -> Table:
    """A table that fits `width` columns: low-priority columns dropped, long text folded, keys whole.

    Cells that are `str` are taken as plain text (never markup); pass `visible_text` for library text.
    The caption names the columns that were dropped (``--json`` always has them all).
    """
    cells = [[c if isinstance(c, Text) else Text(c) for c in row] for row in rows]
    natural = [_natural(col, [row[i] for row in cells]) for i, col in enumerate(columns)]
    need = [_needed(col, n) for col, n in zip(columns, natural, strict=True)]
    shown = list(range(len(columns)))
    # Drop the highest priority number first; among equals, the rightmost.
    order = sorted((i for i, c in enumerate(columns) if c.priority > 0), key=lambda i: (-columns[i].priority, -i))
    for i in order:
        if _table_width([need[j] for j in shown]) <= width:
            break
        shown.remove(i)
    # A column dropped early may fit once a wider one went: give back what fits, most important first.
    for i in sorted(set(range(len(columns))) - set(shown), key=lambda i: (columns[i].priority, i)):
        if _table_width([need[j] for j in (*shown, i)]) <= width:
            shown = sorted((*shown, i))
    # Keys that cannot fit whole even now (a very narrow terminal) fold rather than lose characters.
    fold_keys = _table_width([need[j] for j in shown]) > width
    dropped = [columns[i].header for i in range(len(columns)) if i not in shown]
    caption = Text(f"narrow terminal: not shown: {', '.join(dropped)} (see --json)") if dropped else None
    table = Table(title=title, caption=caption, caption_justify="left")
    widths = None if fold_keys else _widths([columns[j] for j in shown], [need[j] for j in shown],
                                            [natural[j] for j in shown], width)
    for n, j in enumerate(shown):
        col = columns[j]
        if widths is not None:
            # Our widths, not Rich's: Rich keeps a column at its longest word and crops the table.
            table.add_column(col.header, justify=col.justify, no_wrap=col.key, overflow="fold", width=widths[n])
        else:
            table.add_column(col.header, justify=col.justify, overflow="fold")
    for row in cells:
        table.add_row(*(row[j] for j in shown))
    return table
