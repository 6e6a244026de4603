"""The tool a call of an unknown name meant, and the error it is recorded with.

CrewAI matches a called name to the agent's tools after sanitizing both (case, camelCase, spaces and
punctuation fold to one snake_case form); its ReAct text path also accepts a name close to one tool's
(a 0.85 ``SequenceMatcher`` ratio), its native path does not. What is left over is a name no tool has
(``functions_book``, ``book_trip``, ``search`` for ``search_flights``). CrewAI tells the model in its
own words ("Action 'x' don't exist, these are the only available Actions: ..." or "Tool not found"),
which name no tool the core can read. skillevo records such a call with an error of its own words,
phrased as a choice among the agent's tools ("'x' is not a valid tool, try one of [a, b]."), the
shape LangGraph's ``ToolNode`` reports an unknown name in: the core classifies it as an ``enum``
error and mines guidance naming the tools that exist, the same for both frameworks. Where exactly one
of the agent's tools is the one meant (by the rule in `intended`), the call is recorded as a failed
call of that tool, so its lesson is shown whenever the agent has that tool, before the next mistake.
"""

from __future__ import annotations

from collections.abc import Collection
from difflib import SequenceMatcher

from crewai.utilities.string_utils import sanitize_tool_name

__all__ = ["intended", "unknown_message"]

#: CrewAI's own threshold for a close name (its ReAct path's ``_select_tool``)
_CLOSE = 0.85


def _contains(longer: list[str], shorter: list[str]) -> bool:
    """Whether `shorter`'s words appear in `longer`, together and in order."""
    n = len(shorter)
    return 0 < n < len(longer) and any(longer[i : i + n] == shorter for i in range(len(longer) - n + 1))


def intended(called: str, names: Collection[str]) -> str | None:
    """The one tool of `names` (sanitized) that a call of `called` meant, or None when none or several
    fit. A tool fits when its sanitized name is the called one's, holds the called one's words
    together and in order (``search`` -> ``search_flights``) or is held in them (``functions_book``,
    ``book_tool`` -> ``book``), or is as close as CrewAI's own threshold for a close name."""
    name = sanitize_tool_name(called)
    if not name:
        return None
    if name in names:
        return name
    words = name.split("_")
    fits = {
        tool
        for tool in names
        if _contains(words, tool.split("_"))
        or _contains(tool.split("_"), words)
        or SequenceMatcher(None, tool, name).ratio() > _CLOSE
    }
    return next(iter(fits)) if len(fits) == 1 else None


def unknown_message(called: str, names: Collection[str]) -> str:
    """The error a call of a name none of `names` has is recorded with."""
    shown = sanitize_tool_name(called) or "''"
    return f"Error: {shown} is not a valid tool, try one of [{', '.join(sorted(names))}]."
