"""Telling a pre-emptive repair whose call failed on the very value it wrote.

A repair applied before a call changes what the model sent. When that call fails, the failure is
charged to the repair (`_attribution`), and the error quotes a value the repair wrote while it does
not quote the value the model sent, the model's own call has not been tried: the repair made it
fail (a learned lower-casing applied to a name whose case matters). Handing that error back costs
a model turn to re-send a call the model had right; `quotes_own_edit` tells such an error, and the
call is retried at once as the model wrote it (`_own_edits`), the episode's other edits re-applied.
A value the error lists among those it accepts ("must be one of economy, business") is no such quote,
nor is one where the tool's declared schema refuses the model's value and takes the repair's (a
code upper-cased to a declared ``^[A-Z]{3}$``): the model's call cannot be what the tool wants,
and an error about something else may quote the value as the tool's own data ("limit 12.00 XYZ").
Re-sent as the model wrote it, that call failed the schema's check, one more failed call handed to
the model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ._conform import conforms
from ._guidance_facts import declared_values
from ._repair import same_args

__all__ = ["quotes_own_edit"]

#: A written value shorter than this is no evidence: it may stand in an error by chance.
_MIN_CHARS = 3
_MAX_CHARS = 200


def _quoted(value: Any, message: str) -> bool:
    """Whether `message` quotes `value` (a text) as a whole word, case and all."""
    if not isinstance(value, str) or not _MIN_CHARS <= len(value) <= _MAX_CHARS:
        return False
    return re.search(rf"(?<![\w]){re.escape(value)}(?![\w])", message) is not None


def _schema_requires(arg: str, sent: Any, written: Any, declared: Mapping[str, Any] | None) -> bool:
    """Whether the declared schema of `arg` refuses the model's value and takes the one written."""
    prop = declared.get(arg) if declared is not None else None
    if not isinstance(prop, Mapping):
        return False
    return not conforms(sent, prop) and conforms(written, prop)


def quotes_own_edit(
    sent: Mapping[str, Any], repaired: Mapping[str, Any], message: str, declared: Mapping[str, Any] | None = None
) -> bool:
    """Whether the error `message` quotes a value the repair wrote into `repaired` (an argument it
    changed or added) and not the one the model `sent`. `declared`: the tool's declared properties
    (JSON schema by argument), where known."""
    allowed: set[str] | None = None
    for arg, value in repaired.items():
        if arg in sent and same_args(sent[arg], value):
            continue
        if not _quoted(value, message):
            continue
        if allowed is None:
            allowed = set(declared_values(message, repaired))
        if value in allowed:
            continue  # the error lists it among the values it accepts: not what the error is about
        if arg not in sent:
            if any(same_args(value, v) for v in sent.values()):
                continue  # a rename: the model's value under another name, not one the repair wrote
        elif _quoted(sent[arg], message):
            continue  # the error quotes both: nothing tells which one it is about
        elif _schema_requires(arg, sent[arg], value, declared):
            continue  # the model's value breaks the declared schema: its call cannot be the right one
        return True
    return False
