"""The value a pydantic ``ValidationError`` quotes for a secret field.

Pydantic (the validator of LangChain's and CrewAI's tool schemas, of pydantic-settings and of most
clients' configuration) writes each error as the field's location alone on a line, then the
message, indented, quoting the input it refused::

    1 validation error for Settings
    api_token
      String should match pattern '^tok_' [type=string_pattern_mismatch, input_value='...', input_type=str]

The value is two lines below its name and follows ``input_value=``, which names nothing, so no pair
rule read it: a tool whose configuration failed to validate put the host's own token into the
error text, and from there into the library file (2026-12-07, attack16's pass). A secret
location's ``input_value`` is hidden to ``, input_type=``, whatever the value's repr (a truncated
one included: pydantic cuts a long input to its first and last characters, and neither half has a
shape a rule knows), unless the field is missing: then the input quoted is the model's whole input,
not the field's (a tool call that left out ``access_token`` showed its other arguments hidden as
one secret, and the lesson of the missing argument was mined from a redacted call), and only the
values whose keys respell the field's name (``pw``, ``tok``, ``accessTok``) are hidden there; JSON
Schema's ``'password' is a required property`` quotes its whole instance below ``On instance:``, read
the same way (6 of 6 respellings showed their value, attack18). Where a secret field is missing and
the same error reports an input as extra (``extra_forbidden``), that input is the secret under
another name, respelling or not (``value``, ``clave``: 6 of 6 kept it, attack18): hidden in both
places. Pydantic cuts a long input to its first and last bytes around ``...``: the value after the
cut has lost its key (``'passwo...: '<pw>'``), whatever field's error quotes it, so it is hidden (132
of 280 cut errors showed a secret, attack18). The same errors as JSON (``e.json()``, ``e.errors()``)
name the field under ``loc`` and the value under ``input``: `_secret_forms` reads that pair like a
name and its value.
"""

from __future__ import annotations

from collections.abc import Iterator

import re2  # type: ignore[import-untyped]

from ._secret_keys import is_secret_key

__all__ = ["cut_hint", "validation_spans"]

# The location line (a dotted path: "api_key", "config.db.password", "items.0.token",
# "body.headers.X-Api-Key"), then its message line or lines, indented, with the input quoted.
_ERROR = re2.compile(
    r"(?m)^(?P<loc>[^\s\[\]][^\n]{0,199})\n"
    r"(?:[ \t]{2,}[^\n]*\n){0,3}?"
    r"[ \t]{2,}[^\n]*?\[type=(?P<t>[\w.\-]{1,80}), input_value=(?P<v>[^\n]*?), input_type=[\w.\-]{1,80}\]"
)

# This binding's match takes group numbers only.
_LOC, _T, _V = _ERROR.groupindex["loc"], _ERROR.groupindex["t"], _ERROR.groupindex["v"]


def _secret_parts(loc: str) -> list[str]:
    """The parts of a location (not an index) that name a secret: the field is not always the last
    part, a union's member follows it (``password.int``, ``api_key.list[int]``)."""
    parts = (p.strip() for p in loc.split("."))
    return [part for part in parts if part and not part.isdigit() and is_secret_key(part[:80])]


def cut_hint(text: str) -> bool:
    """Whether `text` may quote a pydantic input cut in its middle (whose keys no stem may name)."""
    return "..." in text and "input_value=" in text


# JSON Schema's wording of a missing field, and the instance it quotes below it (indented, over
# several lines when pretty-printed long): "'password' is a required property ... On instance:\n    {...}".
_REQUIRED = re2.compile(r"'(?P<f>[^'\n]{1,80})' is a required property")
_INSTANCE = re2.compile(r"(?m)^On instance(?:\[[^\n]{0,200}\])?:\n(?P<i>(?:[ \t]+[^\n]*(?:\n|$)){1,200})")
_F, _I = _REQUIRED.groupindex["f"], _INSTANCE.groupindex["i"]


def validation_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """The spans of `text` that a validation error quotes as a secret field's input."""
    if "input_value=" in text:
        yield from _pydantic_spans(text)
    if "is a required property" in text:
        # JSON Schema quotes the whole instance for a missing property, as pydantic does for a missing
        # field: the values there whose keys respell a missing secret's name are hidden.
        for m in _REQUIRED.finditer(text):
            if _secret_parts(m.group(_F)) and (inst := _INSTANCE.search(text, m.end())) is not None:
                yield from _respelled_values(text, inst.start(_I), inst.end(_I), m.group(_F))


