"""Values an error states for a secret argument: its name, a connecting phrase, then a value or a list.

"Invalid value for 'pin': must be one of 4821, 9930, 1177", "password should be Summer2024", "otp
mismatch: expected 482913", "Invalid pin. Allowed: 4821, 9930", "api_key: valid values are ...",
"otp not in [7731, 5580]", "Unknown access token ...; did you mean tok_...": the values a tool
accepts (or was given) for a secret argument are that secret. The rule reads the connecting phrase
first (`_CUE`, anchored on its words), then the argument it is about in the few words before it
(a quoted name when the clause quotes one, else the nearest words, judged by `is_secret_key`),
then the values after it.

A list (after "one of", "valid values are", a bracket, two or more values) hides every member; a
single value after "should be", "expected", "got" is hidden when it reads as a credential
(`credential_like`) or is quoted: "must be at least 8 characters", "expected a string", "should be
stronger", "must be one of the following formats" describe the value and stay. The same errors
about an ordinary argument (``unit``, ``cabin``, ``token_type``) keep their values: a miner reads them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import re2  # type: ignore[import-untyped]

from ._secret_keys import is_secret_key, key_words
from ._secret_prose import _CODE_WORDS, credential_like, is_status

__all__ = ["accepted_value_spans", "opens_connector"]

Span = tuple[int, int, str]

_MODAL = r"(?:must|should|shall|has[ \t]+to|have[ \t]+to|needs?[ \t]+to)[ \t]+"
_LIST_NOUN = r"(?:values?|options?|choices?|inputs?|entries|ones|codes|pins|keys|tokens|answers|passwords)"
# The connecting phrase, anchored on its first word (no unbounded run before it).
_CUE = re.compile(
    r"(?i)(?<![\w\-])(?:(?P<list>"
    # "must be one of", "is not one of", "not in [..]", "expected one of", "one of"
    r"(?:" + _MODAL + r"be[ \t]+|(?:is|are|was)[ \t]+)?(?:not[ \t]+)?(?:one[ \t]+of|among|in(?=[ \t]*[\[({]))"
    r"|expected[ \t]+one[ \t]+of"
    # "valid values are", "allowed options:", "accepted values include"
    r"|(?:expected|accepted|allowed|valid|permitted|supported|possible|acceptable|known)[ \t]+"
    + _LIST_NOUN
    + r"(?:[ \t]+(?:are|is|were|include))?"
    # "Allowed: ...", "choices: ..." (a colon required: "3 attempts allowed" lists nothing)
    r"|(?:allowed|accepted|valid|choices|options)(?=[ \t]*:))"
    # one value: "should be", "must equal", "expected", "got", "did you mean"
    r"|(?P<one>" + _MODAL + r"(?:be|equal|match)|expected|expecting|got|received|did[ \t]+you[ \t]+mean))"
    r"(?![\w\-])[ \t]*:?[ \t]*"
)
# Where a cue may start in ASCII text: a word boundary, then a prefix of one of `_CUE`'s first words
# (a superset: `_CUE` is then matched there). RE2 finds them in one linear pass; `_CUE.finditer`
# tried its lookbehind and alternation at every character (about 1 ms on a 3 KB result).
_CUE_START = re2.compile(
    r"(?i)\b(?:must|should|shall|ha[sv]|need|is|are|was|not|one|among|in|expect|accept|allowed|valid|permitted"
    r"|supported|possible|known|choices|options|got|received|did)"
)
# A cheap hint: every cue holds one of these (lower-cased).
_CUE_HINTS = ("one of", "among", "in [", "in (", "in {", "in[", "in(", "expect", "accept", "allow", "valid",
              "permit", "support", "possib", "known", "choice", "option", "should", "must", "shall", "has to",
              "have to", "need", "got", "receiv", "mean")  # fmt: skip
_ITEM = re.compile(r"\"[^\"\n]{1,128}\"|'[^'\n]{1,128}'|`[^`\n]{1,128}`|[^\s,;|\[\](){}\"'`]{1,128}")
_SEP = re.compile(r"[ \t]*[,|][ \t]*(?:(?:or|and)[ \t]+)?|[ \t]+(?:or|and)[ \t]+")
_CLOSE = re.compile(r"[ \t]*[\])}]")
_MAX_ITEMS = 32
#: Words that describe a value rather than being one ("a string", "at least 8", "the following").
_DESCRIBING = frozenset(
    {"a", "an", "the", "at", "least", "most", "valid", "string", "str", "int", "integer", "number", "numeric",
     "bool", "boolean", "list", "array", "object", "dict", "float", "double", "null", "none", "empty",
     "non-empty", "nonempty", "following", "these", "those", "this", "that", "between", "exactly", "less",
     "more", "fewer", "longer", "shorter", "greater", "different", "unique", "provided", "present", "same",
     "digits", "characters", "chars", "letters", "format", "formats", "type", "length", "of", "your", "its",
     "their", "any", "all", "some", "no", "not", "from", "in", "on", "as", "to", "with", "without", "type:"}
)  # fmt: skip
#: How far before the phrase the argument's name is looked for, and how many of its nearest words.
_LOOK_BACK = 96
_NEAR_WORDS = 4
_QUOTED_NAME = re.compile(r"([\"'`])([^\"'`\s]{1,80})\1")
_WORD = re.compile(r"[^\W\d][\w\-.]{0,79}")


def opens_connector(text: str, start: int) -> bool:
    """Whether `text` at `start` (where a pair's value would be: "pin: must be one of ...") opens a
    connecting phrase, the values after it read by `accepted_value_spans`, not the phrase's word."""
    return _CUE.match(text, start) is not None


def _secret_named_before(text: str, end: int) -> str | None:
    """The secret's name the clause before `end` is about, or None: the last quoted name when the
    clause quotes one ("Invalid value for 'pin':"), else one of its nearest words, alone or with the
    one or two words after it ("Invalid pin.", "Unknown access token ...", "mothers maiden name")."""
    start = max(0, end - _LOOK_BACK)
    newline = text.rfind("\n", start, end)
    window = text[newline + 1 if newline >= 0 else start : end]
    quoted = [m.group(2) for m in _QUOTED_NAME.finditer(window)]
    if quoted:
        return quoted[-1] if is_secret_key(quoted[-1]) else None
    words = [m.group(0).strip(".-") for m in _WORD.finditer(window)][-_NEAR_WORDS:]
    for i in range(len(words)):
        for j in range(i + 1, min(i + 3, len(words)) + 1):
            name = " ".join(words[i:j])
            if is_secret_key(name):
                return name
    return None


def _items(text: str, pos: int) -> tuple[list[tuple[int, int, bool]], bool]:
    """The values after a phrase at `pos` (each: start, end, quoted), and whether they were bracketed."""
    bracket = pos < len(text) and text[pos] in "[({"
    if bracket:
        pos += 1
        while pos < len(text) and text[pos] in " \t":
            pos += 1
    items: list[tuple[int, int, bool]] = []
    while len(items) < _MAX_ITEMS:
        m = _ITEM.match(text, pos)
        if m is None:
            break
        quoted = m.group(0)[0] in "\"'`"
        if items and not quoted and _CUE.match(text, m.start()) is not None:
            break  # the next phrase ("expected 482913, got 000000"): its own values are read from it
        if quoted:
            items.append((m.start() + 1, m.end() - 1, True))
        else:
            value = m.group(0).rstrip(".!?:")
            if not value:
                break
            items.append((m.start(), m.start() + len(value), False))
        sep = _SEP.match(text, m.end())
        if sep is None or (not bracket and m.group(0)[-1:] in ".!?:" and not quoted):
            break  # a sentence ended after the value
        pos = sep.end()
    if bracket and items and _CLOSE.match(text, items[-1][1] + items[-1][2]) is None:
        bracket = False  # no closing bracket: not a bracketed list
    return items, bracket


def _cues(text: str) -> Iterator[re.Match[str]]:
    """`_CUE.finditer(text)`, matched only where `_CUE_START` finds a start in ASCII text (RE2's
    case folding and word boundary are ASCII's; other text is scanned whole)."""
    if not text.isascii():
        yield from _CUE.finditer(text)
        return
    pos = 0
    for start in _CUE_START.finditer(text):
        if start.start() < pos:
            continue
        cue = _CUE.match(text, start.start())
        if cue is not None:
            yield cue
            pos = cue.end()


def accepted_value_spans(text: str) -> Iterator[Span]:
    """Spans of `text` holding the value(s) an error states for a secret argument (see the module doc)."""
    lower = text.lower()
    if not any(hint in lower for hint in _CUE_HINTS):
        return
    for cue in _cues(text):
        items, bracket = _items(text, cue.end())
        if not items:
            continue
        first = text[items[0][0] : items[0][1]]
        if not items[0][2] and (first.lower() in _DESCRIBING or is_status(first)):
            continue  # "expected a string", "must be one of the following", "password: should be set"
        name = _secret_named_before(text, cue.start())
        if name is None:
            continue
        if cue.group("list") is not None or bracket or len(items) > 1:
            for start, end, quoted in items:
                value = text[start:end]
                if not quoted and (value.lower() in _DESCRIBING or is_status(value)):
                    break
                if not value.startswith("[REDACTED"):
                    yield start, end, "secret"
            continue
        start, end, quoted = items[0]
        value = text[start:end]
        code = not _CODE_WORDS.isdisjoint(key_words(name))
        if not value.startswith("[REDACTED") and (quoted or credential_like(value, code)):
            yield start, end, "secret"
