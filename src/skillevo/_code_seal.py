"""What a code skill sees of a call: its arguments with the secrets sealed, put back in what it returns.

A code skill is untrusted code (a miner, a model or an imported file wrote it). The jail keeps it from
the network and the file system, but not from what it is handed, and what it returns is stored (as
the repair's, or the shadow prediction's, "after" arguments) and sent to the tool. A skill that read a
password could return it reversed or XOR-ed under an ordinary argument, where no redaction can
recognise it. So a code skill never sees a secret: each value the call sends under a secret's name
(the names the redaction engine reads as secrets), and each copy of such a value elsewhere in the
arguments, is replaced by an opaque placeholder before the call, and the placeholders in the skill's
answer are replaced by the values again (a skill may move, rename or wrap a secret argument, never read
it). The error text it is handed is redacted. What a skill can compute from a placeholder is nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from ._redaction import redact_text
from ._secret_forms import named_secret_fields, remember_secrets
from ._secret_keys import is_secret_key

__all__ = ["run_sealed", "sealed"]

#: How a code skill is called: ``(code, tool, args, error message) -> new args or None``.
RunCode = Callable[[str, str, dict[str, Any], str], Any]


class _Seal:
    """One call's placeholders: made by `seal`, undone by `unseal`."""

    def __init__(self, args: dict[str, Any]) -> None:
        self._nonce = secrets.token_hex(4)
        self._values: dict[str, Any] = {}  # placeholder -> the value it stands for
        known: set[str] = set()
        remember_secrets(args, known)
        # Longest first: a secret that contains another is replaced whole.
        self._known = sorted(known, key=len, reverse=True)
        self._of: dict[str, str] = {}  # a known secret string -> its placeholder

    def _placeholder(self, value: Any) -> str:
        if isinstance(value, str) and value in self._of:
            return self._of[value]
        mark = f"<secret-{self._nonce}-{len(self._values)}>"
        self._values[mark] = value
        if isinstance(value, str):
            self._of[value] = mark
        return mark

    def seal(self, value: Any) -> Any:
        if isinstance(value, dict):
            named = named_secret_fields(value)
            out: dict[Any, Any] = {}
            for k, v in value.items():
                secret = k in named or (isinstance(k, str) and is_secret_key(k))
                if secret and v is not None and not isinstance(v, bool):
                    out[k] = self._placeholder(v)
                else:
                    out[k] = self.seal(v)
            return out
        if isinstance(value, list | tuple):
            return [self.seal(v) for v in value]
        if isinstance(value, str):
            for known in self._known:
                if known in value:
                    value = value.replace(known, self._placeholder(known))
            return value
        return value

    def unseal(self, value: Any) -> Any:
        if not self._values:
            return value
        if isinstance(value, dict):
            return {self._text(k) if isinstance(k, str) else k: self.unseal(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.unseal(v) for v in value]
        if isinstance(value, str):
            if value in self._values:  # the value itself, of whatever type it was
                return self._values[value]
            return self._text(value)
        return value

    def _text(self, text: str) -> str:
        if f"<secret-{self._nonce}-" not in text:
            return text
        for mark, original in self._values.items():
            text = text.replace(mark, original if isinstance(original, str) else str(original))
        return text


def run_sealed(run: RunCode, code: str, tool: str, args: dict[str, Any], message: str) -> Any:
    """`run(code, tool, args, message)` with the call's secrets sealed from the skill (see the module)."""
    seal = _Seal(args)
    answer = run(code, tool, seal.seal(args), redact_text(message, known=set(seal._known)) if message else message)
    return seal.unseal(answer)


def sealed(run: RunCode) -> RunCode:
    """`run` as `run_sealed` calls it."""

    def call(code: str, tool: str, args: dict[str, Any], message: str) -> Any:
        return run_sealed(run, code, tool, args, message)

    return call
