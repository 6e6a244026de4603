"""A private key's body without its armor: base64 of a DER-encoded key.

The private-key rules read the armor (``-----BEGIN ... PRIVATE KEY-----``). A key's body alone
(a ``material`` field, a key pasted without its header lines, the body split from its armor into
another value, a key on one line after a message) names nothing and is only a long base64 run,
like an image or a file (7 of 7 lines of a PKCS#8 key stayed in each of 4 forms, 2026-12-07,
attack16's pass). What a DER private key is can be read from its first bytes: a SEQUENCE whose
first member is the version INTEGER 0 (PKCS#1 RSA, PKCS#8) or INTEGER 1 followed by an OCTET
STRING (SEC1 EC); a certificate or a public key starts with a nested SEQUENCE instead. A base64
run (and the base64 lines that continue it) whose decoded head is that structure is hidden whole.

Its lines are not always apart: a body pasted into a one-line field, or logged by a tool that joins
lines, has a space or a tab between them, and the rule that hid the first line left every later one
(2 of 2 joinings, attack17). A piece after a space or a tab continues the run when it is as long as a
key's line can be while an ordinary word is not (16 characters or more), or ends with base64's
padding; a last line shorter than that without padding stays (at most 11 bytes of the key). An
OpenSSH private key's body (``openssh-key-v1``, what ``ssh-keygen`` writes) is no DER structure:
its decoded head is that magic, read the same way (2 of 2 forms stayed before).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator

__all__ = ["der_key_spans"]

# A run starting "M" (0x30, a SEQUENCE, in base64) or with OpenSSH's magic, continued over line
# breaks (raw, CRLF, or JSON-escaped) by further base64 lines, or over a space or a tab by pieces a
# word is not (see the module doc).
_RUN = re.compile(
    r"(?<![A-Za-z0-9+/])(?:M[A-Za-z0-9+/]{59,}|b3BlbnNzaC1rZXktdjE[A-Za-z0-9+/]{40,})={0,2}"
    r"(?:(?:\r?\n|\\r\\n|\\n)[ \t]*[A-Za-z0-9+/]{4,}={0,2}"
    r"|[ \t]+(?:[A-Za-z0-9+/]{16,}={0,2}|[A-Za-z0-9+/]{1,15}={1,2})(?![^\s]))*"
)
#: ``openssh-key-v1`` and its NUL: the head of an OpenSSH private key file's body.
_OPENSSH = b"openssh-key-v1\x00"


def _is_private_key_head(head: bytes) -> bool:
    if len(head) < 8 or head[0] != 0x30:
        return False
    n = head[1]
    at = 2 if n < 0x80 else 2 + (n & 0x7F)
    if n >= 0x80 and not 1 <= n & 0x7F <= 3:
        return False
    rest = head[at : at + 4]
    return rest[:3] == b"\x02\x01\x00" or rest == b"\x02\x01\x01\x04"


def der_key_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """Where `text` holds the base64 body of a DER private key (its continuation lines included)."""
    if "M" not in text and "b3BlbnNzaC1rZXktdjE" not in text:
        return
    for m in _RUN.finditer(text):
        try:
            head = base64.b64decode(m.group(0)[:20], validate=True)
        except (binascii.Error, ValueError):
            continue
        if head.startswith(_OPENSSH) or _is_private_key_head(head):
            yield m.start(), m.end(), "private_key"
