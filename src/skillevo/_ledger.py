"""The credit ledger: the one place outcomes reach the selector and the lifecycle.

Every reward an arm gets (a repaired call's outcome, an episode's reward, a delayed `feedback`,
the tool calls that test guidance about a tool's failures) goes through `CreditLedger.credit`, and
every lifecycle decision those updates may make due is taken in `evaluate`. The ledger also keeps
what is still owed: episodes finished without a reward (their guidance is credited by a later
`feedback`) and the run ids `feedback` may name them by.
"""

from __future__ import annotations

import decimal
import math
import numbers
import threading
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING

from ._attribution import episode_key
from ._errors import ConfigError, LibraryError, NotFoundError
from ._models import NULL_ARM, Applied, Event, EventKind
from ._skill_rows import UNREADABLE

if TYPE_CHECKING:
    from ._choices import SiteChoices
    from ._lifecycle import Lifecycle
    from ._selection import Selector

__all__ = ["CreditLedger", "check_reward"]

_KEPT = 10_000  # episodes (and run ids) remembered in memory; the store is the fallback


def check_reward(reward: float) -> float:
    """`reward` as a float in [0, 1], or a one-line `ConfigError`."""
    # A real number: "0.7" (a string) or True (a bool) is a mistake in the caller's reward, not a score.
    # Decimal is a real number too (it does not register as numbers.Real). A plain float, the common
    # case, skips the abstract-class check.
    if type(reward) is float:
        if math.isnan(reward) or not 0.0 <= reward <= 1.0:
            raise ConfigError(f"reward must be in [0, 1] (got {reward!r})")
        return reward
    if isinstance(reward, bool) or not isinstance(reward, numbers.Real | decimal.Decimal):
        # Its type alone: a reward function that returns the run's state (or any text) by mistake
        # must not quote it into the error stored with the episode (``reward_error``) and logged.
        raise ConfigError(f"reward must be a number in [0, 1] (got {_kind(reward)})")
    try:
        r = float(reward)
    except (TypeError, ValueError, OverflowError):
        raise ConfigError(f"reward must be a number in [0, 1] (got {_shown(reward)})") from None
    if math.isnan(r) or not 0.0 <= r <= 1.0:
        raise ConfigError(f"reward must be in [0, 1] (got {_shown(reward)})")
    return r


def _kind(value: object) -> str:
    """`value`'s type, with its length where it has one ("dict of 3 items"), never its content."""
    kind = type(value).__name__
    try:
        n = len(value)  # type: ignore[arg-type]
    except Exception:
        return f"a {kind}"
    return f"a {kind} of {n} items" if not isinstance(value, str | bytes) else f"a {kind} of {n} characters"


def _shown(reward: object) -> str:
    """The refused reward for its error, in a few words whatever it is: an int past Python's 4,300
    digits (or a Fraction of one) has no ``repr`` (ValueError), a user's object may fail its own
    ``__str__``; either raised out of the check in place of its `ConfigError` (before 2026-12-08)."""
    if isinstance(reward, int | Fraction) and not isinstance(reward, bool):
        bits = reward.bit_length() if isinstance(reward, int) else max(reward.numerator.bit_length(),
                                                                       reward.denominator.bit_length())
        if bits > 1000:  # (its digits alone are past any message's length)
            return f"of about {int(bits * math.log10(2))} digits"
    try:
        text = repr(reward)
    except Exception:
        return "(unprintable)"
    return text if len(text) <= 60 else f"{text[:40]!r}..."


