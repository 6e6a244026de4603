"""Whether a constant names one record, party or destination: never a rule, whatever field it goes to.

A repair's constant is written into every later call it fires on. A flag, an enum member, a unit or
a currency code (``true``, ``"metric"``, ``"USD"``, ``"utf-8"``, ``"gpt-4o-mini"``) is the same for
every customer; an account id (``acct_1Hx...``, ``ba_1Mx9Qz...``), a hash, a token or a host
(``hooks.example.io``, ``10.0.0.7``) names one party or one place, so as a rule it redirects every
other customer's call there (money to an attacker's account, a webhook to their host). This is
judged on the value alone, never on the field's name: a payout account hides under ``destination``,
``to``, ``stripe_account``, ``target`` or any other name a tool chooses.

An identifier, as platforms write them, is

* a prefixed id: a short word, ``_`` or ``-``, then a run of six or more letters and digits
  mixing both (``acct_1Hattacker``, ``cus_9aB3xY``, ``grp-8FhQe21Lx``);
* an opaque run: eight or more letters and digits that mix both and read as no word, either
  mixed case inside it (``1Hattacker``, ``9ZxQ7wE4rT``), or twelve long (a hash), or alternating
  letters and digits three times or more (``a1b2c3d4``). ``bfloat16``, ``base64url``,
  ``Windows10`` and ``ISO8601`` are words with a number, not ids;
* a host or an IP address written bare (`skillevo._address.bare_address`).

A date format's literal text and a pad's fill are judged in `skillevo._own_text`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ._address import bare_address
from ._shape import strings_in

__all__ = ["is_party_id", "writes_party_id"]

_PREFIXED = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z]{1,12}[_-](?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{6,}(?![A-Za-z0-9])"
)
_RUN = re.compile(r"[A-Za-z0-9]{8,}")
_INNER_CAPITAL = re.compile(r"(?<=[a-z0-9])[A-Z]")
_SWITCH = re.compile(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")


def _opaque(run: str) -> bool:
    if run.isdigit() or run.isalpha():
        return False
    return _INNER_CAPITAL.search(run) is not None or len(run) >= 12 or len(_SWITCH.findall(run)) >= 3


def is_party_id(text: str) -> bool:
    """Whether `text` holds an identifier of one record, party or destination (see the module doc)."""
    if _PREFIXED.search(text) is not None or any(_opaque(m.group(0)) for m in _RUN.finditer(text)):
        return True
    return bare_address(text)


#: What an affix is glued on by (``".hooks.example.io"`` appended makes a host of any value): judged without it.
_JOINERS = " ._-/:@"
#: The fields of a repair operation that hold text it writes into a call (a map's values, not its keys).
_WRITTEN = ("value", "mapping", "text")


def writes_party_id(ops: Iterable[Mapping[str, Any]]) -> bool:
    """Whether repair operations (as JSON) write an identifier (`is_party_id`) into a call: a value
    they set (at any depth of a set object or list, keys too), a value a map writes, or an added affix."""
    for op in ops:
        if op.get("op") in ("remove_prefix", "remove_suffix"):
            continue  # text it takes away, never sends
        for key in _WRITTEN:
            value = op.get(key)
            written = list(value.values()) if key == "mapping" and isinstance(value, Mapping) else value
            for item in strings_in(written):  # (a set object's keys are written into the call too)
                if is_party_id(item) or is_party_id(item.strip(_JOINERS)):
                    return True
    return False
