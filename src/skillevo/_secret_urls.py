"""Secrets a URL carries outside a ``key=value`` pair: a token as its user name, and anything written
percent-encoded.

A user name that is a token (`userinfo_spans`): git remotes carry a personal access token as the
URL's user name (``https://<token>@github.com/o/r.git``, ``https://<token>:x-oauth-basic@...``),
with no password for the ``user:password@`` rule to hide. A user name is read as a token when it is
16+ characters of letters and digits (and ``_ - ~``) with a digit *inside* it, not only a number at
its end: ``service-account-2024``, ``app_user``, ``git`` stay.

Percent-encoding (`percent_spans`): a URL inside another URL's query (``/login?next=https%3A%2F%2F
user%3A<password>%40host``) hides its ``:`` and ``@`` from every rule. Each word (a run of non-space
characters) holding a ``%XX`` run that spells such a character, a quote, a letter or a digit is read
again decoded (twice over, for a value encoded twice), every rule runs on that reading, and what
they find is mapped back onto the text (a character a run spells covers the whole run). A run of
encoded spaces or commas alone ("hello%20world") is read as written: reading every text with one
again tripled the cost of redacting it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from ._secret_forms import decoded_reading

__all__ = ["percent_spans", "userinfo_spans"]

# A URL's user name, then an optional ":password", then "@": the user name is group "s".
# (From the "://": a pattern starting at the scheme was tried at every letter of a text.)
_USERINFO = re.compile(r"://(?P<s>[A-Za-z0-9_\-~]{16,256})(?::[^\s/?#@\[\]]*)?@")
# A URL's password as people write it, not as RFC 3986 allows it: "#", "!", "$", "?" and "@" left
# unencoded ("postgres://app:Zq8#mLp2vR@db:5432/x"), which detect-secrets' rule stops at. The password
# runs to the last "@" before a host name that ends the authority (a port, a path, a query, the text's
# end or a delimiter); no "/" or space (an encoded one is read by `percent_spans`). Bounded.
_PASSWORD_USERINFO = re.compile(
    r"://[^\s:/?#@\[\]]{0,256}:(?P<s>[^\s/]{1,256})@"
    r"(?=[A-Za-z0-9\[][\w.\-\[\]]{0,253}+(?::\d{1,5})?(?:[/?#\s,;'\"<>)]|\Z))"
)
_TRAILING_NUMBER = re.compile(r"[\-_~]?\d+\Z")


def _token_like(name: str) -> bool:
    """Letters and a digit inside it (not only a number at its end: "service-account-2024")."""
    if not any(c.isalpha() for c in name):
        return False
    return any(c.isdigit() for c in _TRAILING_NUMBER.sub("", name))


def userinfo_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """Spans of `text` holding a token written as a URL's user name, or a password written with
    characters a URL should have encoded (`_PASSWORD_USERINFO`)."""
    for m in _USERINFO.finditer(text):
        if _token_like(m.group("s")):
            yield m.start("s"), m.end("s"), "token"
    for m in _PASSWORD_USERINFO.finditer(text):
        value = m.group("s")  # a port's digits alone are none ("://host:8080@...")
        if not value.isdigit() and not value.startswith("[REDACTED"):
            yield m.start("s"), m.end("s"), "password"


_PERCENT_RUN = re.compile(r"(?:%[0-9A-Fa-f]{2})+")


def _percent_decoded(run: str) -> str | None:
    """What a percent-encoded run spells, or None when it is not UTF-8 (it stays as written)."""
    try:
        return bytes(int(run[i + 1 : i + 3], 16) for i in range(0, len(run), 3)).decode("utf-8")
    except UnicodeDecodeError:
        return None


#: What an encoded run may spell that changes what a rule reads: a URL's or a pair's punctuation,
#: a quote, a percent sign (encoded twice), a letter or digit ("pass%77ord"), any non-ASCII letter.
#: A run spelling only spaces and other punctuation ("hello%20world", "a%2Cb") is read as written.
_TELLING = frozenset(":/@=&?#%\"'\\")


def _telling(run: str) -> bool:
    for i in range(0, len(run), 3):
        code = int(run[i + 1 : i + 3], 16)
        char = chr(code)
        if code >= 0x80 or char.isalnum() or char in _TELLING:
            return True
    return False


def _token_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The run of non-space characters around ``text[start:end]``."""
    lo = max(text.rfind(c, 0, start) for c in " \n\t\r") + 1
    ends = [i for i in (text.find(c, end) for c in " \n\t\r") if i >= 0]
    return lo, min(ends) if ends else len(text)


def percent_spans(
    text: str, spans_of: Callable[[str], Iterable[tuple[int, int, str]]], depth: int = 2
) -> Iterator[tuple[int, int, str]]:
    """Spans of `text` that `spans_of` finds in the percent-decoded reading of the words holding an
    encoded run that spells something a rule reads (and, `depth` times over, in that reading's own
    decoded reading), mapped back onto `text`. Only such words are read again, all of them in one
    reading (one line each): a text's other words, and words whose runs spell only spaces or
    commas, cost nothing more."""
    if "%" not in text:
        return
    words: list[tuple[int, int]] = []
    for m in _PERCENT_RUN.finditer(text):
        if (words and m.start() < words[-1][1]) or not _telling(m.group(0)):
            continue
        words.append(_token_bounds(text, m.start(), m.end()))
    if not words:
        return
    # The words joined by line breaks, and where each of its characters starts and ends in `text`
    # (a line break: at the end of the word before it).
    joined = "\n".join(text[lo:hi] for lo, hi in words)
    at: list[int] = []
    for i, (lo, hi) in enumerate(words):
        at.extend(range(lo, hi))
        if i < len(words) - 1:
            at.append(hi)
    reading = decoded_reading(joined, _PERCENT_RUN, _percent_decoded)
    if reading is None:
        return
    decoded, starts, ends = reading
    found = list(spans_of(decoded))
    if depth > 1:
        found += percent_spans(decoded, spans_of, depth - 1)
    for start, end, kind in found:
        if end > start:
            yield at[starts[start]], at[ends[end - 1] - 1] + 1, kind