def _pydantic_spans(text: str) -> Iterator[tuple[int, int, str]]:
    errors = list(_ERROR.finditer(text))
    # A secret field missing and an input reported as extra: the secret sent under another name
    # ("value", "clave"), which need not respell the field's. Its value is hidden where the extra's
    # error quotes it and in the missing field's input; beside no missing secret an extra stays.
    missing = any(m.group(_T) == "missing" and _secret_parts(m.group(_LOC)) for m in errors)
    extras = {m.group(_LOC).strip() for m in errors if missing and m.group(_T) == "extra_forbidden"}
    for m in errors:
        start, end = m.span(_V)
        if end <= start or m.group(_V).startswith("[REDACTED"):
            continue
        # Any field's error may quote a whole input (a settings model's missing "user" quotes the dict
        # holding its password): what pydantic's cut left without its key is judged by no name.
        yield from _cut_values(text, start, end)
        if m.group(_LOC).strip() in extras:
            yield start, end, "secret"
            continue
        if not _secret_parts(m.group(_LOC)):
            continue
        if m.group(_T) == "missing":
            # A missing field has no value to quote: pydantic quotes the input of the model holding it
            # (the tool's other arguments, which the miner needs). A secret sent under another name is
            # there: each value whose key abbreviates or respells the field's ("pw", "tok",
            # "accessTok" for access_token) is hidden; keys that name a secret are the pair rules'.
            yield from _respelled_values(text, start, end, m.group(_LOC), extras)
            continue
        yield start, end, "secret"


# A key and its value in a quoted dict (a Python repr or JSON): a quoted string, or a bare value.
_ENTRY = re2.compile(
    r"""(?P<q>['"]|\.\.\.)(?P<k>[^'"\n.]{1,80})['"]\s*:\s*"""
    r"""(?P<v>'(?:[^'\\\n]|\\.)*'?|"(?:[^"\\\n]|\\.)*"?|[^,{}\[\]\s][^,{}\[\]]*)"""
)
_EK, _EV = _ENTRY.groupindex["k"], _ENTRY.groupindex["v"]
# What follows pydantic's cut up to the next entry: a value whose key the cut took whole
# ("...: '<v>'"), cut ("...tial': '<v>'", "'passwo...: '<v>'") or left before it, or the rest of a value
# cut in its middle ("...731plum'"), which may be another key's (the cut can take whole entries).
_CUT_VALUE = re2.compile(
    r"""\.\.\.(?:[^,:{}\[\]'"\n]{0,80}['"]?\s*:\s*)?"""
    r"""(?P<cv>'(?:[^'\\\n]|\\.)*'?|"(?:[^"\\\n]|\\.)*"?|[{\[][^\n]*|[^,{}\[\]\s'"][^,{}\[\]]*)"""
)
_CV = _CUT_VALUE.groupindex["cv"]


def _letters(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def _respells(key: str, field: str) -> bool:
    """Whether `key` could be `field` written another way: its letters in order within the field's
    ("pw", "accessTok" for password, access_token), or the field's within the key's."""
    k, f = _letters(key), _letters(field)
    return bool(k) and bool(f) and (_subsequence(k, f) or _subsequence(f, k))


def _respelled_values(
    text: str, start: int, end: int, loc: str, extras: frozenset[str] | set[str] = frozenset()
) -> Iterator[tuple[int, int, str]]:
    """The values of a quoted input whose keys respell a secret part of `loc`, or are in `extras`."""
    fields = _secret_parts(loc)
    for entry in _ENTRY.finditer(text, start, end):
        if entry.group(_EK) in extras or any(_respells(entry.group(_EK), f) for f in fields):
            yield entry.start(_EV), entry.end(_EV), "secret"


#: The longest input pydantic shows cut: 25 bytes, "...", 24 bytes (fewer characters when not ASCII);
#: a longer one is whole, judged by its keys ("..." is then its own text).
_CUT_SHOWN = 60


def _cut_values(text: str, start: int, end: int) -> Iterator[tuple[int, int, str]]:
    """The value after pydantic's cut of a long structure (its first and last bytes around ``...``):
    its key is gone or cut, so nothing judges it, and a piece of a value teaches a repair nothing. A
    cut string is one field's, judged by its location."""
    if end - start > _CUT_SHOWN or text[start] not in "{[(" or "..." not in text[start:end]:
        return
    for cut in _CUT_VALUE.finditer(text, start, end):
        if cut.end(_CV) > cut.start(_CV):
            yield cut.start(_CV), cut.end(_CV), "secret"
