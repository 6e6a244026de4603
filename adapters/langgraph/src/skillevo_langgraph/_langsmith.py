"""LangSmith feedback as reward: a reader for the nightly job.

People and evaluators score runs in LangSmith (thumbs, 1-5 stars, an LLM judge's 0-1). The runs an
adapter recorded carry their run id (episode metadata ``run_id``: the LangSmith trace's root run),
so those scores can become the episodes' delayed rewards through ``Evolver.feedback``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from skillevo import ConfigError, Evolver

__all__ = ["FeedbackClient", "FeedbackReport", "apply_langsmith_feedback"]

log = logging.getLogger("skillevo_langgraph")


@runtime_checkable
class FeedbackClient(Protocol):
    """What the reader needs of a LangSmith ``Client``: ``list_feedback`` filtered by run ids.

    Each item it yields has ``run_id``, ``key`` and ``score`` (a number, a bool or None), like
    ``langsmith.schemas.Feedback``.
    """

    def list_feedback(self, *, run_ids: Sequence[Any] | None = ..., **kwargs: Any) -> Iterable[Any]:
        """Feedback on the given runs."""
        ...


@dataclass
class FeedbackReport:
    """What `apply_langsmith_feedback` did."""

    #: episode id -> the reward applied (the mean of its runs' normalised scores)
    applied: dict[str, float] = field(default_factory=dict)
    #: how many episodes with a run id and no reward yet were looked up
    looked_up: int = 0
    #: feedback items read that gave no reward (no score, not a number, another run, a failed feedback call)
    ignored: int = 0


def _timestamp(since: float | datetime | None) -> float | None:
    if since is None or isinstance(since, int | float):
        return None if since is None else float(since)
    if isinstance(since, datetime):
        return since.timestamp()
    raise ConfigError(f"since: expected a datetime or a POSIX timestamp (got {type(since).__name__})")


def _scale(scale: object) -> tuple[float, float]:
    """`scale` as (low, high), two finite numbers with low < high; a `ConfigError` otherwise."""
    pair = tuple(scale) if isinstance(scale, tuple | list) else ()
    if len(pair) == 2 and all(isinstance(v, int | float) and not isinstance(v, bool) for v in pair):
        low, high = float(pair[0]), float(pair[1])
        if math.isfinite(low) and math.isfinite(high) and high > low:
            return low, high
    raise ConfigError(f"scale: expected (low, high) with low < high (got {scale!r})")


def _score(raw: Any, low: float, high: float) -> float | None:
    """A feedback score mapped from [low, high] to [0, 1] (clipped), or None when it has none."""
    if isinstance(raw, bool):
        return 1.0 if raw else 0.0
    if not isinstance(raw, int | float) or isinstance(raw, bool) or not math.isfinite(raw):
        return None
    return min(1.0, max(0.0, (float(raw) - low) / (high - low)))


def apply_langsmith_feedback(
    evo: Evolver,
    client: FeedbackClient,
    *,
    since: float | datetime | None = None,
    keys: Sequence[str] | None = None,
    scale: tuple[float, float] = (0.0, 1.0),
    batch: int = 100,
) -> FeedbackReport:
    """Turn LangSmith feedback scores on recorded runs into episode rewards (``evo.feedback``).

    Reads the episodes started at or after `since` that have a run id (recorded by
    `SkillMiddleware` / `evolve`) and no reward yet, asks `client` for the feedback on those runs
    (`batch` run ids per ``list_feedback`` call, filtered to `keys` when given), maps each score
    from `scale` to [0, 1] (a bool is 1 or 0; values outside `scale` are clipped) and gives each
    episode the mean of its scores as its reward, credited like any delayed reward. Episodes that
    have a reward already are left alone, so running it again (a nightly job) credits nothing twice.

    Args:
        evo: the Evolver whose library recorded the runs.
        client: a ``langsmith.Client`` (or anything with its ``list_feedback(run_ids=...)``).
        since: only episodes started at or after this time (a datetime or POSIX timestamp).
        keys: only feedback with these keys (e.g. ``["user_score"]``); all keys when None.
        scale: the range of the scores, e.g. ``(1, 5)`` for five stars.
        batch: how many run ids one ``list_feedback`` call asks about.

    Returns:
        A `FeedbackReport`.

    Raises:
        ConfigError: a bad `evo`, `client`, `since`, `keys`, `scale` or `batch`.
    """
    # Every argument is checked before the first episode is read: with none to look up, a missing
    # client or a scale of text went unnoticed until the first night there was one.
    if not isinstance(evo, Evolver):
        raise ConfigError(f"evo: expected a skillevo.Evolver (got {type(evo).__name__})")
    if not callable(getattr(client, "list_feedback", None)):
        raise ConfigError(f"client: expected a langsmith.Client, with list_feedback (got {type(client).__name__})")
    low, high = _scale(scale)
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise ConfigError(f"batch: expected an int >= 1 (got {batch!r})")
    if keys is not None and (isinstance(keys, str) or not all(isinstance(k, str) for k in keys)):
        raise ConfigError(f"keys: expected a list of feedback keys, e.g. ['user_score'] (got {keys!r})")
    start = _timestamp(since)
    runs: dict[str, str] = {}
    for episode in evo.store.episodes(since=start):
        run_id = episode.metadata.get("run_id")
        if isinstance(run_id, str) and run_id and episode.reward is None:
            runs[run_id] = episode.id
    report = FeedbackReport(looked_up=len(runs))
    scores: dict[str, list[float]] = {}
    ids = list(runs)
    for i in range(0, len(ids), batch):
        kwargs: dict[str, Any] = {"run_ids": ids[i : i + batch]}
        if keys is not None:
            kwargs["feedback_key"] = list(keys)
        try:
            items = list(client.list_feedback(**kwargs))
        except Exception as exc:  # one failed page must not lose the others
            log.warning("skillevo: list_feedback failed for %d runs: %s", len(kwargs["run_ids"]), exc)
            report.ignored += 1
            continue
        for item in items:
            episode_id = runs.get(str(getattr(item, "run_id", "")))
            value = _score(getattr(item, "score", None), low, high)
            if episode_id is None or value is None or (keys is not None and getattr(item, "key", None) not in keys):
                report.ignored += 1
                continue
            scores.setdefault(episode_id, []).append(value)
    for episode_id, values in scores.items():
        reward = sum(values) / len(values)
        evo.feedback(episode_id, reward)
        report.applied[episode_id] = reward
    return report
