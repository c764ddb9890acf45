"""The urn-ball matching function of the reference step (del Rio-Chanona et al. 2021, eq. 5), shared by the
step and the model's paper start."""

from __future__ import annotations

import numpy as np


def success_probability(s: np.ndarray, v: np.ndarray, mu: np.ndarray | float = 1.0) -> np.ndarray:
    """P = mu theta (1 - exp(-1/theta)) with theta = v/s, capped at min(1, theta) so hires never exceed v."""
    # over: a denormal 1/theta (a node with almost no searchers) makes 1/x overflow to inf, the right cap
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        x = np.where(v > 0, s / np.where(v > 0, v, 1.0), np.inf)  # 1/theta
        base = np.where(x > 1e-12, -np.expm1(-x) / x, 1.0 - 0.5 * x)
        cap = np.where(x > 0, 1.0 / x, np.inf)
    return np.minimum(np.minimum(mu * base, 1.0), cap)
