"""The items of a structured validation error body: FastAPI's and pydantic's JSON lists of
``{"type": ..., "loc": [...], "msg": ...}`` (``{"detail": [...]}``, a bare list, or one under
``errors``), as a tool that wraps an API returns them in its text, maybe after an HTTP status line.

Read as structure, not as words: an item's location is the argument it is about (``["body", "qty"]``
is ``qty``; ``["body", "window", "minutes"]`` is ``window.minutes``), and its ``type`` or ``msg``
says what is wrong. A word reader over the same text took the keys of the body itself (``detail``,
``loc``, ``body``, ``msg``) for argument names the call lacked.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["ErrorItem", "error_items"]

#: The first element of a FastAPI location names the request's part, not an argument.
_PARTS = frozenset({"body", "query", "path", "header", "cookie"})
#: Text read for the body (a longer message's tail is not parsed).
_MAX_CHARS = 20_000
_MAX_ITEMS = 50
#: Brackets tried as a body's start (each read is linear in the text: bounded work).
_MAX_STARTS = 16


class ErrorItem(tuple[str, str, str]):
    """(argument path, ``type``, ``msg``) of one item; the path joins the location with dots."""

    __slots__ = ()

    @property
    def path(self) -> str:
        return self[0]

    @property
    def kind(self) -> str:
        return self[1]

    @property
    def msg(self) -> str:
        return self[2]


def _bodies(text: str) -> Iterator[Any]:
    """The JSON values the text holds, read from each bracket in turn (a status or a note in brackets
    may come first: ``[422] ...``); a value read is skipped whole (its inner lists are its own)."""
    decoder = json.JSONDecoder()
    at = 0
    for _ in range(_MAX_STARTS):
        start = min((i for i in (text.find("{", at), text.find("[", at)) if i >= 0), default=-1)
        if start < 0:
            return
        try:
            value, at = decoder.raw_decode(text, start)
        except RecursionError:  # (nesting deeper than the parser's stack: no body we read)
            return
        except ValueError:
            at = start + 1
            continue
        yield value


def _items(body: Any) -> list[Any]:
    if isinstance(body, Mapping):
        for key in ("detail", "errors"):
            if isinstance(body.get(key), list):
                return list(body[key])
        return []
    return list(body) if isinstance(body, list) else []


def error_items(message: str) -> list[ErrorItem] | None:
    """The items of the validation body the message holds, or None when it holds none (then the
    message is read as words)."""
    out: list[ErrorItem] = []
    for body in _bodies(message[:_MAX_CHARS]):
        for item in _items(body)[:_MAX_ITEMS]:
            loc = item.get("loc") if isinstance(item, Mapping) else None
            if not isinstance(loc, list) or not loc or not all(isinstance(p, str | int) for p in loc):
                continue
            parts = [str(p) for p in loc]
            if len(parts) > 1 and parts[0] in _PARTS:
                parts = parts[1:]
            kind, msg = item.get("type"), item.get("msg")
            out.append(ErrorItem((".".join(parts), kind if isinstance(kind, str) else "",
                                  msg if isinstance(msg, str) else "")))
    return out or None
