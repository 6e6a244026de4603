"""The calls skillevo's own pre-emptive repairs changed, and which edits of them backfired.

A pre-emptive repair that rewrites a call and makes it fail with an error of another class than
the one it was learned from, naming what it wrote (a rename learned before the API renamed the
argument back: "unknown parameter" for the new name), caused that failure; the model's call, as
it wrote it, never failed. The retry after such an error is that call (with the episode's other
repairs re-applied, the backfired one left out), sent before the model sees an error it did not
cause. So is a charged call whose error quotes a value a repair wrote and not the one the model sent
(a learned lower-casing applied to a name whose case matters: `_undo.quotes_own_edit`). Before
2026-12-07 a later in-episode repair read the error on its own terms (dropping the argument the
rename wrote) and the call failed a second time, on the argument now missing; the quoted value went
back to the model, which re-sent its own call a model turn later.

A pre-emptive repair charged a failure of a call it can be the doing of (the error names its edit
or quotes its value, or it wrote a constant; or one that wrote a constant into a call that failed
on an error about arguments: `_failure_sort`) is withheld from that call, as the caller wrote it,
for the rest of the episode: a model re-sending the call gets it through as it meant it. A
conversion charged an error naming nothing it did is not: withheld, the repeat went out unconverted
and failed the check the conversion passes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ._call_key import CallKey

__all__ = ["OwnEdits"]

#: The changed calls remembered per episode (a long episode keeps the latest ones).
MAX_CALLS = 256


class OwnEdits:
    """Per episode: the model's arguments of each call a pre-emptive repair changed, by the call as
    sent, and the repairs withheld from a call as the caller wrote it."""

    def __init__(self) -> None:
        self._originals: dict[CallKey, dict[str, Any]] = {}
        self._backfired: set[CallKey] = set()
        self._withheld: set[tuple[str, CallKey]] = set()

    def withhold(self, edits: Iterable[tuple[str, CallKey]]) -> None:
        """Each (skill, call as the caller wrote it): that skill's repair is not applied to that call again."""
        self._withheld.update(edits)

    @property
    def withholds(self) -> bool:
        """Whether any repair is withheld from a call."""
        return bool(self._withheld)

    def withheld(self, skill: str, call: CallKey | None) -> bool:
        """Whether the repair of `skill` is withheld from `call` (as the caller wrote it)."""
        return (skill, call) in self._withheld if call is not None else False

    def changed(self, sent: CallKey, original: dict[str, Any]) -> None:
        """Record that the call `sent` went out instead of the model's `original` arguments."""
        if len(self._originals) >= MAX_CALLS:
            oldest = next(iter(self._originals))
            del self._originals[oldest]
            self._backfired.discard(oldest)
        self._originals[sent] = dict(original)

    def original(self, sent: CallKey) -> dict[str, Any] | None:
        """The model's own arguments of the call `sent`, where a pre-emptive repair changed it."""
        return self._originals.get(sent)

    def backfired(self, sent: CallKey) -> None:
        """The call `sent` failed on an error one of its pre-emptive edits caused."""
        if sent in self._originals:
            self._backfired.add(sent)

    def undo(self, sent: CallKey) -> dict[str, Any] | None:
        """The model's own arguments of a call whose edit backfired (once: None after, and for any
        other call)."""
        if sent not in self._backfired:
            return None
        self._backfired.discard(sent)
        return self._originals.get(sent)
