"""Untrusted regular expressions, matched in linear time.

Trigger patterns (``Trigger.pattern``, ``Trigger.task_pattern``) and repair preconditions
(``ArgCondition.regex``) come from miners, language models and imported skill folders, and are
matched in the agent's own thread against tool output. Python's backtracking ``re`` can take
exponential time on them (``^(a|aa)+$`` on a 32-character error: seconds), so they are compiled
with RE2 (``google-re2``), whose matching time is linear in the text. RE2 has no backreferences and
no lookaround: such a pattern is refused when the skill is created or imported, with RE2's reason,
never silently handed to ``re``.
"""

from __future__ import annotations

import functools
from typing import Protocol

import re2  # type: ignore[import-untyped]

__all__ = ["Pattern", "compile_pattern", "fullmatch", "pattern_error", "search"]

# RE2's own memory budget for one compiled program: a pattern that needs more is refused at
# creation instead of being matched slowly (RE2 would fall back to a slower engine).
_MAX_MEM = 8 << 20


class Pattern(Protocol):
    """A compiled pattern: what the matching sites use."""

    def search(self, text: str) -> object | None:
        """The first match anywhere in `text`, or None."""

    def fullmatch(self, text: str) -> object | None:
        """A match of the whole of `text`, or None."""


def _options(ignorecase: bool) -> object:
    options = re2.Options()
    options.log_errors = False  # RE2 would print every refused pattern on stderr
    options.max_mem = _MAX_MEM
    options.case_sensitive = not ignorecase
    return options


@functools.lru_cache(maxsize=4096)
def compile_pattern(pattern: str, ignorecase: bool = False) -> Pattern:
    """`pattern` compiled with RE2 (cached). Raises ``ValueError`` with RE2's reason when it cannot."""
    try:
        compiled: Pattern = re2.compile(pattern, _options(ignorecase))
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise ValueError(f"not a regular expression the linear-time engine accepts ({reason})") from None
    return compiled


@functools.lru_cache(maxsize=65536)
def pattern_error(pattern: str) -> str | None:
    """Why `pattern` cannot be used as a trigger or precondition, or None when it can."""
    try:
        compile_pattern(pattern, True)
    except ValueError as exc:
        return str(exc)
    return None


def search(pattern: str, text: str, *, ignorecase: bool = False) -> bool:
    """Whether `pattern` matches somewhere in `text` (linear time)."""
    return compile_pattern(pattern, ignorecase).search(text) is not None


def fullmatch(pattern: str, text: str, *, ignorecase: bool = False) -> bool:
    """Whether `pattern` matches the whole of `text` (linear time)."""
    return compile_pattern(pattern, ignorecase).fullmatch(text) is not None
