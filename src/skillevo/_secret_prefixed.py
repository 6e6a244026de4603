"""API keys behind a vendor prefix that no detector names: ``shpat_<32 hex>``, ``dop_v1_<64 hex>``,
``npm_<36>``, ``gsk_<52>``, ``xai-<80>``, ``lin_api_<40>``.

Services write their keys as a short lower-case prefix (a few words joined by ``_`` or ``-``) and a
long random run, and new services keep adding prefixes: detect-secrets knows a dozen of them. So the
shape is read, not the vendor: a run of 32+ letters and digits behind such a prefix, holding a digit
and a letter, is a key when it is as random as detect-secrets' own high-entropy plugins require
(its hex limit for a run of hex digits, its base64 limit otherwise). Ids of that size are shorter
(a Stripe id, an OpenAI file id) or not one run (a UUID's dashes); a content hash is named by its
prefix (``sha256_``, ``md5-``) and kept; an identifier in camel case is not random enough.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator

import re2  # type: ignore[import-untyped]
from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString, HexHighEntropyString

__all__ = ["prefixed_key_spans"]

# The prefix (a few lower-case words) and the run. RE2, in time linear in the text: Python's engine
# tried the prefix at every lower-case letter (80 us on a 2,000-character JSON result, 7 with RE2).
# RE2 has no lookaround, so the word boundaries are checked on each match (`_BEFORE`, `_AFTER`).
_SHAPE = r"([a-z][a-z0-9]{0,9}(?:[_\-][a-z0-9]{1,6}){0,2})[_\-]([A-Za-z0-9]{32,256})"
_PREFIXED = re2.compile(_SHAPE)
_PREFIXED_PY = re.compile(_SHAPE)  # for a text RE2 cannot take (a lone surrogate is not UTF-8)
_BEFORE = frozenset(string.ascii_letters + string.digits + "_-")
_AFTER = frozenset(string.ascii_letters + string.digits)
# Prefix words that name a digest or a version-control id: what follows is a hash, not a key.
_DIGEST_WORD = re.compile(
    r"(?:sha\d*|md\d|blake\w*|crc\d*|xxh\w*|keccak\w*|murmur\w*|hash|digest|checksum|etag|commit)"
)
_HEX = frozenset(string.hexdigits)
_BASE64 = Base64HighEntropyString()
_HEXES = HexHighEntropyString()


def _random(run: str) -> bool:
    if not (any(c.isdigit() for c in run) and any(c.isalpha() for c in run)):
        return False
    if _HEX.issuperset(run):
        return _HEXES.calculate_shannon_entropy(run) >= _HEXES.entropy_limit
    return _BASE64.calculate_shannon_entropy(run) >= _BASE64.entropy_limit


def prefixed_key_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """Spans of `text` holding a key behind a vendor prefix (the prefix and the run)."""
    try:
        matches = list(_PREFIXED.finditer(text))
    except UnicodeEncodeError:
        matches = list(_PREFIXED_PY.finditer(text))
    for m in matches:
        start, end = m.span()
        if (start and text[start - 1] in _BEFORE) or (end < len(text) and text[end] in _AFTER):
            continue  # inside a longer word: not a prefix and its run
        if any(_DIGEST_WORD.fullmatch(w) for w in re.split(r"[_\-]", m.group(1))):
            continue
        if _random(m.group(2)):
            yield start, end, "api_key"
