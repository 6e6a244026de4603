"""An Oracle connect string's password: ``user/password@connect_identifier``.

SQL*Plus, JDBC's thin driver and Oracle's tools take the credentials before an ``@`` and the
database after it (``sqlplus scott/<pw>@//db:1521/ORCL``, ``jdbc:oracle:thin:scott/<pw>@db:1521/ORCL``,
an ``ORA-01017`` message quoting the string it was given), with no scheme, no ``://`` and no key
word: the user-info rule of URLs and every pair rule missed it (3 of 3 forms reached the text,
2026-12-07, attack16's pass). The shape alone (``a/b@c``) is also a package, an image or a path
(``@scope/pkg@1.0``, ``org/app@sha256:...``), so it is read only in a text that names Oracle or
its tools (`CUES`), the user must stand at a word's start, and a digest (``@sha256:``) is no database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["CUES", "oracle_spans"]

#: Lower-case words one of which a text must hold (they also pass the redaction's pre-filter).
CUES = ("oracle", "sqlplus", "ora-", "@//", "tnsnames", "sqlldr", "expdp", "impdp")
_CUE = re.compile(r"oracle|sqlplus|\bora-\d{5}\b|@//|tnsnames|sqlldr|expdp|impdp", re.IGNORECASE)
_CONNECT = re.compile(
    r"(?<![\w/@.\-$#])[A-Za-z][\w$#]{0,29}/(?P<s>[^\s/@\"'()]{1,128})@(?!sha\d{1,3}:)(?://)?[A-Za-z0-9\[][\w.\-:\[\]]{0,252}"
)


def oracle_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """The password of each ``user/password@database`` in a text that names Oracle."""
    if _CUE.search(text) is None:
        return
    for m in _CONNECT.finditer(text):
        yield m.start("s"), m.end("s"), "password"
