"""Choosing a skill version per call: Beta-posterior Thompson sampling that notices change.

The value of a skill version drifts as the policy under it changes (fine-tuning, model upgrades),
so old evidence must fade, but constant forgetting is expensive when nothing changes (every arm
keeps being re-explored). The default, ``discount="adaptive"``, therefore *detects* change instead:

* plain Beta-Bernoulli Thompson sampling while the arms look stationary;
* a Bernoulli GLR change test on the history of the arm just updated (since the last reset);
* on a detection, a **global** reset of every arm at that key: a better arm that nobody plays
  cannot be caught by a local test, so one detected change re-opens the whole comparison;
* once changes have been detected, a light discount of every arm at the key, at the empirical
  change rate (detections per update, times `hazard_gain`): a key that has never changed is plain
  Thompson sampling, one that changes keeps re-checking arms it stopped playing;
* announced changes (`notify_change`: a new policy version, an edited skill) reset at once.

Other modes, for comparison and for users who want them: ``"none"``, ``("fixed", gamma)``
(every arm of the key decays toward the prior at each update — not only the played arm),
``("window", n)`` (sliding window of the key's last n updates) and ``"reskill"`` (ReSkill's
w = M / (M + n) with the memory M re-fit by maximum likelihood). See docs/selection.md.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._beta_compare import prob_greater
from ._errors import ConfigError, LibraryError
from ._glr import glr_statistic, glr_threshold
from ._learning_sql import KeyCounters, PosteriorIncrement
from ._ledger import check_reward
from ._models import PosteriorState
from ._reward_text import decode_rewards, reward_token
from ._store import SkillStore
from ._store_args import seed_arg

__all__ = ["Selector", "ThompsonSelector"]

DiscountSpec = str | tuple[str, float] | tuple[str, int]

_log = logging.getLogger("skillevo")
_HISTORY_CAP = 2000
_FRESH_EPOCHS = random.SystemRandom()
_PERSIST_HISTORY = 256
_RESKILL_GRID = np.unique(np.round(np.logspace(0, math.log10(2000), 24)))


class Selector(ABC):
    """Chooses one arm among `arms` at call site `key`, and learns from rewards in [0, 1]."""

    @abstractmethod
    def choose(self, key: str, arms: Sequence[str]) -> str:
        """Pick one of `arms` for this call."""

    @abstractmethod
    def update(self, key: str, arm: str, reward: float) -> None:
        """Credit `arm` at `key` with a reward in [0, 1] (fractional allowed)."""

    @abstractmethod
    def notify_change(self, key: str | None = None, arm: str | None = None) -> None:
        """An announced change: reset `arm` (or every arm) at `key` (or at every key)."""

    def notify_stored_change(self) -> None:
        """An announced change the attached store has taken already: every stored posterior was
        reset once, for every process sharing it (`announce_policy`). Drop what this selector holds.

        The default is `notify_change()`; a selector that persists its posteriors in the store
        should re-read them instead, or it resets the store a second time."""
        self.notify_change()

    @abstractmethod
    def posterior(self, key: str, arm: str) -> tuple[float, float]:
        """The Beta posterior (alpha, beta) of `arm` at `key`."""

    @abstractmethod
    def propensity(self, key: str, arms: Sequence[str], arm: str) -> float:
        """The probability that `choose(key, arms)` returns `arm`."""

    @abstractmethod
    def prob_better(self, key: str, a: str, b: str) -> float:
        """P(theta_a > theta_b) under the current posteriors."""

    @abstractmethod
    def attach(self, store: SkillStore) -> None:
        """Persist posteriors in `store` and restore what it holds."""

    def own_updates(self, key: str, arm: str) -> float:
        """`arm`'s own updates at `key` since its last reset (default: its posterior's evidence).
        Not ``updates``: a subclass may hold a list by that name (`skillevo.testing.FixedSelector`)."""
        return sum(self.posterior(key, arm)) - 2.0

    def refresh(self, key: str) -> None:  # noqa: B027 - optional: a selector without a cache has nothing to do
        """Re-read `key` from the attached store now (before a decision that must see every update)."""


@dataclass
class _Key:
    arms: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)
    alpha: np.ndarray = field(default_factory=lambda: np.ones(0))
    beta: np.ndarray = field(default_factory=lambda: np.ones(0))
    obs: list[float] = field(default_factory=list)
    history: list[deque[float]] = field(default_factory=list)
    # The last _PERSIST_HISTORY rewards of `history` as stored (`_reward_text`), kept alongside it.
    tokens: list[deque[str]] = field(default_factory=list)
    # Updates since the arm's last reset (the history is capped; this count is not).
    count: list[int] = field(default_factory=list)
    memory: list[float] = field(default_factory=list)
    epoch: list[int] = field(default_factory=list)
    window: deque[tuple[int, float]] = field(default_factory=deque)
    detections: int = 0
    steps: int = 0
    # The key's stored epoch as last read, moved on by this process's own resets of the key.
    key_epoch: int = 0
    # -inf: never read from the store (its epoch unknown): read before the first update.
    fresh_at: float = -math.inf
    cache_arms: tuple[str, ...] = ()
    cache_idx: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def add(self, arm: str) -> int:
        i = len(self.arms)
        self.arms.append(arm)
        self.index[arm] = i
        self.alpha = np.append(self.alpha, 1.0)
        self.beta = np.append(self.beta, 1.0)
        self.obs.append(0.0)
        self.history.append(deque(maxlen=_HISTORY_CAP))
        self.tokens.append(deque(maxlen=_PERSIST_HISTORY))
        self.count.append(0)
        self.memory.append(math.inf)
        self.epoch.append(0)
        return i


@dataclass(frozen=True)
class _Step:
    """What one update did, for the store to repeat as atomic increments."""

    decay: float = 1.0
    arm_decay: float = 1.0
    unwind: tuple[int, float] | None = None
    detected: bool = False


def _parse_discount(discount: DiscountSpec) -> tuple[str, float]:
    if isinstance(discount, str):
        if discount in ("none", "adaptive", "reskill"):
            return discount, 0.0
        raise ConfigError(
            f"discount: unknown mode {discount!r}; use 'adaptive', 'none', 'reskill', ('fixed', gamma) or ('window', n)"
        )
    if isinstance(discount, tuple) and len(discount) == 2:
        mode, value = discount
        if mode == "fixed" and isinstance(value, int | float) and 0.0 < float(value) < 1.0:
            return "fixed", float(value)
        if mode == "window" and isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return "window", float(value)
        raise ConfigError(
            f"discount: {discount!r} is invalid; ('fixed', gamma) needs 0 < gamma < 1, ('window', n) a whole n >= 1"
        )
    raise ConfigError(f"discount: {discount!r} is invalid; use a mode name or a (mode, value) pair")


def fit_memory(history: Sequence[float]) -> float:
    """ReSkill's memory M: maximum Beta-Bernoulli predictive likelihood over a grid of M in [1, 2000].

    With discount w = M / (M + 1) per observation, alpha_t = w alpha_{t-1} + x_t (and likewise beta),
    which is an exponential filter; `lfilter` evaluates every candidate M at once.
    """
    # Imported here: scipy.signal takes seconds to import, and only the "reskill" mode needs it.
    from scipy.signal import lfilter

    x = np.fromiter(history, dtype=float)
    if len(x) < 4:
        return math.inf
    best, best_ll = math.inf, -math.inf
    for m in _RESKILL_GRID:
        w = m / (m + 1.0)
        a = lfilter([1.0], [1.0, -w], x) + w ** np.arange(1, len(x) + 1)
        b = lfilter([1.0], [1.0, -w], 1.0 - x) + w ** np.arange(1, len(x) + 1)
        a_prev = np.concatenate(([1.0], a[:-1]))
        b_prev = np.concatenate(([1.0], b[:-1]))
        p = np.clip(a_prev / (a_prev + b_prev), 1e-12, 1 - 1e-12)
        ll = float(np.sum(x * np.log(p) + (1 - x) * np.log(1 - p)))
        if ll > best_ll:
            best, best_ll = float(m), ll
    return best


class ThompsonSelector(Selector):
    """Beta-posterior Thompson sampling per key, with a choice of forgetting.

    Args:
        discount: ``"adaptive"`` (default: change detection with global reset), ``"none"``,
            ``("fixed", gamma)``, ``("window", n)`` or ``"reskill"``.
        seed: seeds every random draw, so a run is reproducible.
        delta: false-alarm level of the adaptive mode's change test (smaller: fewer false
            alarms, slower detection).
        hazard_gain: after the adaptive mode has detected d changes in n updates at a key, every
            arm there decays toward the prior by gamma = 1 - hazard_gain * d / n per update
            (0 turns this off; see docs/selection.md for why 2).
        propensity_samples: Monte Carlo draws behind `propensity`.
        staleness_s: attached to a store, the most seconds a key's cached posteriors go without
            being re-read from it (0: every read goes to the store).

    Thread-safe. Attached to a store (`attach`), the store is the source of truth and this object a
    cache of it: every update is applied here at once (a process sees its own updates immediately)
    and written to the store as atomic increments (no read-modify-write), and every key is re-read
    from the store at most `staleness_s` after the last read, so processes and hosts sharing a
    library learn from each other's updates within that bound and never lose one (docs/selection.md).
    """

    def __init__(
        self,
        discount: DiscountSpec = "adaptive",
        seed: int | None = 0,
        *,
        delta: float = 1e-2,
        hazard_gain: float = 2.0,
        propensity_samples: int = 2000,
        staleness_s: float = 0.5,
    ) -> None:
        seed = seed_arg("seed", seed)
        self.mode, self.param = _parse_discount(discount)
        if not 0.0 <= staleness_s <= 3600.0 or math.isnan(staleness_s):
            raise ConfigError(f"staleness_s: must be between 0 and 3600 seconds (got {staleness_s!r})")
        self.staleness_s = float(staleness_s)
        if not 0.0 < delta < 1.0:
            raise ConfigError(f"delta: must be between 0 and 1 (got {delta!r})")
        self.delta = delta
        if not 0.0 <= hazard_gain <= 100.0 or math.isnan(hazard_gain):
            raise ConfigError(f"hazard_gain: must be between 0 and 100 (got {hazard_gain!r})")
        self.hazard_gain = float(hazard_gain)
        self.propensity_samples = int(propensity_samples)
        self._rng = np.random.default_rng(seed)
        self._mc_rng = np.random.default_rng(None if seed is None else seed + 1)
        self._keys: dict[str, _Key] = {}
        self._lock = threading.RLock()
        self._store: SkillStore | None = None
        self._unseeded = False  # attached, and the store's posteriors not loaded yet (`attach`)

    # ------------------------------------------------------------------ internals

    def _key(self, key: str) -> _Key:
        state = self._keys.get(key)
        if state is None:
            state = self._keys[key] = _Key()
        return state

    def _indices(self, state: _Key, arms: Sequence[str]) -> np.ndarray:
        arms_t = tuple(arms)
        if arms_t != state.cache_arms:
            for arm in arms_t:
                if arm not in state.index:
                    state.add(arm)
            state.cache_arms = arms_t
            state.cache_idx = np.fromiter((state.index[a] for a in arms_t), dtype=np.int64, count=len(arms_t))
        return state.cache_idx

    def _reset(self, state: _Key, idx: Sequence[int]) -> None:
        for i in idx:
            state.alpha[i] = 1.0
            state.beta[i] = 1.0
            state.history[i].clear()
            state.tokens[i].clear()
            state.count[i] = 0
            state.memory[i] = math.inf
        if len(idx) == len(state.arms):
            state.window.clear()
        else:
            keep = set(range(len(state.arms))) - set(idx)
            state.window = deque((i, r) for i, r in state.window if i in keep)

    def _apply(self, state: _Key, i: int, reward: float) -> _Step:
        """Update arm `i`; says what it did (a detected change resets every arm)."""
        mode = self.mode
        state.steps += 1
        decay = arm_decay = 1.0
        unwind: tuple[int, float] | None = None
        if mode == "fixed" or (mode == "adaptive" and state.detections and self.hazard_gain > 0.0):
            # Adaptive: a change seen before makes one likelier now (empirical hazard d / n), and an
            # arm we stopped playing can only be re-checked if its old evidence fades.
            hazard = self.hazard_gain * state.detections / state.steps
            decay = self.param if mode == "fixed" else max(0.0, 1.0 - hazard)
            state.alpha = 1.0 + decay * (state.alpha - 1.0)
            state.beta = 1.0 + decay * (state.beta - 1.0)
        elif mode == "reskill":
            m = state.memory[i]
            if math.isfinite(m):
                arm_decay = m / (m + 1.0)
                state.alpha[i] = 1.0 + arm_decay * (state.alpha[i] - 1.0)
                state.beta[i] = 1.0 + arm_decay * (state.beta[i] - 1.0)
        state.alpha[i] += reward
        state.beta[i] += 1.0 - reward
        state.obs[i] += 1.0
        state.history[i].append(reward)
        state.tokens[i].append(reward_token(reward))
        state.count[i] += 1
        if mode == "window":
            state.window.append((i, reward))
            if len(state.window) > self.param:
                j, old = state.window.popleft()
                state.alpha[j] -= old
                state.beta[j] -= 1.0 - old
                unwind = (j, old)
        elif mode == "reskill":
            # ReSkill re-fits M once two comparisons have finished; per arm we count a "comparison"
            # as 50 updates and re-fit every 50 (counted past the history cap: a full history must
            # not turn this into a re-fit at every update).
            n = state.count[i]
            if n >= 100 and n % 50 == 0:
                state.memory[i] = fit_memory(state.history[i])
        elif mode == "adaptive":
            hist = state.history[i]
            if glr_statistic(hist) > glr_threshold(len(hist), self.delta):
                state.detections += 1
                self._reset(state, range(len(state.arms)))
                return _Step(decay, arm_decay, unwind, detected=True)
        return _Step(decay, arm_decay, unwind)

    # ------------------------------------------------------------------ public API

    def choose(self, key: str, arms: Sequence[str]) -> str:
        """Draw theta ~ Beta(alpha, beta) for each arm and return the argmax."""
        if not arms:
            raise ConfigError("choose: arms is empty")
        _check_site("choose", key, arms)
        with self._lock:
            state = self._key(key)
            self._refresh(key, state)
            idx = self._indices(state, arms)
            draws = self._rng.beta(state.alpha[idx], state.beta[idx])
            return arms[int(draws.argmax())]

    def update(self, key: str, arm: str, reward: float) -> None:
        """Credit `arm` at `key` with a reward in [0, 1] (seen by this process at once, and written
        to the attached store as atomic increments)."""
        _check_site("update", key, (arm,))
        try:
            r = check_reward(reward)
        except ConfigError as exc:
            raise ConfigError(f"update: {exc}") from None
        with self._lock:
            state = self._key(key)
            if self._store is not None:
                # The key's epoch before evidence is credited in it: read before the first update and
                # again once stale, as `choose` does (a process that only updates would otherwise
                # credit an epoch another process has reset, and every update would be dropped).
                self._refresh(key, state, force=state.fresh_at == -math.inf)
            i = state.index.get(arm)
            if i is None:
                i = state.add(arm)
                state.cache_arms = ()
            # The epochs this update's evidence (and a detection on it) belongs to: the store drops
            # the update if the key or the arm has been reset since (by any process).
            epoch, key_epoch = state.epoch[i], state.key_epoch
            step = self._apply(state, i, r)
            if self._store is None:
                return
            next_key_epoch = None
            if step.detected:  # the store resets the key and every stored arm of it: new epochs
                state.epoch = [e + 1 for e in state.epoch]
                # Drawn apart from the seeded streams: which epoch a key is in never changes a choice.
                next_key_epoch = state.key_epoch = _FRESH_EPOCHS.randrange(1 << 20, 1 << 31)
            unwind = None if step.unwind is None else (state.arms[step.unwind[0]], step.unwind[1])
            # A window's entries are in their arm's current epoch (a reset drops them).
            unwind_epoch = None if step.unwind is None else state.epoch[step.unwind[0]]
            self._store.increment_posterior(
                PosteriorIncrement(
                    key=key,
                    arm=arm,
                    reward=r,
                    decay=step.decay,
                    arm_decay=step.arm_decay,
                    unwind=unwind,
                    unwind_epoch=unwind_epoch,
                    reset=step.detected,
                    epoch=epoch,
                    key_epoch=key_epoch,
                    next_key_epoch=next_key_epoch,
                    extra=self._extra(state, i),
                )
            )

    def _extra(self, state: _Key, i: int) -> dict[str, Any]:
        """The arm's auxiliary state as stored: it seeds a process that starts later."""
        extra: dict[str, Any] = {"history": "".join(state.tokens[i]), "mode": self.mode}
        if math.isfinite(state.memory[i]):
            extra["memory"] = state.memory[i]
        return extra

    def _refresh(self, key: str, state: _Key, *, force: bool = False) -> None:
        """Re-read `key` from the store when the cached copy is older than `staleness_s`."""
        if self._store is None:
            return
        if self._unseeded:  # attached while the library did not answer: the first load now
            self._load_all(self._store, seed=True)
            self._unseeded = False
        now = time.monotonic()
        if not force and now - state.fresh_at < self.staleness_s:
            return
        arms, counters = self._store.posterior_snapshot(key)
        kept = counters.get(key)
        if kept is not None:
            self._load_key(state, kept)
        for stored in arms:
            self._load_arm(state, stored, seed=False)
        state.fresh_at = now

    def _load_key(self, state: _Key, kept: KeyCounters) -> None:
        """Take a key's stored counters and epoch; a key reset elsewhere since (another epoch)
        drops everything this process holds of it first."""
        if kept.epoch != state.key_epoch:
            self._reset(state, range(len(state.arms)))
            state.key_epoch = kept.epoch
        state.steps, state.detections = kept.steps, kept.detections

    def _load_arm(self, state: _Key, stored: PosteriorState, *, seed: bool) -> None:
        """Take one stored arm as the truth. `seed`: also restore its history and memory (at attach)."""
        i = state.index.get(stored.arm)
        if i is None:
            i = state.add(stored.arm)
            state.cache_arms = ()
        state.alpha[i] = stored.alpha
        state.beta[i] = stored.beta
        state.obs[i] = stored.observations
        if stored.epoch > state.epoch[i] or seed:
            # Reset by another process since we last looked (or a first load): what this process
            # derived from the old evidence goes too.
            state.history[i].clear()
            state.tokens[i].clear()
            state.count[i] = 0
            state.memory[i] = math.inf
            state.window = deque((j, r) for j, r in state.window if j != i)
            if seed:
                hist = decode_rewards(stored.extra.get("history"))
                if hist is not None:
                    state.history[i].extend(hist)
                    state.tokens[i].extend(reward_token(x) for x in hist)
                    state.count[i] = len(state.history[i])
                memory = stored.extra.get("memory")
                state.memory[i] = float(memory) if isinstance(memory, int | float) else math.inf
        state.epoch[i] = stored.epoch

    def notify_change(self, key: str | None = None, arm: str | None = None) -> None:
        """Reset `arm` (or every arm) at `key` (or at every key) to the prior, at once (in the
        attached store too: every process sharing it resets at its next refresh)."""
        with self._lock:
            keys = list(self._keys) if key is None else [key]
            for k in keys:
                state = self._key(k)
                if arm is None:
                    idx = list(range(len(state.arms)))
                elif arm in state.index:
                    idx = [state.index[arm]]
                else:
                    continue
                self._reset(state, idx)
                if self._store is not None:
                    for i in idx:
                        state.epoch[i] += 1
                    if arm is None:
                        state.key_epoch += 1
            if self._store is not None:
                self._store.reset_posteriors(key, arm)

    def notify_stored_change(self) -> None:
        """Every stored posterior was reset (an announced change, written once for every process):
        re-read them all now, dropping what was derived from the old evidence. Not attached to a
        store: `notify_change()`."""
        with self._lock:
            if self._store is None:
                self.notify_change()
                return
            self._load_all(self._store, seed=False)

    def posterior(self, key: str, arm: str) -> tuple[float, float]:
        """The Beta posterior (alpha, beta) of `arm` at `key` ((1, 1) if never seen)."""
        with self._lock:
            state = self._keys.get(key)
            if state is None and self._store is not None:
                state = self._key(key)
            if state is not None:
                self._refresh(key, state)
            if state is None or arm not in state.index:
                return 1.0, 1.0
            i = state.index[arm]
            return float(state.alpha[i]), float(state.beta[i])

    def propensity(self, key: str, arms: Sequence[str], arm: str) -> float:
        """P(choose(key, arms) == arm), by Monte Carlo from the same posteriors (own seeded stream)."""
        if arm not in arms:
            return 0.0
        with self._lock:
            params = [self.posterior(key, a) for a in arms]
            a = np.array([p[0] for p in params])
            b = np.array([p[1] for p in params])
            draws = self._mc_rng.beta(a, b, size=(self.propensity_samples, len(arms)))
        wins = np.bincount(draws.argmax(axis=1), minlength=len(arms))
        return float(wins[list(arms).index(arm)] / self.propensity_samples)

    def prob_better(self, key: str, a: str, b: str) -> float:
        """P(theta_a > theta_b), integrating pdf_a * cdf_b numerically."""
        return prob_greater(self.posterior(key, a), self.posterior(key, b))

    def refresh(self, key: str) -> None:
        """Re-read `key` from the attached store now, whatever `staleness_s` allows."""
        with self._lock:
            self._refresh(key, self._key(key), force=True)

    def own_updates(self, key: str, arm: str) -> float:
        """`arm`'s updates at `key` since its last reset, undiscounted (not faded by the other arms')."""
        with self._lock:
            a, b = self.posterior(key, arm)
            state = self._keys.get(key)
            own = 0 if state is None or arm not in state.index else state.count[state.index[arm]]
            return max(a + b - 2.0, float(own))  # another process's updates are in the stored posterior only

    def detections(self, key: str) -> int:
        """How many changes the adaptive mode detected at `key` (for stats and tests)."""
        with self._lock:
            state = self._keys.get(key)
            if state is not None:
                self._refresh(key, state)
            return 0 if state is None else state.detections

    def keys(self) -> list[str]:
        """The keys this selector has state for."""
        with self._lock:
            return sorted(self._keys)

    def attach(self, store: SkillStore) -> None:
        """Restore every stored posterior, then keep this selector a cache of `store`: each update is
        written as atomic increments, and each key is re-read at most every `staleness_s`."""
        with self._lock:
            self._store = store
            self._unseeded = True
            try:
                self._load_all(store, seed=True)
            except LibraryError as exc:  # not answering (a server away at start): runs go on; a later read loads
                _log.warning("skillevo: the selector starts without the stored posteriors (%s); "
                             "it reads them when the library answers", exc)
                return
            self._unseeded = False

    def _load_all(self, store: SkillStore, *, seed: bool) -> None:
        """Take every stored arm and key counter as the truth (`seed`: see `_load_arm`)."""
        arms, counters = store.posterior_snapshot()
        now = time.monotonic()
        for key, kept in counters.items():
            self._load_key(self._key(key), kept)
        for stored in arms:
            self._load_arm(self._key(stored.key), stored, seed=seed)
        for key, state in self._keys.items():
            # A key without a row of its own is in the library's epoch, which this read does not
            # carry: read it again before its next use.
            state.fresh_at = now if key in counters else -math.inf


def _check_site(what: str, key: object, arms: Sequence[object]) -> None:
    """Keys and arms are text (a store keys its rows by them): a `ConfigError` for anything else."""
    for name, value in (("key", key), *(("arm", a) for a in arms)):
        if not isinstance(value, str):
            raise ConfigError(f"{what}: {name} must be a string (got {type(value).__name__} {value!r:.60})")
