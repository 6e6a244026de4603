"""A structure written inside a text: JSON (or a Python literal) that a tool returned as a string or
an error quoted, redacted as the structure it spells.

The structural rules (a value under a secret key, ``{"name": "DB_PASSWORD", "value": ...}``, a
header pair ``["X-Api-Key", ...]``, a secret column of a table) read dicts and lists. A LangGraph
``ToolMessage`` carries its result as a string, and errors quote what they refused
(``config rejected: {"env": [...]}``, a Python ``repr`` of the arguments): there the same structure
was read by the text rules only, which see ``"value": "..."`` beside no secret's name (5 of 5
structural forms reached the library file). Each bracketed span of the text that parses as JSON, or
as a Python literal, is redacted with the structural rules and written back in its own notation when
they hid something; the text rules run on the result as before.

Bounded: only a text that the pre-filter says may hold a secret is read, at most `MAX_STARTS`
openings that spell no structure are tried (the outermost first: a parsed span is not entered again;
a short span holding no quote, a log's ``[INFO]`` or ``[worker-3]``, holds no string a rule could hide
and is no try: 30 such tags spent every try before the structure after them, attack17), structures
are read to `MAX_SPAN` characters in all (each used to be a try: a JSON-lines log's 30 records spent
them), at most `MAX_OPENINGS` openings looked at in all, a span of at most
`MAX_SPAN` characters nested at most `MAX_DEPTH` deep, at most `MAX_SPAN` brackets and quotes read in
all, and a span is parsed only once its end is found (a parser's syntax error leaves it as text).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from ._secret_keys import is_secret_key

__all__ = ["MAX_DEPTH", "MAX_OPENINGS", "MAX_SPAN", "MAX_STARTS", "embedded_spans", "redact_embedded"]

MAX_STARTS = 24
#: Openings looked at in all, the short quote-less spans that are no try included.
MAX_OPENINGS = 4096
#: A short flat span holding no quote (a tag, a timestamp, a list of numbers): no try.
_TAG = re.compile(r"[\[{][^\[\]{}\"'\n]{0,62}[\]}]")
MAX_SPAN = 65_536
MAX_DEPTH = 64  # what a sandboxed result may nest (`_sandbox_result`); real structures stay far below
_OPEN = re.compile(r"[\[{]")  # one character class: a linear scan, no backtracking
_SPECIAL = re.compile(r"[\[\]{}\"'\\\n]")  # what `_literal_end` reads; the runs between are skipped in C
_DECODER = json.JSONDecoder()
_OPENINGS = re.compile(r"[\[{\s]*")  # a run of openings (and the space between them)
_CLOSE = {"[": "]", "{": "}"}
_LABEL = re.compile(r"[\w.\-]{1,80}")  # a name the text's pair rule reads whole (no space, no escape)


def _literal_end(text: str, start: int, budget: list[int]) -> tuple[int | None, int]:
    """Where the bracketed span opened at `start` closes (quote-aware, Python or JSON strings), or None;
    and where to look for the next opening.

    Jumps from one bracket, quote, backslash or line break to the next; each costs one of `budget`'s
    steps (shared by a text's every opening, so a text of brackets that close nothing costs at most
    `MAX_SPAN` steps in all)."""
    stack: list[str] = []
    quote = ""
    pos, stop = start, min(len(text), start + MAX_SPAN)
    while budget[0] > 0:
        m = _SPECIAL.search(text, pos, stop)
        if m is None:
            return None, start + 1
        budget[0] -= 1
        i, c = m.start(), m.group(0)
        pos = i + 1
        if quote:
            if c == "\\":
                pos = i + 2
            elif c == quote:
                quote = ""
            elif c == "\n":
                return None, start + 1  # a string literal does not span lines: this is prose, not a literal
        elif c in "\"'":
            quote = c
        elif c in _CLOSE:
            stack.append(_CLOSE[c])
            if len(stack) > MAX_DEPTH:
                # deeper than any literal a parser reads: the text is read no further (a structure
                # nested this deep is no tool's result, and each opening inside it would be read again)
                budget[0] = 0
                return None, len(text)
        elif c in "]}":
            if not stack or stack.pop() != c:
                return None, start + 1
            if not stack:
                return i + 1, i + 1
    return None, len(text)


def _parse(text: str, start: int, budget: list[int]) -> tuple[Any, int, bool] | int:
    """(value, end, is_json) of the JSON or Python literal opened at `start`, or where to look next.
    JSON is read by the C parser where it stands; anything else has its span found first (bounded,
    see `_literal_end`), so the literal parser neither reads past it nor recurses deeply."""
    if _OPENINGS.match(text, start).end() - start <= MAX_DEPTH:  # type: ignore[union-attr]  # `*`: always a match
        try:
            value, end = _DECODER.raw_decode(text, start)
            if end - start <= MAX_SPAN:
                return value, end, True
            return end
        except RecursionError:
            budget[0] = 0  # nested past the parser's depth: as in `_literal_end`, read no further
            return len(text)
        except ValueError:
            pass
    close, resume = _literal_end(text, start, budget)
    if close is None:
        return max(resume, start + 1)
    try:
        value = ast.literal_eval(text[start:close])
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return start + 1
    return (value, close, False) if isinstance(value, dict | list | tuple) else start + 1


def _plain(value: Any) -> Any:
    """`value` with its tuples as lists (what `redact` returns for them), to compare without recursion limits."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _left_to_text(plain: Any, hidden: Any) -> Any:
    """`hidden`, except a string directly under a secret's name the text rules read as a label: they read
    that pair where it stands, and keep a status word there (``"password": "required"``) that the
    structure's rule hides. A name they read no label in (``"pass word"``, ``"pass\\u0077ord"``) is hidden here."""
    if isinstance(plain, dict) and isinstance(hidden, dict) and len(plain) == len(hidden):
        out: dict[Any, Any] = {}
        for (k, v), (hk, hv) in zip(plain.items(), hidden.items(), strict=True):
            if (
                type(k) is str and type(v) is str and hv == "[REDACTED:secret]"
                and _LABEL.fullmatch(k) is not None and is_secret_key(k)
            ):  # fmt: skip
                out[hk] = v
            else:
                out[hk] = _left_to_text(v, hv)
        return out
    if isinstance(plain, list) and isinstance(hidden, list) and len(plain) == len(hidden):
        return [_left_to_text(v, hv) for v, hv in zip(plain, hidden, strict=True)]
    return hidden


