"""Reading a jailed worker's reply: strict JSON, and a result the agent can use without harm.

The reply comes from code that may have forged it (it can write to the reply descriptor itself), so
the parent parses it as strict JSON (no ``NaN``/``Infinity``) and checks the result without recursion
before any of it reaches the agent: a result nested deeper than `MAX_DEPTH` would raise
`RecursionError` in whatever walks it next (comparison, redaction, the tool's own serialiser), a
number out of float range is not JSON, and a lone surrogate cannot be encoded as UTF-8 by the tool's
client or the store. The output cap already bounds the reply's size.
"""

from __future__ import annotations

import json
import math
import threading
from typing import Any

from ._errors import SandboxError

__all__ = ["MAX_DEPTH", "checked_result", "not_strict_json", "parse_reply"]

MAX_DEPTH = 64  # levels of nesting in a repaired argument dict; real tool arguments stay far below


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_reply(reply: bytes) -> Any:
    """The reply's JSON value, or None when it is not strict JSON (or too deep for the parser)."""
    try:
        return json.loads(reply, parse_constant=_no_constant)
    except ValueError:
        return None
    except RecursionError:
        # The parser's depth budget counts the caller's frames: parsed again on a fresh stack, what a
        # reply means (a result `checked_result` refuses as too deep, or an unreadable one) does not
        # depend on how deep in the agent's stack the tool call happened.
        return _parse_on_fresh_stack(reply)


def _parse_on_fresh_stack(reply: bytes) -> Any:
    parsed: list[Any] = [None]

    def parse() -> None:
        try:
            parsed[0] = json.loads(reply, parse_constant=_no_constant)
        except (ValueError, RecursionError):
            pass

    thread = threading.Thread(target=parse, name="skillevo-sandbox-reply", daemon=True)
    thread.start()
    thread.join()
    return parsed[0]


def checked_result(result: dict[str, Any]) -> dict[str, Any]:
    """``result`` itself, once every value in it is plain, finite, encodable and at most `MAX_DEPTH` deep.

    Raises:
        SandboxError: naming what is wrong, never a value.
    """
    stack: list[tuple[Any, int]] = [(result, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise SandboxError(f"code skill failed: repair() returned values nested deeper than {MAX_DEPTH}")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str):
                    _check_text(key)
                stack.append((item, depth + 1))
        elif isinstance(value, str):
            _check_text(value)
        elif isinstance(value, float) and not math.isfinite(value):
            raise SandboxError("code skill failed: repair() returned a number that is not finite")
    return result


# The interpreter refuses to write an integer of more digits (sys.get_int_max_str_digits, 4300 by
# default) as text; judged by its bits (3.33 per digit), so no conversion is attempted.
_MAX_INT_BITS = 4300 * 3


def not_strict_json(value: Any, max_depth: int = MAX_DEPTH) -> str | None:
    """What in `value` strict JSON cannot carry faithfully, as "not JSON (...)" (None: nothing), without recursion.

    A ``NaN`` or an infinity (Python's ``json`` writes them; strict JSON has none), a lone surrogate,
    a key that is not text (JSON turns it into text), an integer too long to write, a value of another
    type; or values nested deeper than `max_depth` (what walks them next would recurse that deep).
    Names the kind of problem, never a value.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        why = _scalar_problem(item)
        if why is not None:
            return f"not JSON ({why})"
        if isinstance(item, dict | list | tuple):
            if depth >= max_depth:
                return f"nested deeper than {max_depth}"
            if isinstance(item, dict):
                for key, member in item.items():
                    if not isinstance(key, str):
                        return "not JSON (a key that is not text)"
                    stack += ((key, depth + 1), (member, depth + 1))
            else:
                stack.extend((member, depth + 1) for member in item)
    return None


def _scalar_problem(item: Any) -> str | None:
    if isinstance(item, str):
        try:
            item.encode("utf-8")
        except UnicodeEncodeError:
            return "text that is not valid Unicode"
    elif isinstance(item, bool) or item is None:
        return None
    elif isinstance(item, int):
        if item.bit_length() > _MAX_INT_BITS:
            return "an integer too long to write"
    elif isinstance(item, float):
        if not math.isfinite(item):
            return "a number that is not finite"
    elif not isinstance(item, dict | list | tuple):
        return f"a value of type {type(item).__name__}"
    return None


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise SandboxError("code skill failed: repair() returned text that is not valid Unicode") from None
