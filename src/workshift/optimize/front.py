"""Pareto fronts, the normalisation against the no-policy baseline, hypervolume and the recommended rule.

Normalised objective space (minimisation, comparable across runs), for an objective with natural value f,
no-policy baseline b and sense s (+1 more is better, -1 less is better):

- ``cost``: z = 100 * cost / budget  (percent of the budget; with a zero budget, 100 * cost / 1);
- shares without a meaningful baseline ratio (``coverage``): z = -s * 100 * (f - b)  (percentage points);
- every other objective: z = -s * 100 * (f - b) / |b|  (percent change against the baseline, better < 0).

The hypervolume is computed in this space against the fixed reference point
``z_ref = 1`` for every benefit objective (one percent, or point, worse than the baseline) and
``z_ref = 101`` for cost (one percent over the budget), so the no-policy baseline alone has hypervolume
101 (times 1 per other objective) and every run is measured on the same scale. Exact (pymoo's HV) for up to
four objectives; beyond that, a seeded Monte-Carlo estimate with ``mc_samples`` points.

Recommended portfolio: the Pareto member closest (Euclidean) to the ideal point after scaling each
objective to [0, 1] between the front's ideal (best) and nadir (worst) values; ties go to the cheaper one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from workshift.policy.objectives import Objective

ABSOLUTE_SCALE = ("coverage",)
REF_BENEFIT = 1.0
REF_COST = 101.0
EXACT_MAX_OBJECTIVES = 4


def normalise(natural: np.ndarray, objectives: Sequence[Objective], baseline: Mapping[str, float],
              budget: float) -> np.ndarray:
    """(P, k) natural-sign values -> (P, k) normalised minimisation values (see module docstring)."""
    natural = np.atleast_2d(np.asarray(natural, dtype=float))
    z = np.empty_like(natural)
    for j, obj in enumerate(objectives):
        f = natural[:, j]
        if obj.key == "cost":
            z[:, j] = 100.0 * f / (budget if budget > 0 else 1.0)
            continue
        b = float(baseline[obj.key])
        delta = -obj.sense * (f - b)
        z[:, j] = 100.0 * delta if obj.key in ABSOLUTE_SCALE or abs(b) < 1e-12 else 100.0 * delta / abs(b)
    return z


def reference_point(objectives: Sequence[Objective]) -> np.ndarray:
    return np.array([REF_COST if o.key == "cost" else REF_BENEFIT for o in objectives])


def non_dominated(z: np.ndarray) -> np.ndarray:
    """Indices of the non-dominated rows of ``z`` (minimisation); duplicates keep their first row."""
    z = np.asarray(z, dtype=float)
    n = len(z)
    if n == 0:
        return np.zeros(0, dtype=int)
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    _, first = np.unique(z, axis=0, return_index=True)
    first = np.sort(first)
    front = NonDominatedSorting().do(z[first], only_non_dominated_front=True)
    return np.sort(first[np.asarray(front, dtype=int)])


def hypervolume(z: np.ndarray, ref: np.ndarray, seed: int = 0, mc_samples: int = 200_000) -> float:
    """Hypervolume of the points ``z`` (normalised, minimisation) dominated region up to ``ref``."""
    z = np.atleast_2d(np.asarray(z, dtype=float))
    z = z[np.all(z < ref, axis=1)]
    if len(z) == 0:
        return 0.0
    if z.shape[1] <= EXACT_MAX_OBJECTIVES:
        from pymoo.indicators.hv import HV

        return float(HV(ref_point=ref)(z))
    rng = np.random.default_rng(seed)
    low = z.min(axis=0)
    box = float(np.prod(ref - low))
    hits = 0
    done = 0
    while done < mc_samples:
        n = min(20_000, mc_samples - done)
        pts = low + rng.random((n, z.shape[1])) * (ref - low)
        dominated = np.zeros(n, dtype=bool)
        for row in z:
            dominated |= np.all(pts >= row, axis=1)
        hits += int(dominated.sum())
        done += n
    return box * hits / mc_samples


def recommend(z_front: np.ndarray, cost: np.ndarray | None = None) -> int:
    """Index (into ``z_front``) of the member closest to the ideal point in ideal-nadir scaled space."""
    z_front = np.atleast_2d(np.asarray(z_front, dtype=float))
    ideal, nadir = z_front.min(axis=0), z_front.max(axis=0)
    span = np.where(nadir - ideal > 0, nadir - ideal, 1.0)
    dist = np.sqrt((((z_front - ideal) / span) ** 2).sum(axis=1))
    tie_break = cost if cost is not None else np.zeros(len(z_front))
    order = np.lexsort((np.arange(len(z_front)), tie_break, np.round(dist, 12)))
    return int(order[0])
