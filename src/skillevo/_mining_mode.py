"""Where an Evolver mines: in the background (the default) or inline in ``finish()``."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from typing import Any, Literal

from ._errors import ConfigError

__all__ = ["DEFAULT_MODE", "MiningMode", "MiningOptions"]

MiningMode = Literal["background", "inline"]

#: the mode of an Evolver built without ``mining=``. Production keeps "background"; a test suite
#: that wants mining done when ``finish()`` returns may set "inline" here once (see docs/evolver.md).
DEFAULT_MODE: MiningMode = "background"


class MiningOptions:
    """An Evolver's mining mode, with its background worker (made on first use)."""

    def __init__(self, mode: MiningMode, budget_s: float) -> None:
        self.mode = mode
        self.budget_s = budget_s
        self._worker: Any = None
        self._lock = threading.Lock()

    @classmethod
    def of(cls, mode: MiningMode | None, budget_s: float) -> MiningOptions:
        """Checked options (``mode=None``: `DEFAULT_MODE`)."""
        chosen = DEFAULT_MODE if mode is None else mode
        if chosen not in ("background", "inline"):
            raise ConfigError(f"mining: expected 'background' or 'inline' (got {mode!r})")
        if isinstance(budget_s, bool) or not isinstance(budget_s, int | float) or not math.isfinite(budget_s):
            raise ConfigError(f"mine_budget_s: expected a number of seconds (got {budget_s!r})")
        if budget_s <= 0:
            raise ConfigError(f"mine_budget_s: must be > 0 (got {budget_s!r})")
        return cls(chosen, float(budget_s))

    @property
    def worker(self) -> Any:
        """The background worker (None until something was mined in the background)."""
        return self._worker

    def run(self, mine: Callable[[Any, Sequence[Any]], list[str]], episode: Any, events: Sequence[Any]) -> list[str]:
        """Mine now (inline: the created version ids) or queue it (background: [])."""
        if self.mode == "inline":
            return mine(episode, events)
        with self._lock:
            if self._worker is None:
                from ._mine_worker import MiningWorker

                self._worker = MiningWorker(budget_s=self.budget_s)
            worker = self._worker
        worker.submit(lambda: mine(episode, events))
        return []

    def drop_queued(self) -> int:
        """Drop the background jobs not started yet (their library closed): how many."""
        worker = self._worker
        return 0 if worker is None else int(worker.drop_queued())

    def flush(self, timeout: float | None = None) -> bool:
        """Wait for queued mining (True at once inline)."""
        worker = self._worker
        return True if worker is None else bool(worker.flush(timeout))

    def close(self, timeout: float | None = None) -> bool:
        """Run queued mining and stop the worker (a later episode starts a new one)."""
        with self._lock:
            worker, self._worker = self._worker, None
        return True if worker is None else bool(worker.close(timeout))
