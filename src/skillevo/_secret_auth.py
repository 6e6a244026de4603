"""Credentials an authentication scheme carries as parameters, and request signatures named as such.

An ``Authorization`` header's value is a scheme and a comma-separated list of ``name=value``
parameters (RFC 9110's auth-params): HTTP Digest's proof is ``response="..."``, AWS SigV4's
``Signature=...`` beside ``Credential=<access key>/...``, a custom HMAC scheme's ``signature=``.
The pair rule reads only the value's first token, so `auth_params_end` extends a secret key's value
over the whole parameter list. A signature named as such (``Signature=``, ``X-Signature:``,
``signature <hex>``, ``{"signature": ...}``) holding a digest (hex, or base64 with digits) is a
credential wherever it stands (a presigned URL's signature grants the request); the word with other
values (an error's signature, a function's, a signature's method or version) keeps them.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator

__all__ = ["auth_params_end", "is_basic_credential", "is_digest", "signature_spans"]

# A scheme word, then one or more "name=value" parameters (values quoted, escaped quotes too, or bare).
_AUTH_PARAMS = re.compile(
    r"[A-Za-z][\w.\-]{0,63}[ \t]+"
    r"(?:[A-Za-z][\w.\-]{0,63}[ \t]*=[ \t]*(?:\\{0,3}\"(?:[^\"\\\n]|\\[^\"\n]){0,512}\\{0,3}\"|[^\s,\"\\]{0,512})"
    r"(?:[ \t]*,[ \t]*)?){1,32}"
)


def auth_params_end(text: str, start: int, end: int) -> int:
    """Where a secret key's value that starts at `start` ends when it is a scheme with parameters
    (``Digest username="u", response="..."``): past its last parameter; else `end`."""
    m = _AUTH_PARAMS.match(text, start)
    # a list of parameters has a comma ("password=x dbname=y" is a libpq DSN's next field)
    if m is None or m.end() <= end or "," not in text[end : m.end()].rstrip(" \t,"):
        return end
    stop = m.end()
    while stop > end and text[stop - 1] in " \t,":
        stop -= 1
    return stop


# A digest: hex of 128 bits or more, or a base64 run holding a digit (a word or a name holds none).
_HEX = re.compile(r"[0-9a-fA-F]{32,1024}")
_B64 = re.compile(r"[A-Za-z0-9+/_\-]{20,1024}={0,2}")


def is_digest(value: str) -> bool:
    """Whether `value` reads as a signature's digest (hex of 32+ digits, or base64 of 20+ with a digit)."""
    if _HEX.fullmatch(value):
        return True
    return _B64.fullmatch(value) is not None and any(c.isdigit() for c in value)


# "signature" (any prefix: X-Signature, oauth_signature, X-Amz-Signature), then "=", ":" or a space,
# an optional quote, and a run that may be a digest.
_SIGNATURE = re.compile(
    r"signatures?(?![\w\-])\\{0,3}[\"']?[ \t]{0,3}[:=]?[ \t]{0,3}\\{0,3}[\"']?(?P<s>[A-Za-z0-9+/_\-]{16,1024}={0,2})",
    re.IGNORECASE,
)


def signature_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """Spans of `text` holding a digest named a signature (see the module)."""
    if "ignature" not in text and "IGNATURE" not in text:
        return
    for m in _SIGNATURE.finditer(text):
        if is_digest(m.group("s")):
            yield m.start("s"), m.end("s"), "signature"


def is_basic_credential(value: str) -> bool:
    """Whether `value` (after ``Basic``) is base64 of ``user:password``."""
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return b":" in decoded