def _redacted_structures(text: str, redact: Callable[[Any], Any]) -> Iterator[tuple[int, int, Any, Any, bool]]:
    """(start, end, value, redacted, is_json) of each embedded structure that redacting changed."""
    tried = looked = read = 0
    pos = 0
    budget = [MAX_SPAN]
    while tried < MAX_STARTS and looked < MAX_OPENINGS and budget[0] > 0:
        m = _OPEN.search(text, pos)
        if m is None:
            break
        start = m.start()
        looked += 1
        tag = _TAG.match(text, start)
        if tag is not None:  # flat, short, no string in it: nothing to hide, and no try
            pos = tag.end()
            continue
        parsed = _parse(text, start, budget)
        if isinstance(parsed, int):
            tried += 1  # an opening that spelled no structure: a try spent
            pos = parsed
            continue
        value, end, is_json = parsed
        pos = end
        read += end - start  # a structure read costs its length (a JSON-lines log's records: no try each)
        if read > MAX_SPAN:
            break
        try:
            plain = value if is_json else _plain(value)  # JSON has no tuples
            hidden = _left_to_text(plain, redact(value))
        except (ValueError, TypeError, RecursionError):
            continue
        if hidden != plain:
            yield start, end, plain, hidden, is_json


def redact_embedded(text: str, redact: Callable[[Any], Any]) -> str:
    """`text` with each embedded JSON or Python-literal structure replaced by its `redact`-ed form,
    where redacting it changed it (a span it left as it was keeps its exact spelling)."""
    out: list[str] = []
    last = 0
    for start, end, _, hidden, is_json in _redacted_structures(text, redact):
        try:
            shown = json.dumps(hidden, ensure_ascii=False) if is_json else repr(hidden)
        except (ValueError, TypeError, RecursionError):
            continue
        out.append(text[last:start])
        out.append(shown)
        last = end
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def _hidden_leaves(plain: Any, hidden: Any, out: list[Any]) -> None:
    """The scalars of `plain` that `hidden` replaced (a container replaced whole gives all of its own)."""
    if isinstance(plain, dict) and isinstance(hidden, dict) and len(plain) == len(hidden):
        for (k, v), (hk, hv) in zip(plain.items(), hidden.items(), strict=True):
            if hk != k:
                out.append(k)
            _hidden_leaves(v, hv, out)
    elif isinstance(plain, list) and isinstance(hidden, list) and len(plain) == len(hidden):
        for v, hv in zip(plain, hidden, strict=True):
            _hidden_leaves(v, hv, out)
    elif isinstance(plain, dict | list):
        if hidden != plain:
            for item in plain.values() if isinstance(plain, dict) else plain:
                _hidden_leaves(item, None, out)
    elif plain is not None and not isinstance(plain, bool) and hidden != plain:
        out.append(plain)


def embedded_spans(text: str, redact: Callable[[Any], Any]) -> Iterator[tuple[int, int]]:
    """Where `text` writes a value that `redact_embedded` hides: each occurrence, inside its structure,
    of a hidden value as the structure spells it (what a code skill must be handed sealed)."""
    for start, end, plain, hidden, is_json in _redacted_structures(text, redact):
        leaves: list[Any] = []
        _hidden_leaves(plain, hidden, leaves)
        for leaf in leaves:
            if isinstance(leaf, str):
                written = json.dumps(leaf, ensure_ascii=False)[1:-1] if is_json else repr(leaf)[1:-1]
            else:
                written = json.dumps(leaf) if is_json else repr(leaf)
            if not written:
                continue
            at = text.find(written, start, end)
            while at >= 0:
                yield at, at + len(written)
                at = text.find(written, at + len(written), end)
