"""An analytic portfolio problem with a known Pareto front, for tests and benchmarks of the optimisers.

Intensities x (P, n) in [0, 1]; benefits are concave and cost is linear:
  employment_rate = e0 + sum_i a_i sqrt(x_i),   job_quality = q0 + sum_i q_i sqrt(x_i),   cost = sum_i c_i x_i.
For (employment_rate, cost) the front is known in closed form: spending C optimally (x_i proportional to
(a_i / c_i)^2, inside the bounds) gives employment_rate*(C) = e0 + sqrt(C sum_i a_i^2 / c_i).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class ConcaveToy:
    a: np.ndarray
    c: np.ndarray
    q: np.ndarray | None = None
    e0: float = 0.9
    q0: float = 0.6

    def __call__(self, x: np.ndarray) -> dict[str, np.ndarray]:
        root = np.sqrt(np.clip(np.atleast_2d(x), 0.0, None))
        out = {"employment_rate": self.e0 + root @ self.a, "cost": np.atleast_2d(x) @ self.c}
        if self.q is not None:
            out["job_quality"] = self.q0 + root @ self.q
        return out

    def baseline(self) -> dict[str, float]:
        values = self(np.zeros((1, len(self.a))))
        return {k: float(v[0]) for k, v in values.items()}

    def front(self, cost: np.ndarray) -> np.ndarray:
        """Best employment_rate for each spending level (valid while the optimum stays inside x <= 1)."""
        return self.e0 + np.sqrt(np.asarray(cost) * np.sum(self.a**2 / self.c))

    def repair(self, budget: float):
        def fix(x: np.ndarray) -> np.ndarray:
            x = np.atleast_2d(np.asarray(x, dtype=float)).copy()
            cost = x @ self.c
            scale = np.where(cost > budget, budget / np.maximum(cost, 1e-300) * (1 - 1e-12), 1.0)
            return x * scale[:, None]
        return fix
