"""An Oracle connect string's password: ``user/password@connect_identifier``.

SQL*Plus, JDBC's thin driver and Oracle's tools take the credentials before an ``@`` and the
database after it (``sqlplus scott/<pw>@//db:1521/ORCL``, ``jdbc:oracle:thin:scott/<pw>@db:1521/ORCL``,
an ``ORA-01017`` message quoting the string it was given), with no scheme, no ``://`` and no key
word: the user-info rule of URLs and every pair rule missed it (3 of 3 forms reached the text,
2026-12-07, attack16's pass). The shape alone (``a/b@c``) is also a package, an image or a path
(``@scope/pkg@1.0``, ``org/app@sha256:...``), so it is read only in a text that names Oracle or
its tools (`CUES`), the user must stand at a word's start, and a digest (``@sha256:``) is no database.

A logon names no database when it is to the local one (``sqlplus system/<pw> as sysdba``, ``expdp
system/<pw> directory=...``, ``sqlldr userid=scott/<pw>``, ``CONNECT scott/<pw>``), and a password
holding ``@`` or a space is written quoted (``scott/"p@ss"@ORCL``): 5 of 5 such forms kept the
password (attack17). So ``user/password`` is also read where it is an Oracle tool's logon argument
(after the tool's name and its options, after ``CONNECT`` or ``userid=``), and a password may be quoted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["CUES", "oracle_spans"]

#: Lower-case words one of which a text must hold (they also pass the redaction's pre-filter).
CUES = ("oracle", "sqlplus", "ora-", "@//", "tnsnames", "sqlldr", "expdp", "impdp")
_CUE = re.compile(r"oracle|sqlplus|\bora-\d{5}\b|@//|tnsnames|sqlldr|expdp|impdp", re.IGNORECASE)
#: A password: quoted (any character but the quote), or an unquoted run.
_PASSWORD = r"(?P<s>\"[^\"\n]{1,128}\"|[^\s/@\"'()]{1,128})"
_CONNECT = re.compile(
    r"(?<![\w/@.\-$#])[A-Za-z][\w$#]{0,29}/" + _PASSWORD + r"@(?!sha\d{1,3}:)(?://)?[A-Za-z0-9\[][\w.\-:\[\]]{0,252}"
)
#: ``user/password`` as a logon argument: after an Oracle tool's name and its options, ``CONNECT``, ``userid=``,
#: or RMAN's ``target``/``catalog``/``auxiliary``.
_LOGON = re.compile(
    r"(?i:\b(?:sqlplus|sqlldr|expdp|impdp|exp|imp|rman|dgmgrl|connect)\b(?:[ \t]+-\w+)*[ \t]+"
    r"|\b(?:userid|target|catalog|auxiliary)(?:[ \t]*=[ \t]*|[ \t]+))"
    r"[A-Za-z][\w$#]{0,29}/" + _PASSWORD.replace("()", "();,")
)


def oracle_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """The password of each ``user/password@database``, and of each logon, in a text that names Oracle."""
    if _CUE.search(text) is None:
        return
    for rule in (_CONNECT, _LOGON):
        for m in rule.finditer(text):
            if not m.group("s").startswith("[REDACTED"):
                yield m.start("s"), m.end("s"), "password"
