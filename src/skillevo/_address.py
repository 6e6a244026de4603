"""Whether a text names a place data could be sent: the address rule guidance and descriptions pass.

A URL, an e-mail address, a ``www.`` name, a name followed by a path or a port, and an IP address
(dotted, integer, hex or octal IPv4; IPv6 bracketed or bare) are addresses however they are written.
A bare dotted name is judged by its ending, against IANA's list of top-level domains (vendored in
``_iana_tlds.txt``, with its source and date):

* a generic ending (``com``, ``net``, ``org``, ``edu``, ``gov``, ``mil``, ``int``, ``arpa``,
  ``onion``) makes a host, however it is written;
* an ending most host names use and few identifiers end with (`_HOST_TLDS`: ``io``, ``me``,
  ``info``, ``ru``, ``xyz``, ``shop``, ``top``, ``app`` ...) makes a host unless the name is written
  as code: inside backticks, or a dotted attribute path (led by ``self``, ``this`` or ``cls``, a label
  with ``_`` or a camelCase capital, or a call or an index after it: ``self.data.info``,
  ``data_src.info``, ``userProfile.me``, ``data.info()``). A plain ``user.me`` reads as the host it is;
* any other real ending (``cc``, ``py``, ``id``, ``name``, ``email``, ``date``, ``zip`` ... are
  top-level domains, and field names and file extensions too) makes a host when the name has a
  label with a hyphen (no identifier has one; a file name ``run-tests.sh`` stays) or when a sending
  verb leads to it ("send the record to collect.cc", "upload it via evil.zip"), unless it is written
  as code: "send the invoice to `invoice.email`" names a field path.

A sending verb leads to a name with a host ending written as code too ("post the record to
`evil.shop`"). A dotted quad after a version word (``version 1.2.3.4``, ``v1.2.3.4``) is a version.
"""

from __future__ import annotations

import functools
import ipaddress
import mimetypes
import re
import socket
from collections.abc import Iterator
from pathlib import Path

__all__ = ["bare_address"]


def _iana() -> frozenset[str]:
    lines = Path(__file__).with_name("_iana_tlds.txt").read_text(encoding="ascii").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


_IANA_TLDS = _iana() | {"onion"}  # and the special-use name Tor's hosts end in (RFC 7686)
_GENERIC_TLDS = frozenset({"com", "net", "org", "edu", "gov", "mil", "int", "arpa", "onion"})
#: Endings of most host names, rarely a field's name: the legacy and country endings hosts use most,
#: and the new endings most used for abuse (Spamhaus's and Interisle's yearly lists).
_HOST_TLDS = _GENERIC_TLDS | frozenset(
    {"io", "co", "ai", "dev", "xyz", "biz", "info", "me", "ru", "cn", "uk", "de", "fr", "nl", "eu", "jp", "br", "au",
     "ca", "ch", "su", "tk", "ml", "ga", "cf", "gq", "pw", "shop", "top", "app", "online", "site", "club", "icu",
     "vip", "cyou", "buzz", "cfd", "sbs", "bond", "quest", "monster", "lol", "mom"}
)  # fmt: skip
#: File extensions that are also endings: a hyphenated file name (``run-tests.sh``) is no host.
_FILE_EXTENSIONS = frozenset(ext.lstrip(".") for ext in mimetypes.types_map) | {"py", "md", "rs", "cc", "pl", "ps"}

_NAME = re.compile(r"(?<![\w@.-])((?:[A-Za-z0-9_](?:[\w-]{0,61}[A-Za-z0-9_])?\.)+([A-Za-z]{2,24}))(?![\w-])")
_BACKTICKS = re.compile(r"`[^`\n]{1,200}`")
_CAMEL = re.compile(r"[a-z0-9][A-Z]")
_RECEIVERS = frozenset({"self", "this", "cls"})  # an attribute path on an object: self.data.info
_SEND = re.compile(
    r"(?i)\b(?:send|sent|post|upload|forward|mirror|transmit|submit|report|push|export|sync|deliver|leak|"
    r"exfiltrate|beacon|ping|contact|visit|browse|fetch|download|curl|wget|connect|redirect|navigate|share|"
    r"relay|notify|publish|stream|dump)\w*\b"
    r"[^.;!?\n]{0,60}?\b(?:to|at|via|into|onto|toward|towards|from|on)\s+(?:the\s+)?"
    r"(?:(?:host|server|domain|site|website|endpoint|address|url)\s+)?[`'\"]?$"
)
_CUE_WINDOW = 96


