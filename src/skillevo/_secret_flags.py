"""Passwords given as short command-line options: ``mysql -pSECRET``, ``redis-cli -a SECRET``, ``curl -u u:pw``.

A long option named by a secret key (``--password X``, ``--auth=X``, ``-storepass X``) is read by
`_secret_forms`, with the other named forms. A short option names nothing, so two rules:

* ``-p``/``-P`` with a value that reads as a credential, whatever the command (mysql, 7z, zip,
  sshpass, docker login): a port or a mapping (``-p8080:80``), a flag cluster (``tar -pxvf``), a
  word (``mkdir -p build``) or, after a space, a path stay;
* the other letters only after a command known to take its password there (`_COMMAND_FLAGS`):
  ``-a`` is "all" for ``ls``, ``cp``, ``git commit``, and the password for ``redis-cli``.

These run on every text holding such an option (`flag_hint`), not only on texts holding a key word:
``mysql -pX`` names no secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ._secret_prose import credential_like

__all__ = ["flag_hint", "flag_spans"]

# A short option with its value attached: "-pSECRET" (mysql, 7z), "-PSECRET" (zip), or after a space
# ("sshpass -p ..."), or quoted as a shell quotes it ("sshpass -p 'SECRET'": group "q").
_SHORT_FLAG = re.compile(
    r"(?<![\w.\-])-[pP](?P<sp>[ \t]+)?"
    r"(?:(?P<q>\"[^\s\"]{4,256}\"|'[^\s']{4,256}')|(?P<v>[^\s\"'<>\-][^\s\"'<>]{3,255}))"
)
# A user:password option value: "curl -u ana:...", "--user=ana:..." (a uid:gid pair is digits).
_USER_FLAG = re.compile(
    r"(?<![\w.\-])(?:-u|--user|--proxy-user)(?:=|[ \t]+)[^\s:\"'<>]{1,128}:(?P<v>[^\s\"'<>]{1,256})"
)
#: Commands whose password is a short option other than ``-p``, by that option's letter (each tool's
#: manual): Redis-protocol clients ``-a``, OpenLDAP clients ``-w``, SQL Server's and IPMI's ``-P``,
#: ``openssl enc -k``, MongoDB's tools ``-p`` followed by a space.
_COMMAND_FLAGS = {
    "a": ("redis-cli", "keydb-cli", "valkey-cli", "redis-benchmark"),
    "w": ("ldapsearch", "ldapadd", "ldapmodify", "ldapdelete", "ldapwhoami", "ldappasswd", "ldapcompare",
          "ldapmodrdn", "ldapexop"),
    "P": ("sqlcmd", "bcp", "osql", "isql", "ipmitool", "zip", "unzip"),
    "k": ("openssl",),
    "p": ("mongo", "mongosh", "mongodump", "mongorestore", "mongoexport", "mongoimport", "mongostat", "mongotop",
          "mongofiles"),
}  # fmt: skip
# The command, then its option within the same command (no "|", ";", "&" or line break between).
_COMMAND_FLAG = re.compile(
    "|".join(
        rf"(?<![\w.\-])(?:{'|'.join(map(re.escape, cmds))})(?:\.exe)?[ \t](?:[^\n|;&]{{0,256}}?[ \t])?"
        rf"-{letter}(?:[ \t]+|=)(?P<v{i}>\"[^\"\n]{{1,256}}\"|'[^'\n]{{1,256}}'|[^\s\"'<>\-][^\s\"'<>]{{0,255}})"
        for i, (letter, cmds) in enumerate(_COMMAND_FLAGS.items())
    )
)
_HINT = re.compile(r"(?<![\w.\-])-(?:[pPuawk]|-(?:proxy-)?user)")


def flag_hint(text: str) -> bool:
    """Whether `text` may hold a password in a short option (cheap: a substring, then one search)."""
    return "-" in text and _HINT.search(text) is not None


def flag_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """Spans of `text` holding a password given as a short option (see the module doc)."""
    for m in _SHORT_FLAG.finditer(text):
        group = "v" if m.group("v") is not None else "q"
        start, end = m.span(group)
        if group == "q":  # the quotes stay: the value is what they hold (one shell word, no space)
            start, end = start + 1, end - 1
        value = text[start:end]
        path = value.startswith(("/", "~", ".")) or (m.group("sp") and ("/" in value or "\\" in value))
        if credential_like(value, False) and not path:
            yield start, end, "secret"
    for m in _USER_FLAG.finditer(text):
        if not m.group("v").isdigit() and not m.group("v").startswith("[REDACTED"):
            yield m.start("v"), m.end("v"), "secret"
    for m in _COMMAND_FLAG.finditer(text):
        group = next(g for g, v in m.groupdict().items() if v is not None)
        start, end = m.span(group)
        if text[start] in "\"'":
            start, end = start + 1, end - 1
        if not text.startswith("[REDACTED", start):
            yield start, end, "secret"
