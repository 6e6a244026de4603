"""What a code skill sees of a call: its arguments with the secrets sealed, put back in what it returns.

A code skill is untrusted code (a miner, a model or an imported file wrote it). The jail keeps it from
the network and the file system, but not from what it is handed, and what it returns is stored (as
the repair's, or the shadow prediction's, "after" arguments) and sent to the tool. A skill that read a
password could return it reversed or XOR-ed under an ordinary argument, where no redaction can
recognise it. So a code skill never sees a secret: each value the call sends under a secret's name
(the names the redaction engine reads as secrets), and each copy of such a value elsewhere in the
arguments, is replaced by an opaque placeholder before the call, and the placeholders in the skill's
answer are replaced by the values again (a skill may pass a secret through, rename or wrap it, never read
it). A value goes back only where it may go: into the place it was taken from (its top-level argument,
or, nested, the same member of the same object: before 2026-12-07 anywhere in its top-level argument,
so a tool taking one ``payment`` object got its key in ``payment.memo``, 3 of 3 nested moves sent), or
under a name the redaction engine reads as a secret's (``authorization``, a ``[name, value]`` pair naming
one); a placeholder anywhere else (a payment's ``memo`` the payee reads, a ``callback_url`` the tool
calls, a member's name) is refused, since the skill chose that place without reading what it sends there.
A copy is found in any form a skill could read back: in another case, JSON-escaped,
percent-encoded, inside base64, in a dict key, and a short secret (a PIN) where another argument is
equal to it; a secret the redaction rules find in a text argument (a URL's ``api_key=``, a command
line's ``--password``) is sealed the same way. The error text it is handed is redacted. What a skill
can compute from a placeholder is nothing. An answer may not expand, placeholders replaced, past a
few times the secrets it was shown (a few-character placeholder can stand for a large key).
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Callable
from typing import Any

from ._errors import SandboxError, SandboxNotRun
from ._redaction import redact, redact_text, secret_spans
from ._sandbox_result import not_strict_json
from ._secret_forms import (
    encoded_spans,
    named_fields,
    named_secret_fields,
    names_secret_pair,
    remember,
    remember_secrets,
)
from ._secret_keys import is_secret_key
from ._secret_known import known_forms as _known_forms

__all__ = ["run_sealed"]

#: How a code skill is called: ``(code, tool, args, error message) -> new args or None``.
RunCode = Callable[[str, str, dict[str, Any], str], Any]

_MIN_EQUAL = 4  # a secret this short is sealed only where a whole argument equals it
_GROWTH = 4  # an answer may hold each secret it was shown about this many times over ...
_SLACK = 1 << 16  # ... plus this many characters
#: A place's step into a list: any element of the same list is the same place (a list may be reordered).
_ITEM = 0
#: Where a value sits: the member names from the top-level argument down, as the skill sees them.
Place = tuple[Any, ...]


def _forms(secret: str) -> set[str]:
    """`secret` as another argument may carry it: quoted as text quotes it, or base64 (any alphabet)."""
    raw = secret.encode()
    coded = {base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()}
    return set(_known_forms(secret)) | coded | {c.rstrip("=") for c in coded}


def _hidden_whole(value: Any, redacted: Any) -> list[Any]:
    """The parts of `value` that `redacted` (its redaction) replaced whole by a mark."""
    out: list[Any] = []
    stack = [(value, redacted)]
    while stack:  # without recursion: arguments may nest deep
        item, red = stack.pop()
        if isinstance(red, str) and red.startswith("[REDACTED:") and red.endswith("]") and item != red:
            if item is not None and not isinstance(item, bool):
                out.append(item)
        elif isinstance(item, dict) and isinstance(red, dict) and len(item) == len(red):
            stack.extend(zip(item.values(), red.values(), strict=True))
        elif isinstance(item, list | tuple) and isinstance(red, list) and len(item) == len(red):
            stack.extend(zip(item, red, strict=True))
    return out


def _short(value: Any, out: set[str]) -> None:
    """Add `value` to `out` when it is a string or number of `_MIN_EQUAL`+ characters (a secret's
    value: `remember_secrets` hands it over)."""
    if isinstance(value, str | int | float) and not isinstance(value, bool) and len(str(value)) >= _MIN_EQUAL:
        out.add(str(value))


class _Seal:
    """One call's placeholders: made by `seal`, undone by `unseal`."""

    def __init__(self, args: dict[str, Any]) -> None:
        self._nonce = secrets.token_hex(4)
        self._values: dict[str, Any] = {}  # placeholder -> the value it stands for
        self._sizes: dict[str, int] = {}  # placeholder -> the size of that value, as text
        self._shown = 0  # the sizes of the values the skill was shown placeholders for, summed
        known: set[str] = set()
        remember_secrets(args, known)
        self.known = known
        self._equal: set[str] = set()
        remember_secrets(args, self._equal, _short)
        # Whatever the redaction engine hides whole is a secret too, however it read it: an option's
        # value in an argument vector, a cell under a "password" column, a value keyed by a mark.
        for value in _hidden_whole(args, redact(args)):
            remember(value, known)
            _short(value, self._equal)  # a short one (a PIN) where another argument equals it
        forms = sorted({f for k in known for f in _forms(k)}, key=len, reverse=True)
        self._copies = re.compile("|".join(map(re.escape, forms)), re.IGNORECASE) if forms else None
        self._lower = [k.lower() for k in known]
        self._of: dict[str, str] = {}  # a sealed string -> its placeholder
        self._at: Place = ()  # the place being sealed
        self._origins: dict[str, set[Place]] = {}  # placeholder -> the places it was taken from
        self._left = 0  # what `unseal` may still add

    def _placeholder(self, value: Any) -> str:
        text = value if isinstance(value, str) else str(value)
        self._shown += len(text)
        if isinstance(value, str) and value in self._of:
            self._origins[self._of[value]].add(self._at)
            return self._of[value]
        mark = f"<secret-{self._nonce}-{len(self._values)}>"
        self._origins[mark] = {self._at}
        self._values[mark] = value
        self._sizes[mark] = len(text)
        if isinstance(value, str):
            self._of[value] = mark
        return mark

    def _holds_known(self, decoded: str) -> bool:
        lower = decoded.lower()
        return any(k in lower for k in self._lower)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where `text` holds a secret: a copy of a known one in any form, or one the rules find."""
        found = list(secret_spans(text))
        if self._copies is not None:
            found += [m.span() for m in self._copies.finditer(text)]
            found += [(s, e) for s, e, _ in encoded_spans(text, self._holds_known)]
        merged: list[tuple[int, int]] = []
        for start, end in sorted(found):
            if merged and start < merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        return merged

    def _seal_text(self, text: str) -> str:
        if text in self._equal:
            return self._placeholder(text)
        out: list[str] = []
        pos = 0
        for start, end in self.spans(text):
            out += [text[pos:start], self._placeholder(text[start:end])]
            pos = end
        return "".join(out) + text[pos:] if out else text

    def seal_args(self, args: dict[str, Any]) -> dict[str, Any]:
        """The call's arguments sealed, each placeholder noted with the place it came from."""
        sealed: dict[str, Any] = self.seal(args, ())
        return sealed

    def seal(self, value: Any, at: Place = ()) -> Any:
        """`value`, found at place `at`, sealed."""
        self._at = at
        if isinstance(value, dict):
            named = named_secret_fields(value)
            sealed: dict[Any, Any] = {}
            for k, v in value.items():
                secret = k in named or (isinstance(k, str) and is_secret_key(k))
                self._at = (*at, None)  # a secret in a member's own name: noted under that name below
                key = self._seal_text(k) if isinstance(k, str) else k
                place = (*at, key)  # as the skill sees the member's name, and names it in its answer
                for mark in (m for m in self._values if isinstance(key, str) and m in key):
                    self._origins[mark].add(place)
                self._at = place
                sealed[key] = self._placeholder(v) if secret and v is not None and not isinstance(v, bool) \
                    else self.seal(v, place)
            return sealed
        if isinstance(value, list | tuple):
            item = (*at, _ITEM)
            if names_secret_pair(value):
                first = self.seal(value[0], item)
                self._at = item
                return [first, self._placeholder(value[1])]
            names = named_fields(value)
            out: list[Any] = []
            for i, v in enumerate(value):
                self._at = item
                # a named tuple: its field names are names (the skill gets it as a list, as JSON writes it)
                hide = i < len(names) and is_secret_key(names[i]) and v is not None and not isinstance(v, bool)
                out.append(self._placeholder(v) if hide else self.seal(v, item))
            return out
        if isinstance(value, str):
            return self._seal_text(value)
        if isinstance(value, int | float) and not isinstance(value, bool) and str(value) in self._equal:
            return self._placeholder(value)
        return value

    def unseal(self, value: Any) -> Any:
        """`value` with the placeholders replaced; `SandboxError` where that would grow it past bound."""
        self._left = _GROWTH * self._shown + _SLACK
        if not self._values:
            return value
        return self._unseal(value, (), False)

    def _spend(self, size: int) -> None:
        self._left -= size
        if self._left < 0:
            raise SandboxError("code skill stopped: its answer expands, placeholders replaced, past "
                               f"{_GROWTH} times the secrets it was shown")

    def _unseal(self, value: Any, at: Place, place: bool) -> Any:
        """`value`, found at place `at` (in a secret's `place` or not), unsealed."""
        if isinstance(value, dict):
            named = named_secret_fields(value)
            return {
                self._text(k, (*at, k), place) if isinstance(k, str) else k:
                self._unseal(v, (*at, k), place or _holds_secret(k, named))
                for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            pair = not place and names_secret_pair(value)
            return [self._unseal(v, (*at, _ITEM), place or (pair and i == 1)) for i, v in enumerate(value)]
        if isinstance(value, str):
            if value in self._values:  # the value itself, of whatever type it was
                self._check_place(value, at, place)
                self._spend(self._sizes[value])
                return self._values[value]
            return self._text(value, at, place)
        return value

    def _check_place(self, mark: str, at: Place, place: bool) -> None:
        if not place and at not in self._origins.get(mark, ()):
            raise SandboxError("code skill failed: repair() put a secret of the call where the call held none "
                               "(a secret goes back only into its own argument, or under a secret's name)")

    def _text(self, text: str, at: Place, place: bool) -> str:
        if f"<secret-{self._nonce}-" not in text:
            return text
        for mark, original in self._values.items():
            if mark in text:
                self._check_place(mark, at, place)
                self._spend(text.count(mark) * self._sizes[mark])
                text = text.replace(mark, original if isinstance(original, str) else str(original))
        return text

    def redact(self, message: str) -> str:
        """`message` with every secret `spans` finds, and every rule's, redacted."""
        out: list[str] = []
        pos = 0
        for start, end in self.spans(message):
            out += [message[pos:start], "[REDACTED:secret]"]
            pos = end
        return redact_text("".join(out) + message[pos:], known=set(self.known))


def _holds_secret(key: Any, named: frozenset[Any]) -> bool:
    """Whether a value under `key` of an object whose secret-holding fields are `named` is a secret's."""
    return key in named or (isinstance(key, str) and is_secret_key(key))


def run_sealed(run: RunCode, code: str, tool: str, args: dict[str, Any], message: str) -> Any:
    """`run(code, tool, args, message)` with the call's secrets sealed from the skill (see the module).

    Raises:
        SandboxNotRun: the arguments are not strict JSON (checked before any is read for sealing).
    """
    problem = not_strict_json(args)
    if problem is not None:
        raise SandboxNotRun(f"code skill not run: the arguments are {problem}")
    seal = _Seal(args)
    answer = run(code, tool, seal.seal_args(args), seal.redact(message) if message else message)
    return seal.unseal(answer)

