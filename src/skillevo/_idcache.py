"""A bounded cache of answers about objects, by identity, that keeps none of them alive.

The adapters ask the same questions of a framework's tool objects on every call (their schema,
their injected parameters), and tools are often built anew per request: holding them (to keep
their ids from being reused) would keep each one's clients, connections and files alive until the
cache overflows. An entry holds a weak reference instead; objects that cannot be weakly referenced
are held, as before, up to the bound. A dead object's entry (a dead reference and a small answer)
stays until the bound pushes it out or a new object at its id replaces it: no callback runs when
an object dies, since the garbage collector may run one in any thread, at any allocation, even
inside `put` with the lock held.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["IdCache"]

V = TypeVar("V")
D = TypeVar("D")


class IdCache(Generic[V]):
    """``id(obj) -> value`` for the objects still alive, at most `limit` entries (oldest dropped)."""

    __slots__ = ("_limit", "_lock", "entries")

    def __init__(self, limit: int) -> None:
        #: ``id(obj) -> (a reference to obj, value)``: callers on a hot path read it inline
        #: (``e = entries.get(id(obj)); e is not None and e[0]() is obj``), sparing a call
        self.entries: dict[int, tuple[Callable[[], object], V]] = {}
        self._limit = limit
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, obj: object, default: D) -> V | D:
        """The value put for `obj`, or `default` for an object not seen (or not seen alive)."""
        entry = self.entries.get(id(obj))
        return entry[1] if entry is not None and entry[0]() is obj else default

    def put(self, obj: object, value: V) -> None:
        key = id(obj)
        ref: Callable[[], object]
        try:
            ref = weakref.ref(obj)
        except TypeError:  # not weakly referenceable: held (its id then stays its own)
            ref = _Held(obj)
        with self._lock:
            entries = self.entries
            entries.pop(key, None)
            entries[key] = (ref, value)
            while len(entries) > self._limit:
                entries.pop(next(iter(entries)))

    def clear(self) -> None:
        with self._lock:
            self.entries.clear()


class _Held:
    """A strong reference with a weak reference's call (``ref() -> obj``)."""

    __slots__ = ("obj",)

    def __init__(self, obj: object) -> None:
        self.obj = obj

    def __call__(self) -> object:
        return self.obj
