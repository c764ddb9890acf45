"""Fixed-size embeddings whose inner product approximates the match score (candidate retrieval with hnswlib)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workshift.services.matching.features import plane_weights, unpack_bits


@dataclass
class Embedding:
    """Fixed-size vectors whose inner product approximates the match score (for hnswlib retrieval).

    <seeker, vacancy> = w_skill s.r/|R| (exact, or on ``skill_dims`` principal components of the vacancies'
    r/|R|, the dropped mean term being constant per seeker) + w_trans A[o_s].B[o_v] (rank-``rank`` SVD of the
    feasibility table) + w_pay pay(c, wage) interpolated between log-spaced desired-wage centres c + the
    vacancy's safety term (+ w_loc one-hot states when ``location``). Vacancies get one more coordinate,
    sqrt(max norm^2 - norm^2), so that L2 nearest neighbours are the largest inner products (Bachrach et al.
    2014, "Speeding up the Xbox recommender system using a Euclidean transformation for inner-product spaces").
    """

    weights: np.ndarray
    skill_size: int
    skill_basis: np.ndarray | None  # K x p
    skill_mean: np.ndarray | None  # K
    occ_left: np.ndarray  # occupations x rank
    occ_right: np.ndarray
    pay_centres: np.ndarray  # log wages
    location: bool
    n_states: int
    max_norm: float = 0.0

    @classmethod
    def fit(
        cls,
        tables,
        n_states: int,
        rank: int = 24,
        pay_bins: int = 12,
        skill_dims: int | None = 32,
        location: bool = False,
        seed: int = 0,
    ) -> Embedding:
        left, right = _low_rank(tables.feasibility.astype(np.float64), rank)
        wages = tables.s_wage[tables.s_wage > 0]
        low, high = (
            np.log(np.percentile(wages, [1, 99])) if len(wages) else (np.log(20000.0), np.log(200000.0))
        )
        centres = np.linspace(low, max(high, low + 1e-6), pay_bins)
        size = tables.s_bits.shape[1] * 64
        basis = mean = None
        if skill_dims is not None and skill_dims < size:
            rng = np.random.default_rng(seed)
            sample = rng.choice(len(tables.v_occ), size=min(len(tables.v_occ), 50_000), replace=False)
            required = _required_share(tables, np.sort(sample), size)
            mean = required.mean(axis=0)
            _, _, components = np.linalg.svd(required - mean, full_matrices=False)
            basis = components[:skill_dims].T
        return cls(tables.weights, size, basis, mean, left, right, centres, location, n_states)

    def vacancies(self, tables, rows: np.ndarray | None = None) -> np.ndarray:
        rows = np.arange(len(tables.v_occ)) if rows is None else rows
        w = self.weights
        required = _required_share(tables, rows, self.skill_size)
        skill = required if self.skill_basis is None else (required - self.skill_mean) @ self.skill_basis
        wage = tables.v_wage[rows]
        ratio = 2.0 * wage[:, None] / np.exp(self.pay_centres)[None, :] - 1.0
        parts = [
            skill,
            w[1] * self.occ_right[tables.v_occ[rows]],
            w[3] * np.clip(ratio, 0.0, 1.0),
            tables.v_static[rows, None],
        ]
        if self.location:
            parts.append(w[2] * np.eye(self.n_states)[tables.v_state[rows]])
        x = np.hstack(parts)
        norms = (x * x).sum(axis=1)
        if not self.max_norm:
            self.max_norm = float(norms.max()) * 1.0001 + 1e-12
        extra = np.sqrt(np.clip(self.max_norm - norms, 0.0, None))
        return np.hstack([x, extra[:, None]]).astype(np.float32)

    def seekers(self, tables, rows: np.ndarray) -> np.ndarray:
        has = unpack_bits(tables.s_bits[rows], self.skill_size).astype(np.float64)
        skill = has if self.skill_basis is None else has @ self.skill_basis
        logw = np.log(np.clip(tables.s_wage[rows], 1.0, None))
        pay = np.zeros((len(rows), len(self.pay_centres)))
        where = np.clip(
            np.interp(logw, self.pay_centres, np.arange(len(self.pay_centres))), 0, len(self.pay_centres) - 1
        )
        lo = np.floor(where).astype(int)
        hi = np.minimum(lo + 1, len(self.pay_centres) - 1)
        frac = where - lo
        pay[np.arange(len(rows)), lo] += 1.0 - frac
        pay[np.arange(len(rows)), hi] += frac
        pay[tables.s_wage[rows] <= 0] = 0.0  # no minimum wage: pay is 1 everywhere, a constant
        parts = [skill, self.occ_left[tables.s_occ[rows]], pay, np.ones((len(rows), 1))]
        if self.location:
            parts.append(np.eye(self.n_states)[tables.s_state[rows]])
        parts.append(np.zeros((len(rows), 1)))
        return np.hstack(parts).astype(np.float32)


def _low_rank(matrix: np.ndarray, rank: int) -> tuple[np.ndarray, np.ndarray]:
    """(L, R) with L R^T the best rank-``rank`` approximation (truncated SVD)."""
    u, s, vt = np.linalg.svd(matrix)
    rank = min(rank, len(s))
    u, s, vt = u[:, :rank], s[:rank], vt[:rank]
    root = np.sqrt(s)
    return u * root, vt.T * root


def _required_share(tables, rows: np.ndarray, size: int) -> np.ndarray:
    """w_skill x q r / Q for vacancies ``rows`` (dense, rows x K; importance weights q, Q their sum)."""
    required = plane_weights(tables.v_bits[rows], tables.s_bits.shape[1])[:, :size]
    return required * (tables.weights[0] * tables.v_inv_required[rows])[:, None]
