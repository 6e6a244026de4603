"""An episode's own secrets (values it sent under secret keys), hidden wherever a text echoes them.

A tool may echo what it was sent in another spelling: JSON-escaped, percent-encoded, in another
case, with its separators dropped, changed or put in (``ABCD-EF12-...`` as ``ABCDEF12...`` or
``abcd ef12 ...``, a passphrase without its spaces, ``h.u.n.t.e.r``), or encoded (base64 at any
offset: ``base64("user:" + secret)`` holds the secret's base64 shifted; hex). Each is matched:
the written forms as text, case ignored (`known_forms`); the separator-free spelling (the secret's
letters and digits, 8 or more) against the text's letters and digits, through whatever lies between
them, within a bounded stretch.
"""

from __future__ import annotations

import base64
import functools
import json
import re
import string
from collections.abc import Callable
from urllib.parse import quote, quote_plus

from ._secret_escapes import decoded_view, original_span

__all__ = ["hide_known", "known_forms"]

Span = tuple[int, int, str]

_MIN_FORM = 6
_MIN_ENCODED = 8  # a shorter base64 or hex run of a secret may occur by chance
_MIN_SKELETON = 8
#: What may stand between a secret's characters in an echo: ASCII punctuation, white space, and
#: the Unicode spaces. (bytes.translate on ASCII text: a regex deleting them took 200 us on 2 KB.)
_DROP = string.punctuation + string.whitespace + "\u00a0\u2000\u2001\u2002\u2003\u2009\u200b\u202f\u3000"
_DROP_SET = frozenset(_DROP)
_DROP_BYTES = _DROP.encode("ascii", "ignore")
_DROP_TABLE = str.maketrans(dict.fromkeys(_DROP))


def _strip(lowered: str) -> str:
    if lowered.isascii():
        return lowered.encode("ascii").translate(None, _DROP_BYTES).decode("ascii")
    return lowered.translate(_DROP_TABLE)


