"""Capacity-aware assignment on the sparse candidate graph, and the plain top-N outcome it is compared with.

**Assignment** (``--assign``): each seeker's :data:`CANDIDATES` best vacancies form a bipartite graph; a
min-cost flow (OR-Tools ``SimpleMinCostFlow``) picks at most one vacancy per seeker and at most ``openings``
seekers per vacancy, maximising the total match score:

    maximise sum_e score_e x_e  s.t.  sum_{e at seeker i} x_e <= 1,  sum_{e at vacancy v} x_e <= openings_v,
    x_e in {0, 1}

(scores as integers in millionths; every seeker also has a zero-cost arc to the sink, "no assignment",
so the flow is always feasible). Capacities spread seekers over vacancies instead of piling them onto the
few that everybody ranks first, which is the congestion that similarity-only recommenders create.

**Plain top-N outcome** (the baseline): seekers apply to their top-N, employers take the best applicants.
With one score shared by both sides, the stable outcome is the greedy one: go through all top-N pairs by
score (ties: seeker, then vacancy order) and accept a pair when the seeker is free and the vacancy has an
opening left.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numba
import numpy as np

from workshift.errors import InputError

CANDIDATES = 50  # K: each seeker's candidate vacancies in the assignment graph
SCALE = 1_000_000  # scores (0-1) become integer costs in millionths


@dataclass
class Assignment:
    """Per seeker: ``vacancy`` (position, -1 = none), ``score`` (NaN = none), ``rank`` in their candidate list."""

    vacancy: np.ndarray
    score: np.ndarray
    rank: np.ndarray
    method: str
    stats: dict = field(default_factory=dict)

    def load(self, n_vacancies: int) -> np.ndarray:
        """Seekers assigned to each vacancy."""
        taken = self.vacancy[self.vacancy >= 0]
        return np.bincount(taken, minlength=n_vacancies)


def _from_choice(ids: np.ndarray, scores: np.ndarray, rank: np.ndarray, method: str, stats: dict) -> Assignment:
    rows = np.arange(len(ids))
    ok = rank >= 0
    vacancy = np.where(ok, ids[rows, np.maximum(rank, 0)], -1)
    score = np.where(ok, scores[rows, np.maximum(rank, 0)], np.nan)
    return Assignment(vacancy, score, rank, method, stats)


def assign(scores: np.ndarray, ids: np.ndarray, openings: np.ndarray, min_score: float = 0.0) -> Assignment:
    """Max-score assignment on the candidate graph (``scores``, ``ids``: n_seekers x K; ids -1 = no edge)."""
    from ortools.graph.python import min_cost_flow

    if (np.asarray(openings) < 0).any():
        raise InputError("openings must not be negative")
    started = time.perf_counter()
    n, k = ids.shape
    m = len(openings)
    keep = (ids >= 0) & np.isfinite(scores) & (scores > min_score)
    seeker, slot = np.nonzero(keep)
    vacancy = ids[seeker, slot]
    sink = n + m
    tails = np.concatenate([seeker, n + np.arange(m), np.arange(n)]).astype(np.int32)
    heads = np.concatenate([n + vacancy, np.full(m, sink), np.full(n, sink)]).astype(np.int32)
    capacity = np.concatenate([np.ones(len(seeker)), openings, np.ones(n)]).astype(np.int64)
    cost = np.concatenate([-np.round(scores[seeker, slot] * SCALE), np.zeros(m + n)]).astype(np.int64)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacity, cost)
    supply = np.zeros(sink + 1, dtype=np.int64)
    supply[:n], supply[sink] = 1, -n
    flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supply)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise InputError(f"the assignment found no optimal flow (OR-Tools status {status})")
    used = flow.flows(np.arange(len(seeker), dtype=np.int32)) > 0
    rank = np.full(n, -1, dtype=np.int64)
    rank[seeker[used]] = slot[used]
    stats = {"edges": int(len(seeker)), "objective": float(-flow.optimal_cost() / SCALE),
             "seconds": time.perf_counter() - started, "solver": "OR-Tools SimpleMinCostFlow"}
    return _from_choice(ids, scores, rank, "min-cost flow", stats)


@numba.njit(cache=True)
def _greedy(order, seeker, slot, vacancy, capacity, n):
    rank = np.full(n, -1, dtype=np.int64)
    left = capacity.copy()
    for e in order:
        i = seeker[e]
        v = vacancy[e]
        if rank[i] < 0 and left[v] > 0:
            rank[i] = slot[e]
            left[v] -= 1
    return rank


def greedy_top_n(scores: np.ndarray, ids: np.ndarray, openings: np.ndarray, top: int,
                 v_key: np.ndarray) -> Assignment:
    """The plain top-N outcome (stable when both sides rank by the score; see the module docstring)."""
    started = time.perf_counter()
    n = len(ids)
    sub_ids, sub_scores = ids[:, :top], scores[:, :top]
    seeker, slot = np.nonzero(sub_ids >= 0)
    vacancy = sub_ids[seeker, slot]
    order = np.lexsort((v_key[vacancy], seeker, -sub_scores[seeker, slot]))
    rank = _greedy(order, seeker, slot, vacancy, np.asarray(openings, dtype=np.int64), n)
    return _from_choice(sub_ids, sub_scores, rank, f"greedy over top-{top}",
                        {"seconds": time.perf_counter() - started})
