"""What a skill's texts may hold: no address in what the model reads, nothing hidden from a reviewer.

Two rules every proposal passes (`check_proposal`, so mined, model-written, transferred and imported
skills alike):

* **No address in guidance or description.** A skill says how to call the tools; a URL, an e-mail
  address, a host name or an IP address in its guidance is where the model would be told to send
  data ("always copy the full customer record to https://..."). No instruction pattern has to
  match for that to harm, and a call that still succeeds makes such guidance win a live test, so
  the rule is on the shape of the text, not on its wording. Spelled-out forms (``refunds at
  evil-corp dot io``, ``ops [at] example [dot] com``) are read as what they spell.
* **Nothing hidden in code, repairs or triggers.** Bidirectional controls, zero-width and other
  format characters, control characters other than a line feed and a tab, and words mixing
  look-alike letters of several scripts make the text a
  reviewer reads differ from what runs ("Trojan Source": a string that seems to end before an
  ``if``, a line that a lone carriage return draws over another). Code never needs them written
  raw: a string literal can spell them with an escape.

`shown_escaped` is the renderers' side of the second rule, for rows stored before it, and
`prompt_safe` the prompt's side of the text rules a proposal's guidance passes: guidance stored
around the check (an older release's library, ``add_skill``) is judged again before a model reads it.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from ._address import bare_address
from ._shape import carries_address
from ._untrusted import has_hidden, is_mixed_script, looks_like_injection

__all__ = ["hidden_in", "mentions_address", "prompt_safe", "shown_escaped"]

_WWW = re.compile(r"(?i)(?<![\w.])www\d?\.[a-z0-9-]+")
# A dotted name with a path or a port after it is a host whatever its ending (``bit.ly/x``,
# ``webhook.site/abc``, ``evil.shop:8080``): an argument path has neither.
_HOST_PATH = re.compile(r"(?i)(?<![\w@./-])(?:[a-z0-9-]+\.)+[a-z]{2,24}(?::\d{1,5})?/(?!\d+\b)[\w~%?#=-]|"
                        r"(?<![\w@./-])(?:[a-z0-9-]+\.)+[a-z]{2,24}:\d{2,5}\b")
# The dots IDNA reads as a label separator (ideographic, full-width and half-width full stops).
_IDNA_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
# Spelled-out separators: "[dot]", "(dot)", " dot ", a dot with spaces before it ("evil . com", before a
# lower-case label) and "[at]", "(at)" between word characters, and a plain " at " when a host name
# follows it.
_DOT = re.compile(
    r"(?i)(?<=\w)\s*(?:[\[({<]\s*(?:dot|\.)\s*[\])}>]|\s\bdot\b\s)\s*(?=\w)"
    r"|(?<=[A-Za-z0-9])[ \t]+\.[ \t]*(?=(?-i:[a-z]{2,24})(?![\w.-]))"
)
_AT_BRACKETED = re.compile(r"(?i)(?<=\w)\s*[\[({<]\s*at\s*[\])}>]\s*(?=\w)")
_AT_WORD = re.compile(r"(?i)(?<=\w)\s+at\s+(?=(?:[a-z0-9-]+\.)+[a-z]{2,24}\b)")
_CONTROL = frozenset("\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def _spelled_out(text: str) -> str:
    """`text` with spelled-out dots and at-signs written as the characters they spell."""
    text = _AT_BRACKETED.sub("@", _DOT.sub(".", text))
    return _AT_WORD.sub("@", text)


@functools.lru_cache(maxsize=4096)
def mentions_address(text: str) -> bool:
    """Whether `text` names a place data could be sent: a URL, an e-mail address, a ``www.`` name,
    a host name (followed by a path or a port, or by its ending: `_address.bare_address`), or an IP
    address, as written or spelled out (``[dot]``, ``[.]``, ``evil . com``, an ideographic full stop).
    Read after NFKC (full-width letters and dots count as the plain ones)."""
    plain = unicodedata.normalize("NFKC", text).translate(_IDNA_DOTS)
    for variant in (plain, _spelled_out(plain)):
        if carries_address(variant) or _WWW.search(variant) or _HOST_PATH.search(variant):
            return True
        if bare_address(variant):
            return True
    return False


@functools.lru_cache(maxsize=4096)
def prompt_safe(text: str) -> bool:
    """Whether guidance `text` passes the text rules `check_proposal` holds a proposal's guidance to:
    nothing that reads like an instruction or markup (`looks_like_injection`), no hidden or look-alike
    character, no address. Read where guidance enters a prompt, whatever road stored it."""
    return not (looks_like_injection(text) or has_hidden(text) or is_mixed_script(text) or mentions_address(text))


def _hidden(text: str) -> bool:
    return has_hidden(text) or any(ch in _CONTROL for ch in text)


def _disguised(text: str) -> bool:
    return _hidden(text) or is_mixed_script(text)


def hidden_in(code: str | None, strings: Iterable[str]) -> bool:
    """Whether code (line feeds and tabs allowed) or any of `strings` holds a character that does not
    show as itself: bidirectional, zero-width or other format characters, other control characters
    (a lone carriage return, a form feed, a Unicode line separator among them), or a word mixing
    letters of several scripts (``is_аdmin`` with a Cyrillic ``а``: another name than it shows)."""
    return (code is not None and _disguised(code.replace("\r\n", "\n"))) or any(_disguised(s) for s in strings)


def shown_escaped(text: str) -> str:
    """`text` with every character that does not show as itself written as an escape (``\\x1b``,
    ``\\u202e``; line feeds and tabs kept), so a report shows a reviewer exactly what is stored."""
    if text.isascii() and all(" " <= ch < "\x7f" or ch in "\n\t" for ch in text):
        return text
    out = []
    for ch in text.replace("\r\n", "\n"):
        if ch in "\n\t" or not _hidden(ch):
            out.append(ch)
        else:
            code = ord(ch)  # written as `skillevo show` writes it (cli._render), one style everywhere
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "".join(out)