def _base64_runs(raw: bytes) -> set[str]:
    """The base64 characters that spell `raw` wherever it sits in a longer encoded text: at each of
    the three byte offsets, only the characters no neighbouring byte changes (standard and URL-safe)."""
    runs: set[str] = set()
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode().rstrip("=")
        first = -(-8 * offset // 6)  # the first character holding only the secret's bits
        last = 8 * (offset + len(raw)) // 6  # past the last one
        run = encoded[first:last]
        runs.add(run)
        runs.add(run.replace("+", "-").replace("/", "_"))
    return {r for r in runs if len(r) >= _MIN_ENCODED}


@functools.lru_cache(maxsize=1024)
def known_forms(value: str) -> frozenset[str]:
    """`value` as a text may quote it: raw, JSON-escaped (ASCII or not), percent-encoded (a URL, a
    form), base64 (at any offset) and hex."""
    forms = {value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
    # A lone surrogate (a tool's broken text) is percent-encoded as its bytes, never raised on.
    sp = "surrogatepass"
    forms |= {quote(value, safe="", errors=sp), quote(value, errors=sp), quote_plus(value, errors=sp)}
    forms = {f for f in forms if len(f) >= _MIN_FORM}
    raw = value.encode("utf-8", "surrogatepass")
    if len(raw) * 2 >= _MIN_ENCODED:
        forms |= _base64_runs(raw) | {raw.hex()}
    return frozenset(forms)


@functools.lru_cache(maxsize=1024)
def _folded(value: str) -> frozenset[str]:
    """`known_forms(value)`, lower-cased: a tool may echo a value in another case."""
    return frozenset(f.lower() for f in known_forms(value))


@functools.lru_cache(maxsize=1024)
def _skeleton(value: str) -> str:
    """`value`'s letters and digits, lower-cased ("" when fewer than `_MIN_SKELETON`)."""
    skeleton = _strip(value.lower())
    return skeleton if len(skeleton) >= _MIN_SKELETON else ""


def _skeleton_spans(text: str, lowered: str, skeletons: set[str]) -> list[tuple[int, int]]:
    """Where `text` spells one of `skeletons` with any separators between its characters (at most
    eight separator characters per character, plus 8: a secret spelled out with ", ", " / ", two
    spaces or " ... " between its characters; one each let 3 of 3 such echoes through, attack25,
    three each let " ... " through). Only separators stand between the characters, so the width
    reads no prose: a word between two of them breaks the spelling."""
    stripped = _strip(lowered)
    found = [s for s in skeletons if s in stripped]
    if not found:
        return []
    where = [i for i, c in enumerate(lowered) if c not in _DROP_SET]  # stripped[i] is lowered[where[i]]
    spans: list[tuple[int, int]] = []
    for skeleton in sorted(found, key=len, reverse=True):
        i = stripped.find(skeleton)
        while i >= 0:
            start, end = where[i], where[i + len(skeleton) - 1] + 1
            if end - start <= 9 * len(skeleton) + 8:
                spans.append((start, end))
            i = stripped.find(skeleton, i + len(skeleton))
    return spans


def _found(text: str, lowered: str, known: set[str], skeletons: set[str]) -> list[tuple[int, int]]:
    """Where `text` spells a known secret: every form in any case (a form as written is one of them),
    then the separator-free spelling."""
    spans: list[tuple[int, int]] = []
    for form in sorted({f for k in known for f in _folded(k) if f in lowered}, key=len, reverse=True):
        start = lowered.find(form)
        while start >= 0:
            spans.append((start, start + len(form)))
            start = lowered.find(form, start + len(form))
    if skeletons:
        spans += _skeleton_spans(text, lowered, skeletons)
    return spans


# Where a text cut a value: an ellipsis ("...", "\u2026", ". . ."), or a bracket holding one ("[...]",
# "(\u2026)", "<...>", "[... 120 chars truncated]"), a space either side at most.
_CUT_MARK = re.compile(
    r" ?([\[(<{][^\[\](){}<>\n]{0,40}?(?:\. ?\. ?\.|\u2026)[^\[\](){}<>\n]{0,40}?[\])>}]|\.(?: ?\.){2}|\u2026) ?"
)
_MIN_CUT = 8  # the shortest beginning or end of a secret hidden beside an ellipsis
_TRIES = 4  # occurrences of a secret's first or last characters tried beside one ellipsis


def _cut_spans(lowered: str, known: set[str]) -> list[tuple[int, int]]:
    """Where `lowered` shows a known secret cut (pydantic's ``'abcd...wxyz'``, a log's ``abcd\u2026``, a
    tool's ``abcd[...]``, ``abcd . . .``): a beginning of it (`_MIN_CUT` characters or more) a cut mark
    ends, an end of it a cut mark starts, each with its mark. Slices compared in C, a few tries per
    mark: a text of many marks costs a look near each, not a walk per character."""
    dotted = ". ." in lowered or ".." in lowered or "\u2026" in lowered
    # (where the kept part may end, where the mark ends, where it starts, where the other part may start)
    cuts = [(m.start(), m.end(1), m.start(1), m.end()) for m in _CUT_MARK.finditer(lowered)] if dotted else []
    spans: list[tuple[int, int]] = []
    for value in known:
        secret = value.lower()
        if len(secret) <= _MIN_CUT:
            continue
        head, tail = secret[:_MIN_CUT], secret[-_MIN_CUT:]
        heads, tails = head in lowered, tail in lowered
        for at, mark_end, mark_start, after in cuts if heads or tails else ():
            if heads:  # the longest beginning of the secret that ends at the mark
                i = lowered.find(head, max(0, at - len(secret) + 1), at)
                for _ in range(_TRIES):
                    if i < 0:
                        break
                    if lowered[i:at] == secret[: at - i]:
                        spans.append((i, mark_end))
                        break
                    i = lowered.find(head, i + 1, at)
            if tails:  # the longest end of the secret that starts after it
                j = lowered.rfind(tail, after, after + len(secret) - 1)
                for _ in range(_TRIES):
                    if j < 0:
                        break
                    shown = lowered[after : j + _MIN_CUT]
                    if secret.endswith(shown):
                        spans.append((mark_start, j + _MIN_CUT))
                        break
                    j = lowered.rfind(tail, after, j + _MIN_CUT - 1)
    return spans


def _lower(text: str) -> str:
    """`text` lower-cased position for position: a letter whose lower case is longer (Turkish "İ") is
    kept as it is, so a span of the result is the same span of `text`."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(low if len(low := ch.lower()) == 1 else ch for ch in text)


def hide_known(text: str, known: set[str], apply: Callable[[str, list[Span]], str]) -> str:
    """`text` with the episode's own secrets hidden in each spelling a text echoes them in (see the
    module); `apply` replaces the spans found."""
    lowered = _lower(text)
    skeletons = {s for k in known if (s := _skeleton(k))}
    spans = _found(text, lowered, known, skeletons) + _cut_spans(lowered, known)
    # the same read through the text's character escapes (`_secret_escapes`): "&#81;&#117;...", "\u0051..."
    view = decoded_view(text)
    if view is not None:
        spans += [original_span(view[1], s, e) for s, e in _found(view[0], _lower(view[0]), known, skeletons)]
    if not spans:
        return text
    return apply(text, [(start, end, "secret") for start, end in spans])