class CreditLedger:
    """Credits arms and runs the lifecycle decisions due (thread-safe).

    Args:
        selector: the posteriors credited.
        lifecycle: decides on the skills whose arms were credited.
        changed: called after a lifecycle decision changed the library (drops cached matches).
    """

    def __init__(self, selector: Selector, lifecycle: Lifecycle, changed: Callable[[], None]) -> None:
        self.selector = selector
        self.lifecycle = lifecycle
        self._changed = changed
        self._lock = threading.Lock()
        # Episodes finished without a reward, kept so a later `feedback` can credit their guidance
        # without re-reading the store; bounded, the store is the fallback.
        self._awaiting: dict[str, list[Applied]] = {}
        # Run ids (a framework's id for one invocation) -> episode ids, for `feedback` by run id;
        # bounded, the episodes' ``run_id`` metadata in the store is the fallback.
        self._runs: dict[str, str] = {}

    # ------------------------------------------------------------------ crediting

    def credit(self, key: str, arm: str, reward: float) -> None:
        """One outcome of `arm` at call site `key`."""
        self.selector.update(key, arm, reward)

    def credit_episode(self, applied: Sequence[Applied], reward: float) -> int:
        """Credit the episode's guidance not yet settled with its reward; returns how many arms.

        Each repair site's chosen arm (a site chosen first for its versions' guidance included) is
        also credited with the reward under `episode_key`: the episode-reward check of repair
        promotions (`_attribution.reward_holds`).
        """
        sites: set[str] = set()
        for a in applied:
            if (a.kind in ("repair", "code") or a.repairs) and a.key not in sites:
                sites.add(a.key)
                self.credit(episode_key(a.key), a.arm, reward)
        n = 0
        for a in applied:
            if a.kind == "guidance" and not a.credited:
                self.credit(a.key, a.arm, reward)
                n += 1
        return n

    def evaluate(self, keys: set[str]) -> None:
        """Take the lifecycle decisions due for these skills."""
        changed = False
        for key in sorted(keys):
            try:
                transitions = self.lifecycle.evaluate(key)
            except NotFoundError:
                continue
            except LibraryError as exc:  # a row gone unreadable since the match: its decisions wait
                UNREADABLE.warn(f"skill {key!r} is left out of the lifecycle's decisions", exc)
                continue
            changed = changed or bool(transitions)
        if changed:
            self._changed()

    def credit_tool_guidance(self, applied: list[Applied], sites: SiteChoices) -> list[Event]:
        """Credit guidance about one tool's failures by that tool's calls, and mark it `credited`.

        A tool-error skill asserts "when T fails with E, do S"; its guidance is tested by the calls
        to T after a prompt first reached its site (`SiteChoices.reach`): 0 when the skill's trigger
        fired on a failure of one of them, 1 when T was called and none did (the same for the null
        arm, so the two are compared on the same outcome). Nothing is credited when T was not called
        after that.
        The episode reward would also count every other step of the episode, and could credit
        guidance that causes the failure when something else repairs it. A skill about a failure no
        argument causes (`SiteChoices.not_argued`) that also repairs is judged by its retries alone.

        Guidance no prompt carried (the token budget left it out, or, for the null arm, would have
        left out every version of its site: `SiteChoices.reached`) is marked `credited` with no credit,
        so neither the episode's reward nor a later `feedback` credits it; where its site's repair
        never came into play at a call either (`SiteChoices.acted`), the arm did nothing in the
        episode and loses its `repairs` mark: `credit_episode` gives it no episode reward.

        Returns:
            The credit events to record with the episode.
        """
        events: list[Event] = []
        for i, a in enumerate(applied):
            if a.credited:  # (a null arm a rescue replaced was credited then: `SiteChoices.rescue`)
                continue
            if a.kind == "guidance" and a.key not in sites.reached:
                # Nor the episode's reward when its repair never came into play (`SiteChoices.acted`).
                applied[i] = a.model_copy(update={"credited": True, "repairs": a.repairs and a.key in sites.acted})
                continue
            chosen = sites.chosen_at.get(a.key) if a.kind == "guidance" else None
            if chosen is None:
                continue
            if a.repairs and a.key in sites.not_argued:
                # Its retries are credited by their calls; the outage's recurrence says nothing of it.
                applied[i] = a.model_copy(update={"credited": True})
                continue
            # (The calls its site's repair was credited with are not counted again: one per call.)
            reward = sites.guidance_outcome(a.key)
            applied[i] = a.model_copy(update={"credited": True})  # a later `feedback` must not credit it
            if reward is None:
                continue
            self.credit(a.key, a.arm, reward)
            events.append(
                Event(
                    kind=EventKind.CREDIT,
                    tool=chosen.tool,
                    version_id=None if a.arm == NULL_ARM else a.arm,
                    data={"key": a.key, "arm": a.arm, "reward": reward, "source": "tool_calls", "strategy": "guidance"},
                )
            )
        return events

    # ------------------------------------------------------------------ owed later

    def await_feedback(self, episode_id: str, applied: Sequence[Applied]) -> None:
        """Keep an unrewarded episode's selections for a later `feedback`, if it has guidance to credit."""
        with self._lock:
            if any(a.kind == "guidance" and not a.credited for a in applied):
                if len(self._awaiting) > _KEPT:
                    self._awaiting.pop(next(iter(self._awaiting)))
                self._awaiting[episode_id] = list(applied)

    def awaiting(self, episode_id: str) -> list[Applied] | None:
        """The selections kept for `episode_id` (forgotten now: feedback credits them once)."""
        with self._lock:
            return self._awaiting.pop(episode_id, None)

    def link_run(self, run_id: str, episode_id: str) -> None:
        """Remember that the framework's run `run_id` is episode `episode_id`."""
        with self._lock:
            self._runs.pop(run_id, None)
            self._runs[run_id] = episode_id
            while len(self._runs) > _KEPT:
                self._runs.pop(next(iter(self._runs)))

    def episode_of_run(self, run_id: str) -> str | None:
        """The episode linked to `run_id` in this process, if any."""
        with self._lock:
            return self._runs.get(run_id)
