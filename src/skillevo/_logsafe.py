"""skillevo's own log records, redacted before any handler sees them.

skillevo logs the errors it survives (a hook, a listener, a miner or a reward function that raised)
with the exception's message and traceback, and the message can quote the call's arguments
("could not sign in with <password>"). The application's handlers write records wherever it sends
them (a file, a log service), so a record is redacted like everything skillevo stores: its message
with its arguments, the exception's traceback (formatted here, then redacted; the exception object
is dropped from the record, so no handler formats it again or reads its frames' locals) and the
stack. A logger filter runs before every handler of the application, whatever its formatter.

Every logger skillevo and its adapters use is named in `LOGGERS` (a test checks the sources).
"""

from __future__ import annotations

import logging
import re
import traceback

from ._redaction import capped_text

__all__ = ["KNOWN", "LOGGERS"]

#: The loggers of skillevo and its adapters.
LOGGERS = ("skillevo", "skillevo.adapters", "skillevo.grpo", "skillevo_langgraph", "skillevo_crewai")
#: The `extra` key under which a record carries its episode's known secrets (values seen under a
#: secret key: hidden where the exception repeats them without their name).
KNOWN = "skillevo_known_secrets"
_MAX_CHARS = 16_384  # a record longer than this is cut (after redaction)


class _Redacting(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "skillevo_redacted", False):
            return True  # the same record passed a parent's filter already (it propagates)
        known = getattr(record, KNOWN, None)
        known = set(known) if isinstance(known, set | frozenset) else None
        message = _message(record)
        record.msg, record.args = _clean(message, known), None
        if record.exc_info and record.exc_info[1] is not None:
            text = "".join(traceback.format_exception(record.exc_info[1]))
            record.exc_text = _clean(text.rstrip("\n"), known)
        elif record.exc_text:
            record.exc_text = _clean(record.exc_text, known)
        record.exc_info = None  # the handler shows exc_text; the exception (and its locals) stays here
        if record.stack_info:
            record.stack_info = _clean(record.stack_info, known)
        if known is not None:
            setattr(record, KNOWN, None)
        record.skillevo_redacted = True
        return True


def _message(record: logging.LogRecord) -> str:
    """The record's message; with a format its arguments do not fit, the format and the arguments
    (what logging's own error report shows: dropped, they were lost with nothing said)."""
    try:
        return record.getMessage()
    except Exception:
        try:
            return f"{record.msg} (arguments: {record.args!r})" if record.args else str(record.msg)
        except Exception:
            return f"<a {type(record.msg).__name__} message that could not be shown>"


# Control characters a terminal or a log viewer acts on (an escape sequence that recolours or clears
# the screen, a carriage return that writes over the line): written as their escapes. Line breaks
# and tabs stay (a traceback's lines).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _clean(text: str, known: set[str] | None) -> str:
    return _CONTROL.sub(lambda m: repr(m.group(0))[1:-1], capped_text(text, _MAX_CHARS, known=known))


_FILTER = _Redacting()
for _name in LOGGERS:
    _logger = logging.getLogger(_name)
    if _FILTER not in _logger.filters:
        _logger.addFilter(_FILTER)
