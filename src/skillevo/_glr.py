"""The adaptive mode's change test: the Bernoulli GLR statistic of one change in an arm's rewards
(`skillevo._selection.ThompsonSelector`)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["glr_statistic", "glr_threshold"]


def _bernoulli_kl(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    eps = 1e-12
    p = np.clip(p, eps, 1 - eps)
    q = np.clip(q, eps, 1 - eps)
    out: np.ndarray = p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q))
    return out


def glr_statistic(history: Sequence[float], min_side: int = 5) -> float:
    """The Bernoulli GLR statistic of one change anywhere in `history` (0 if too short)."""
    n = len(history)
    if n < 2 * min_side:
        return 0.0
    x = np.fromiter(history, dtype=float, count=n)
    csum = np.cumsum(x)
    total = csum[-1]
    # Candidate split points: every one for short histories, ~256 evenly spaced for long ones
    # (the statistic is smooth in s, and this keeps one test O(256) instead of O(n)).
    s = np.unique(np.linspace(min_side, n - min_side, num=min(n - 2 * min_side + 1, 256)).astype(np.int64))
    left = csum[s - 1] / s
    right = (total - csum[s - 1]) / (n - s)
    mu = np.full(s.shape, total / n)
    stat = s * _bernoulli_kl(left, mu) + (n - s) * _bernoulli_kl(right, mu)
    return float(stat.max())


def glr_threshold(n: int, delta: float) -> float:
    """Detection threshold for a history of length `n` at confidence `delta` (grows like log n)."""
    return math.log(n / delta)
