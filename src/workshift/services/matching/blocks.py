"""Exact top-k over (state, occupation) cells with bounds: the exact part of hybrid retrieval.

Vacancies are laid out cell by cell (state, then occupation, then id). For a seeker in state s with
occupation o, every vacancy of cell (s, d) scores at most

    w_skill min(1, q(S n U_c) / Q_c) + w_trans F[o, d] + w_loc + w_pay pay(max wage_c) + w_safe safety[d]

with U_c the union of the cell's weighted requirements (bit planes OR-ed: an element's OR-ed weight is at
least each vacancy's weight for it), q(.) the weighted count and Q_c the smallest total weight of a vacancy of
the cell (q(S n R) <= q(S n U_c) and Q >= Q_c). The gates' penalties enter the bound only where they hold for
every vacancy of the cell: the move gate (it depends on d only) and the pay gate when even the cell's best pay
fails it. A cell whose bound is below the seeker's current k-th score is skipped; destinations d are
visited in decreasing w_trans F[o, d] + w_safe safety[d], so once even a perfect skill and pay match there
cannot reach the k-th score the scan stops. Two passes: every cell of the seeker's state (location = 1),
then, in the other states, the cells of the seeker's own occupation and of every destination that passes the
move gate (F >= 0.5), in the same order with the same bounds (the embedding's low-rank F underrates the
diagonal and knows no gates). What is left, destinations failing the move gate in other states, is bounded
by ``retrieve.cross_state_bound``. Skipping only what provably cannot enter the list keeps the result exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from workshift.services.matching.score import (
    FEASIBLE,
    GATE_PENALTY,
    PAY_SHARE,
    Tables,
    clip01,
    insert,
    pair_score,
    popcount64,
)

EPS = 1e-9  # bounds are loosened by this much against floating-point rounding
INTERLEAVE = 256  # seekers are processed in this many interleaved slices: balanced threads, cache locality


@dataclass
class CellLayout:
    """Vacancies in (state, occupation, id) order and what each cell's bound needs."""

    perm: np.ndarray  # cell order -> vacancy position
    v_args: tuple  # the kernel's vacancy arrays, permuted
    v_key: np.ndarray  # permuted tie-break keys
    start: np.ndarray  # states x occupations
    end: np.ndarray
    union: np.ndarray  # cells x W uint64
    min_required: np.ndarray  # cells, float: smallest total requirement weight
    max_wage: np.ndarray  # cells
    dest_order: np.ndarray  # occupations x occupations: destinations by decreasing dest_bound
    dest_bound: np.ndarray  # w_trans F[o, d] + w_safe safety[d], in dest_order

    @classmethod
    def build(cls, tables: Tables, n_states: int) -> CellLayout:
        n_occ = len(tables.feasibility)
        cell = tables.v_state.astype(np.int64) * n_occ + tables.v_occ
        perm = np.lexsort((tables.v_key, cell)).astype(np.int64)
        bounds = np.searchsorted(cell[perm], np.arange(n_states * n_occ + 1))
        start, end = bounds[:-1], bounds[1:]
        nonempty = np.flatnonzero(end > start)
        words = tables.v_bits.shape[1]
        union = np.zeros((n_states * n_occ, words), dtype=np.uint64)
        required = 1.0 / tables.v_inv_required[perm]
        min_required = np.ones(n_states * n_occ)
        max_wage = np.zeros(n_states * n_occ)
        if len(nonempty):
            union[nonempty] = np.bitwise_or.reduceat(tables.v_bits[perm], start[nonempty], axis=0)
            min_required[nonempty] = np.minimum.reduceat(required, start[nonempty])
            max_wage[nonempty] = np.maximum.reduceat(tables.v_wage[perm], start[nonempty])
        w = tables.weights
        feas = tables.feasibility.astype(np.float64)
        gated = (feas < FEASIBLE) & ~np.eye(n_occ, dtype=bool)  # the move gate fails for every vacancy of d
        value = w[1] * feas + w[4] * tables.safety[None, :] - GATE_PENALTY * gated
        order = np.argsort(-value, axis=1, kind="stable").astype(np.int64)
        v_args = tuple(np.ascontiguousarray(a[perm]) for a in tables.vacancy_args())
        return cls(perm, v_args, tables.v_key[perm], start.reshape(n_states, n_occ), end.reshape(n_states, n_occ),
                   union, np.maximum(min_required, 1.0), max_wage, order, np.take_along_axis(value, order, axis=1))


