"""The library's own error types: every failure a user can cause surfaces as one of these."""

from __future__ import annotations

import re

__all__ = [
    "ConfigError",
    "LibraryError",
    "MinerError",
    "NotFoundError",
    "SandboxError",
    "SandboxNotRun",
    "SandboxUnavailable",
    "SchemaVersionError",
    "SkillFormatError",
    "SkillevoError",
    "StatusConflictError",
]


class SkillevoError(Exception):
    """Base class of every error skillevo raises on purpose.

    The message is one line a user can act on; the CLI prints it and exits with status 1. It may
    quote what the user passed (a value, a path, a URL), so every URL in it is masked when the error
    is made (``postgresql://app:***@host/db``, ``?password=***``): the exception reaches the
    application's logs, tracebacks and error trackers, not only the CLI, which masked it alone.
    What the shape rules find is hidden too (a token, a private key, a card number quoted without
    a URL: `redact_shapes`). (Whole-text redaction is left to the CLI: it reads ``api_key: Input
    should be ...``, a message naming a secret *key*, as a pair and would hide the reason.)
    And it stays one line whatever it quotes: a control character or line separator in the quoted
    text (an imported folder named with a line break and a forged log line after it; an escape
    sequence that drives a terminal) is written as its Python escape, as `ascii` writes it.
    """

    def __init__(self, *args: object) -> None:
        if args and isinstance(args[0], str):
            from ._redaction import redact_shapes  # on first use: errors are rare
            from ._url_mask import mask_urls_in

            args = (_one_line(redact_shapes(mask_urls_in(args[0]))), *args[1:])
        super().__init__(*args)


# Control characters (C0, DEL, C1) and the Unicode line and paragraph separators: each breaks a
# line or drives a terminal, so a quoted text holding one could forge lines of a log or the screen.
_BREAKS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _one_line(text: str) -> str:
    """`text` with every control character and line separator written as its Python escape."""
    return _BREAKS.sub(lambda m: ascii(m.group())[1:-1], text)


class LibraryError(SkillevoError):
    """The skill library cannot be opened or used (corrupt file, foreign database, locked, ...)."""


class SchemaVersionError(LibraryError):
    """The database was written by a newer skillevo than this one."""


class NotFoundError(SkillevoError, KeyError):
    """A named skill, version or episode does not exist."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else "not found"


class SkillFormatError(SkillevoError, ValueError):
    """A SKILL.md folder (or a repair file beside it) is malformed.

    Attributes:
        path: the file at fault.
        field: the field at fault, when one can be named.
    """

    def __init__(self, path: str, field: str | None, message: str) -> None:
        self.path = path
        self.field = field
        where = f"{path}: {field}: " if field else f"{path}: "
        super().__init__(where + message)


class ConfigError(SkillevoError, ValueError):
    """A configuration value (TOML file, constructor argument) is invalid."""


class MinerError(SkillevoError):
    """A miner failed or returned something that is not a valid skill proposal."""


class SandboxError(SkillevoError):
    """Sandboxed code was refused, broke a limit, raised, or returned something unusable."""


class SandboxNotRun(SandboxError):
    """The code skill was not run: its call's arguments cannot cross to the sandbox as they are, the
    sandbox is busy, or its engine cannot run here. Not the skill's failure: nothing is credited or
    scored against it."""


class SandboxUnavailable(SandboxNotRun):
    """The sandbox's engine cannot run on this host (missing, or broken at run time): code skills are off."""


class StatusConflictError(SkillevoError):
    """A status change found the version in another status than the one it was decided from.

    Another process (or thread) sharing the library decided first; nothing was changed.
    """
