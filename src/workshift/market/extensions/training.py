"""Training: the unemployed leave search for a programme, then search with extra mobility edges.

Flows per step: u -> training at ``training_rate`` (x the ``training_multiplier`` hook) of the unemployed
not hired; graduation with probability 1/``training_steps`` (a geometric duration with that mean);
graduates (g) search on A plus training edges E toward target occupations until hired (their own spell
histogram). Default targets: for each node, the ``training_targets`` most skill-similar nodes (skills
network weight) among those whose target demand grows in the scenario, with total extra weight
``training_edge_weight`` relative to a row of A. Policy can add its own edges per scenario
(:class:`workshift.market.hooks.TrainingEdges`).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def default_edges(similarity: sp.spmatrix | np.ndarray, d0: np.ndarray, d_final: np.ndarray,
                  targets: int = 5, weight: float = 0.5) -> sp.csr_matrix:
    """Training edges E (n x n): from each node to its most similar growing nodes, rows summing to ``weight``."""
    S = np.asarray(similarity.todense() if sp.issparse(similarity) else similarity, dtype=np.float64).copy()
    n = S.shape[0]
    np.fill_diagonal(S, 0.0)
    d0 = np.asarray(d0).reshape(-1, n)[0]
    d_final = np.asarray(d_final).reshape(-1, n)[0]
    growing = d_final > d0 * (1.0 + 1e-9)
    if growing.any():
        S[:, ~growing] = 0.0
    rows, cols, vals = [], [], []
    k = max(1, int(targets))
    for i in range(n):
        order = np.argsort(-S[i], kind="stable")[:k]
        order = order[S[i, order] > 0]
        if order.size == 0:
            continue
        w = S[i, order] / S[i, order].sum() * weight
        rows.extend([i] * order.size)
        cols.extend(order.tolist())
        vals.extend(w.tolist())
    return sp.csr_matrix((vals, (rows, cols)), shape=(n, n))