@numba.njit(inline="always")
def _cell_bound(i, c, d, o, loc, s_pay, s_bits, union, min_required, max_wage, feas, safety, w):
    words = s_bits.shape[1]
    common = 0
    for b in range(union.shape[1] // words):
        for k in range(words):
            common += popcount64(s_bits[i, k] & union[c, b * words + k]) << b
    bound = (w[0] * min(1.0, common / min_required[c]) + w[1] * feas[o, d] + loc + w[4] * safety[d] + EPS)
    if max_wage[c] > 0.0:
        ratio = max_wage[c] * s_pay[i]
        bound += w[3] * clip01(ratio - 1.0)
        if ratio < 2.0 * PAY_SHARE:  # even the best-paid vacancy of the cell fails the pay gate
            bound -= GATE_PENALTY
    else:
        bound -= GATE_PENALTY
    if d != o and feas[o, d] < FEASIBLE:
        bound -= GATE_PENALTY
    return bound


@numba.njit(inline="always")
def _scan(i, a, b, k, scores, ids, keys, size, v_key, s_occ, s_state, s_pay, s_bits, v_occ, v_state, v_wage,
          v_bits, v_inv, v_static, feas, w):
    for p in range(a, b):
        score = pair_score(i, p, s_occ, s_state, s_pay, s_bits, v_occ, v_state, v_wage, v_bits, v_inv, v_static,
                           feas, w)
        size = insert(scores, ids, keys, size, score, p, v_key[p])
    return size


@numba.njit(parallel=True, cache=True)
def topk_cells(rows, k, start, end, union, min_required, max_wage, dest_order, dest_bound, safety, v_key,
               s_occ, s_state, s_pay, s_bits, v_occ, v_state, v_wage, v_bits, v_inv, v_static, feas, w,
               out_scores, out_ids, visited):
    """Exact top-k (ids in cell order) of seekers ``rows`` over their state and their occupation elsewhere."""
    n_states, n_occ = start.shape
    n = rows.shape[0]
    for part in numba.prange(INTERLEAVE):
        keys = np.empty(k, dtype=np.int64)
        for r in range(part, n, INTERLEAVE):
            i = rows[r]
            s, o = s_state[i], s_occ[i]
            scores, ids = out_scores[r], out_ids[r]
            size = 0
            pairs = 0
            top = w[0] + w[2] + w[3]
            for t in range(n_occ):  # pass 1: the seeker's state, destinations by decreasing bound
                if size == k and top + dest_bound[o, t] + EPS < scores[k - 1]:
                    break
                d = dest_order[o, t]
                a, b = start[s, d], end[s, d]
                if a == b:
                    continue
                c = s * n_occ + d
                if size == k and _cell_bound(i, c, d, o, w[2], s_pay, s_bits, union, min_required, max_wage, feas,
                                             safety, w) < scores[k - 1]:
                    continue
                size = _scan(i, a, b, k, scores, ids, keys, size, v_key, s_occ, s_state, s_pay, s_bits, v_occ,
                             v_state, v_wage, v_bits, v_inv, v_static, feas, w)
                pairs += b - a
            top = w[0] + w[3]
            for t in range(n_occ):  # pass 2: the seeker's feasible destinations (and own occupation) elsewhere
                if size == k and top + dest_bound[o, t] + EPS < scores[k - 1]:
                    break
                d = dest_order[o, t]
                if d != o and feas[o, d] < FEASIBLE:
                    continue
                for s2 in range(n_states):
                    a, b = start[s2, d], end[s2, d]
                    if s2 == s or a == b:
                        continue
                    c = s2 * n_occ + d
                    if size == k and _cell_bound(i, c, d, o, 0.0, s_pay, s_bits, union, min_required, max_wage,
                                                 feas, safety, w) < scores[k - 1]:
                        continue
                    size = _scan(i, a, b, k, scores, ids, keys, size, v_key, s_occ, s_state, s_pay, s_bits,
                                 v_occ, v_state, v_wage, v_bits, v_inv, v_static, feas, w)
                    pairs += b - a
            visited[r] = pairs


def exact_in_cells(tables: Tables, layout: CellLayout, k: int,
                   rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """(scores, vacancy positions, pairs scored) of each seeker's top-k over its state and its occupation."""
    rows = np.arange(len(tables.s_occ), dtype=np.int64) if rows is None else np.asarray(rows, dtype=np.int64)
    order = np.lexsort((tables.s_occ[rows], tables.s_state[rows]))  # neighbours scan the same cells
    scores = np.full((len(rows), k), -np.inf)
    ids = np.full((len(rows), k), -1, dtype=np.int64)
    visited = np.zeros(len(rows), dtype=np.int64)
    topk_cells(rows[order], k, layout.start, layout.end, layout.union, layout.min_required, layout.max_wage,
               layout.dest_order, layout.dest_bound, tables.safety, layout.v_key, *tables.seeker_args(),
               *layout.v_args, tables.feasibility, tables.weights, scores, ids, visited)
    ids = np.where(ids >= 0, layout.perm[np.maximum(ids, 0)], -1)
    out_scores, out_ids = np.empty_like(scores), np.empty_like(ids)
    out_scores[order], out_ids[order] = scores, ids
    return out_scores, out_ids, int(visited.sum())