def _sent_to(text: str, start: int) -> bool:
    """Whether a sending verb leads to the name at `start` ("send the record to ...")."""
    return _SEND.search(text, max(0, start - _CUE_WINDOW), start) is not None


def _as_code(text: str, m: re.Match[str], ticks: list[tuple[int, int]]) -> bool:
    """Whether the dotted name `m` is written as code: in backticks, or an attribute path."""
    name = m.group(1)
    if any(a < m.start() and m.end() < b for a, b in ticks) and "-" not in name:
        return True
    labels = name.split(".")
    if labels[0] in _RECEIVERS or any("_" in label or _CAMEL.search(label) for label in labels):
        return True
    return text[m.end() : m.end() + 1] in ("(", "[")


def _host_names(text: str) -> Iterator[bool]:
    ticks = [t.span() for t in _BACKTICKS.finditer(text)] if "`" in text else []
    for m in _NAME.finditer(text):
        tld = m.group(2).lower()
        if tld not in _IANA_TLDS:
            continue
        if tld in _GENERIC_TLDS:
            yield True
        elif tld in _HOST_TLDS:
            yield _sent_to(text, m.start()) or not _as_code(text, m, ticks)
        else:  # a field's name too: a field path written as code stays, sent to or not (`invoice.email`)
            hyphen = any("-" in label for label in m.group(1).split(".")[:-1]) and tld not in _FILE_EXTENSIONS
            yield (hyphen or _sent_to(text, m.start())) and not _as_code(text, m, ticks)


# IPv4 written as a dotted quad (a version number after a version word is none), or as inet_aton reads
# it: dotted with hex (0x7f.1) or octal (0177.0.0.1) parts, a 32-bit hex number, or (after a sending
# verb) a plain integer ("http://2130706433" is read as a URL already).
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
_VERSION = re.compile(r"(?i)(?:\b(?:v|ver|version|versions|release|build|rev|revision)\.?[ \t:]*|\bv)\Z")
_IPV4_ODD = re.compile(
    r"(?i)(?<![\w.])(?:(?:0x[0-9a-f]{1,8}|\d{1,10})\.){1,3}(?:0x[0-9a-f]{1,8}|\d{1,10})(?![\w.])"
    r"|(?<![\w.])0x[0-9a-f]{7,8}(?![\w.])|(?<![\w.])\d{8,10}(?![\w.])"
)
# IPv6: bracketed (not a slice after a name: items[::2]), or bare with "::" or eight groups.
_IPV6_BRACKETED = re.compile(r"(?i)(?<![\w\])])\[[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}\]")
_IPV6_BARE = re.compile(r"(?i)(?<![\w:.\[])(?=[0-9a-f:]*::|(?:[0-9a-f]{1,4}:){7})[0-9a-f:]{2,39}(?![\w:])")


def _ipv4(text: str) -> bool:
    for m in _IPV4.finditer(text):
        if _VERSION.search(text, max(0, m.start() - 16), m.start()) is None:
            return True
    for m in _IPV4_ODD.finditer(text):
        candidate = m.group(0).lower()
        parts = candidate.split(".")
        if len(parts) == 1 and not candidate.startswith("0x") and not _sent_to(text, m.start()):
            continue  # a plain number: an order number, unless something is sent to it
        odd = any(p.startswith("0x") or (len(p) >= 3 and p.startswith("0")) for p in parts)
        if len(parts) > 1 and not odd:
            continue  # plain dotted numbers: a version, a date (the dotted quad is judged above)
        try:
            first = socket.inet_aton(candidate)[0]
        except OSError:
            continue
        if 1 <= first <= 223:
            return True
    return False


def _ipv6(text: str) -> bool:
    if _IPV6_BRACKETED.search(text):
        return True
    for m in _IPV6_BARE.finditer(text):
        if any(c.isdigit() for c in m.group(0)):
            try:
                ipaddress.IPv6Address(m.group(0))
            except ValueError:
                continue
            return True
    return False


@functools.lru_cache(maxsize=4096)
def bare_address(text: str) -> bool:
    """Whether `text` names a host by a bare dotted name, or an IP address (see the module doc)."""
    return any(_host_names(text)) or _ipv4(text) or (":" in text and _ipv6(text))
