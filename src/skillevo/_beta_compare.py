"""P(X > Y) for two Beta posteriors: how the lifecycle and the selector compare two arms."""

from __future__ import annotations

import numpy as np

__all__ = ["prob_greater"]

_GRID = np.linspace(0.0, 1.0, 2049)


def prob_greater(a: tuple[float, float], b: tuple[float, float]) -> float:
    """P(X > Y) for X ~ Beta(*a), Y ~ Beta(*b) (works for fractional parameters)."""
    # Imported on first use: scipy.stats takes seconds to import, which every `skillevo` command
    # (and `import skillevo`) would otherwise pay at start-up.
    from scipy import stats

    pdf = stats.beta.pdf(_GRID, a[0], a[1])
    cdf = stats.beta.cdf(_GRID, b[0], b[1])
    pdf = np.where(np.isfinite(pdf), pdf, 0.0)
    value = float(np.trapezoid(pdf * cdf, _GRID))
    return min(1.0, max(0.0, value))
