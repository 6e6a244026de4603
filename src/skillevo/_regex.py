"""Untrusted regular expressions, matched in linear time with bounded cost.

Trigger patterns (``Trigger.pattern``, ``Trigger.task_pattern``) and repair preconditions
(``ArgCondition.regex``) come from miners, language models and imported skill folders, and are
matched in the agent's own thread against tool output. Python's backtracking ``re`` can take
exponential time on them (``^(a|aa)+$`` on a 32-character error: seconds), so they are compiled
with RE2 (``google-re2``), whose matching time is linear in the text. RE2 has no backreferences and
no lookaround: such a pattern is refused when the skill is created or imported, with RE2's reason,
never silently handed to ``re``.

Linear is not enough when the pattern is hostile too: RE2's time per character and memory grow with
the compiled program, and ``\\pL{1,300}\\pN{1,300}`` (30 characters) compiles for a second into
430,000 instructions (3.6 MB, kept in the cache) and then takes a second per 100,000 characters.
So a pattern is first compiled under a small memory budget (a huge program fails fast), and refused
when its program has more than `MAX_PROGRAM` instructions; and a pattern only ever reads the first
`MAX_TEXT` characters of a text (stored errors and results are cut shorter still, so a trigger
learned from them sees all it was learned on).

Matching never raises into the agent's run: a pattern stored before these bounds (a library keeps
reading; see `pattern_error`'s ``stored``) that they refuse simply never matches. A text is matched
as the store keeps it (`clean_text`: NUL and lone surrogates, which UTF-8 cannot encode, as U+FFFD),
so a pattern learned from a stored error matches the live one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Protocol

import re2  # type: ignore[import-untyped]

from ._sanitize import clean_text

__all__ = [
    "MAX_PROGRAM",
    "MAX_TEXT",
    "Pattern",
    "any_of",
    "compile_pattern",
    "found",
    "found_in",
    "fullmatch",
    "pattern_error",
    "search",
    "usable",
]

# RE2's memory budget when a pattern is checked: a program far past `MAX_PROGRAM` fails to compile
# within milliseconds instead of being built in full (a second for some 30-character patterns).
_CHECK_MEM = 256 << 10
# RE2's memory budget for one accepted pattern (program and DFA cache) when it matches.
_MAX_MEM = 8 << 20
#: The most instructions an accepted pattern's RE2 program may have (what the miners write needs
#: well under 100; ``.{0,400}`` needs about 3,600).
MAX_PROGRAM = 4096
#: The most characters of a text a pattern reads (search: the first `MAX_TEXT`; a full match of a
#: longer text fails).
MAX_TEXT = 8192


class Pattern(Protocol):
    """A compiled pattern: what the matching sites use."""

    def search(self, text: str) -> object | None:
        """The first match in the first `MAX_TEXT` characters of `text`, or None."""

    def fullmatch(self, text: str) -> object | None:
        """A match of the whole of `text` (None when it is longer than `MAX_TEXT`)."""


# RE2's own matcher under the `re2` module's wrapper, when this version of it has one: asking it
# whether a text matches skips building a match object (about 2/3 of a search's cost).
_UNANCHORED = getattr(getattr(re2, "_Anchor", None), "UNANCHORED", None)


# Characters with a meaning in RE2's syntax: an ASCII pattern without any of them matches itself.
_SYNTAX = frozenset("\\.^$|?*+()[]{}")


def _literal(pattern: str) -> str | None:
    """`pattern` as the text it matches when it is plain ASCII text, else None."""
    return pattern if pattern.isascii() and _SYNTAX.isdisjoint(pattern) else None


class _Bounded:
    """An RE2 program that reads at most `MAX_TEXT` characters of any text.

    `literals`: when the program is plain ASCII text (or an alternation of such texts), those texts
    (lower-cased when `fold`): `found` then answers for an ASCII text with a substring test. Exact:
    on ASCII, RE2's case folding is ASCII's (it folds ``k`` with the Kelvin sign and ``s`` with the
    long s, which are not ASCII: such texts go to RE2). RE2's matcher releases the GIL, so asking
    it wakes any thread waiting for the GIL (in a tool thread that LangGraph has just started, the
    agent's own: two context switches per tool result); the substring test keeps the GIL.
    """

    __slots__ = ("_fold", "_literals", "_raw", "_regexp")

    def __init__(self, regexp: Pattern, literals: tuple[str, ...] | None = None, fold: bool = False) -> None:
        self._regexp = regexp
        raw = getattr(regexp, "_regexp", None)
        self._raw = raw if _UNANCHORED is not None and callable(getattr(raw, "Match", None)) else None
        self._fold = fold
        self._literals = None if literals is None else tuple(t.lower() for t in literals) if fold else literals

    def search(self, text: str) -> object | None:
        return self._regexp.search(clean_text(text[:MAX_TEXT]))

    def found(self, text: str) -> bool:
        """Whether `search` finds a match (what the wrapper's search asks RE2, without its match object)."""
        cut = text[:MAX_TEXT]
        # Read as `search` reads it (`clean_text`): an ASCII text without NUL is its own clean text;
        # a NUL becomes U+FFFD, no longer ASCII.
        if not cut.isascii() or "\x00" in cut:
            cut = clean_text(cut)
        elif self._literals is not None:
            folded = cut.lower() if self._fold else cut
            literals = self._literals
            if len(literals) == 1:
                return literals[0] in folded
            return any(map(folded.__contains__, literals))  # no generator frame
        if self._raw is None:
            return self._regexp.search(cut) is not None
        encoded = cut.encode("utf-8")
        return bool(self._raw.Match(_UNANCHORED, encoded, 0, len(encoded))[0] != (-1, -1))

    def fullmatch(self, text: str) -> object | None:
        if len(text) > MAX_TEXT:
            return None
        return self._regexp.fullmatch(clean_text(text))


def _options(ignorecase: bool, max_mem: int) -> object:
    options = re2.Options()
    options.log_errors = False  # RE2 would print every refused pattern on stderr
    options.max_mem = max_mem
    options.case_sensitive = not ignorecase
    return options


def _refused(reason: object) -> ValueError:
    if isinstance(reason, bytes):
        reason = reason.decode("utf-8", "replace")
    return ValueError(f"not a regular expression the linear-time engine accepts ({reason})")


@functools.lru_cache(maxsize=4096)
def compile_pattern(pattern: str, ignorecase: bool = False) -> Pattern:
    """`pattern` compiled with RE2 (cached). Raises ``ValueError`` with the reason when it cannot be."""
    try:
        checked = re2.compile(pattern, _options(ignorecase, _CHECK_MEM))
    except re2.error as exc:
        raise _refused(exc.args[0] if exc.args else exc) from None
    size = max(checked.programsize, checked.reverseprogramsize)
    if size > MAX_PROGRAM:
        raise _refused(f"its program has {size} instructions, more than {MAX_PROGRAM}")
    # Compiled again with room for the DFA cache: cheap, the program is small.
    literal = _literal(pattern)
    return _Bounded(
        re2.compile(pattern, _options(ignorecase, _MAX_MEM)), None if literal is None else (literal,), ignorecase
    )


@functools.lru_cache(maxsize=4096)
def usable(pattern: str, ignorecase: bool = False) -> Pattern | None:
    """`compile_pattern`, or None (cached) for a pattern it refuses: what the matching sites use."""
    try:
        return compile_pattern(pattern, ignorecase)
    except ValueError:
        return None


@functools.lru_cache(maxsize=65536)
def pattern_error(pattern: str, stored: bool = False) -> str | None:
    """Why `pattern` cannot be used as a trigger or precondition, or None when it can.

    With `stored` (a pattern read back from a library, accepted when it was written) only what RE2
    cannot compile at all is an error: a library written before the program bound stays readable,
    and such a pattern never matches (`usable` is None).
    """
    if stored:
        try:
            re2.compile(pattern, _options(True, _MAX_MEM))
        except re2.error as exc:
            return str(_refused(exc.args[0] if exc.args else exc))
        return None
    try:
        compile_pattern(pattern, True)
        compile_pattern(pattern, False)
    except ValueError as exc:
        return str(exc)
    return None


def found(pattern: Pattern, text: str) -> bool:
    """Whether the compiled `pattern` matches in the first `MAX_TEXT` characters of `text`."""
    if isinstance(pattern, _Bounded):
        return pattern.found(text)
    return pattern.search(text) is not None


def found_in(pattern: Pattern) -> Callable[[str], bool]:
    """``found(pattern, text)`` as a function of the text (one call less where it is asked often)."""
    if isinstance(pattern, _Bounded):
        return pattern.found
    return functools.partial(found, pattern)


def search(pattern: str, text: str, *, ignorecase: bool = False) -> bool:
    """Whether `pattern` matches in the first `MAX_TEXT` characters of `text` (linear time)."""
    compiled = usable(pattern, ignorecase)
    return compiled is not None and compiled.search(text) is not None


def fullmatch(pattern: str, text: str, *, ignorecase: bool = False) -> bool:
    """Whether `pattern` matches the whole of `text` (False for a text longer than `MAX_TEXT`)."""
    compiled = usable(pattern, ignorecase)
    return compiled is not None and compiled.fullmatch(text) is not None


@functools.lru_cache(maxsize=1024)
def any_of(patterns: tuple[str, ...], ignorecase: bool = False) -> Pattern | None:
    """One program that searches for all `patterns` at once (cached): it finds a match exactly when
    one of them would, so a text none of them matches is rejected by one search instead of one per
    pattern. None when there is nothing to gain or it cannot be built within the same bounds as a
    single pattern (a caller then searches them one by one)."""
    unique = tuple(dict.fromkeys(patterns))
    # \Q...\E quotes to the end of the pattern when \E is missing: it would swallow the group's end.
    if len(unique) < 2 or any("\\Q" in p for p in unique):
        return usable(unique[0], ignorecase) if len(unique) == 1 else None
    gate = usable("|".join(f"(?:{p})" for p in unique), ignorecase)
    literals = tuple(t for t in map(_literal, unique) if t is not None)
    if isinstance(gate, _Bounded) and len(literals) == len(unique):  # plain texts: found() tests substrings
        return _Bounded(gate._regexp, literals, ignorecase)
    return gate
