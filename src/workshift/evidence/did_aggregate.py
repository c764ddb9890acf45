"""Aggregations of ATT(g,t) and their inference, as R ``did::aggte`` and ``did::mboot`` define them.

Every estimate carries an n-vector influence function (one entry per unit). With p_g the share of units
in cohort g and the post-treatment cells t >= g:

- simple:   sum over post cells of ATT(g,t) p_g / sum p_g;
- group:    theta(g) = mean over t >= g of ATT(g,t); overall = sum_g theta(g) p_g / sum_g p_g;
- dynamic:  theta(e) = sum over cells with t - g = e of ATT(g,t) p_g / sum p_g; overall = mean_{e>=0} theta(e);
- calendar: theta(t) = sum over post cells at t of ATT(g,t) p_g / sum p_g; overall = mean_t theta(t).

Where the weights p_g are estimated (simple, dynamic, calendar, overall group) the influence function
gets R's ``wif`` term for them. Standard errors: analytic, sqrt(mean(psi^2) / n), i.e. clustered by unit;
or the multiplier bootstrap: draws b = sum_i V_i psi_i / sqrt(n) with Mammen (or Rademacher) V_i,
se = IQR(b) / (z_.75 - z_.25) / sqrt(n), and the uniform band's critical value is the 1 - alpha quantile
of max_j |b_j| / sigma_j.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from workshift.errors import InputError

_TINY = np.sqrt(np.finfo(float).eps) * 10  # R did's threshold for a degenerate (zero) standard error
_SQRT5 = np.sqrt(5.0)


@dataclass
class Design:
    """Unit-level facts shared by every (g, t) cell."""

    units: np.ndarray  # unit labels, length n
    cohort: np.ndarray  # first treated period per unit, 0 = never treated
    periods: np.ndarray  # sorted periods
    glist: np.ndarray  # treated cohorts, sorted
    warnings: list[str]


_NORMAL = NormalDist()  # stdlib: avoids importing scipy.stats (seconds) for two quantiles
_IQR_Z = _NORMAL.inv_cdf(0.75) - _NORMAL.inv_cdf(0.25)
MULTIPLIERS = ("mammen", "rademacher")


def _nan_to_none(value: float) -> float | None:
    return None if value is None or np.isnan(value) else float(value)


@dataclass
class Estimate:
    estimate: float
    se: float
    ci_low: float
    ci_high: float

    def to_dict(self) -> dict[str, float | None]:
        return {k: _nan_to_none(v) for k, v in self.__dict__.items()}


@dataclass
class Aggregation:
    """One aggregation: its overall estimate and the per-key estimates (per group, event time or period)."""

    kind: str
    key: str | None
    overall: Estimate
    detail: pd.DataFrame
    crit_value: float

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = self.overall.to_dict()
        if self.key:
            out["crit_value"] = self.crit_value
            out["detail"] = [
                {self.key: int(r[self.key]), **{k: _nan_to_none(r[k]) for k in ("estimate", "se", "ci_low", "ci_high")}}
                for r in self.detail.to_dict("records")
            ]
        return out


class Inference:
    """Standard errors and critical values from influence functions (analytic or multiplier bootstrap)."""

    def __init__(self, n: int, bootstrap: int, seed: int, multiplier: str, alpha: float,
                 basis: np.ndarray | None = None) -> None:
        if multiplier not in MULTIPLIERS:
            raise InputError(f"unknown multiplier '{multiplier}'", hint=f"use one of {', '.join(MULTIPLIERS)}")
        if bootstrap < 0:
            raise InputError(f"bootstrap must be >= 0 (0 = analytic standard errors), got {bootstrap}",
                             parameter="bootstrap")
        self.n, self.bootstrap, self.seed, self.multiplier, self.alpha = n, bootstrap, seed, multiplier, alpha
        self.z = _NORMAL.inv_cdf(1 - alpha / 2)
        # Mammen's two-point weights (mean 0, variance 1, third moment 1), or Rademacher's +-1.
        if multiplier == "mammen":
            self._p_low, self._values = (_SQRT5 + 1) / (2 * _SQRT5), ((1 - _SQRT5) / 2, (1 + _SQRT5) / 2)
        else:
            self._p_low, self._values = 0.5, (-1.0, 1.0)
        # Every influence function of the aggregations is a linear combination of a few basis columns
        # (the ATT(g,t) influence functions, cohort indicators, a constant): the draws are applied to the basis
        # once, and any later influence function's replicates follow from its coefficients on the basis.
        self._basis = basis
        self._basis_reps = None
        if bootstrap and basis is not None:
            scale = np.abs(basis).max(axis=0)
            scale[scale == 0] = 1.0
            self._scale = scale  # columns scaled to max 1 keep the Gram matrix well conditioned
            self._gram_inv = np.linalg.pinv((basis / scale).T @ (basis / scale), hermitian=True)
            self._basis_reps = self._draw(basis)

    @property
    def bootstrapped(self) -> bool:
        return self.bootstrap > 0

    def _draw(self, inf: np.ndarray) -> np.ndarray:
        """b = V psi / sqrt(n) for every draw V (rows), generated block by block from the seed."""
        rng = np.random.default_rng(self.seed)
        low, high = self._values
        block = max(1, 4_000_000 // max(self.n, 1))
        out = np.empty((self.bootstrap, inf.shape[1]))
        for start in range(0, self.bootstrap, block):
            rows = min(block, self.bootstrap - start)
            draws = np.where(rng.random((rows, self.n), dtype=np.float32) < self._p_low, low, high)
            out[start:start + rows] = draws @ inf
        return out / np.sqrt(self.n)

    def _replicates(self, inf: np.ndarray) -> np.ndarray:
        if self._basis_reps is not None:
            coef = self._gram_inv @ ((self._basis / self._scale).T @ inf) / self._scale[:, None]
            if np.allclose(self._basis @ coef, inf, rtol=0, atol=1e-9 * max(1.0, float(np.abs(inf).max()))):
                return self._basis_reps @ coef
        return self._draw(inf)

    def _sigma(self, reps: np.ndarray) -> np.ndarray:
        q75, q25 = np.quantile(reps, [0.75, 0.25], axis=0, method="inverted_cdf")
        sigma = (q75 - q25) / _IQR_Z
        degenerate = ((reps**2).sum(axis=0) <= _TINY) | (sigma <= _TINY)
        return np.where(degenerate, np.nan, sigma)

    def se(self, inf: np.ndarray) -> np.ndarray:
        """Standard errors of the columns of an n x m influence-function matrix (or an n-vector)."""
        inf = inf.reshape(self.n, -1)
        if not self.bootstrapped:
            se = np.sqrt((inf**2).mean(axis=0) / self.n)
            return np.where(se <= _TINY, np.nan, se)
        return self._sigma(self._replicates(inf)) / np.sqrt(self.n)

    def crit(self, inf: np.ndarray, uniform: bool) -> float:
        """Critical value: z_{1-alpha/2}, or the bootstrap sup-t value for a uniform band."""
        if not uniform or not self.bootstrapped:
            return self.z
        reps = self._replicates(inf.reshape(self.n, -1))
        sigma = self._sigma(reps)
        ok = ~np.isnan(sigma)
        if not ok.any():
            return self.z
        t_max = np.max(np.abs(reps[:, ok] / sigma[ok]), axis=1)
        return float(np.quantile(t_max, 1 - self.alpha, method="inverted_cdf"))

    def describe(self, cband: bool) -> dict[str, Any]:
        base = {"cluster": "unit", "alpha": self.alpha, "uniform_bands": cband}
        if not self.bootstrapped:
            return {"method": "analytic (influence function)", **base}
        return {"method": "multiplier bootstrap", "replications": self.bootstrap, "seed": self.seed,
                "weights": self.multiplier, **base}


def cells_table(group, time, base, att, inf, inference: Inference, cband: bool) -> pd.DataFrame:
    se = inference.se(inf)
    crit = inference.crit(inf, cband)
    return pd.DataFrame({
        "group": group.astype("int64"), "time": time.astype("int64"), "base_period": base.astype("int64"),
        "event_time": (time - group).astype("int64"), "post": time >= group, "att": att, "se": se,
        "ci_low": att - crit * se, "ci_high": att + crit * se,
    })


def _wif(idx: np.ndarray, pg: np.ndarray, group: np.ndarray, unit_cohort: np.ndarray) -> np.ndarray:
    """R did's influence function of the estimated weights p_g / sum p_g over the cells ``idx``."""
    ind = (unit_cohort[:, None] == group[idx][None, :]).astype(float) - pg[idx][None, :]
    total = pg[idx].sum()
    return ind / total - ind.sum(axis=1, keepdims=True) * (pg[idx] / total**2)[None, :]


def _weighted(att, inf, idx, pg, group, unit_cohort) -> tuple[float, np.ndarray]:
    """p_g-weighted average of the cells ``idx`` and its influence function (with the weights' part)."""
    idx = np.flatnonzero(idx)
    w = pg[idx] / pg[idx].sum()
    return float(att[idx] @ w), inf[:, idx] @ w + _wif(idx, pg, group, unit_cohort) @ att[idx]


def _summarise(kind, key, keys, estimates, infs, inference: Inference, cband: bool, overall_weights):
    """Detail table (per key) and the overall estimate as a weighted mean of the per-key estimates."""
    estimates = np.asarray(estimates, dtype=float)
    inf_matrix = np.column_stack(infs)
    se = inference.se(inf_matrix)
    crit = inference.crit(inf_matrix, cband)
    detail = pd.DataFrame({key: np.asarray(keys, dtype="int64"), "estimate": estimates, "se": se,
                           "ci_low": estimates - crit * se, "ci_high": estimates + crit * se})
    est, inf = overall_weights(estimates, inf_matrix)
    overall_se = float(inference.se(inf)[0])
    overall = Estimate(est, overall_se, est - inference.z * overall_se, est + inference.z * overall_se)
    return Aggregation(kind, key, overall, detail, crit)


def aggregate_all(att, inf, group, time, pg, design: Design, inference: Inference, cband: bool) -> dict[str, Aggregation]:
    """The simple, group, dynamic and calendar aggregations of R ``did::aggte``."""
    cohort = design.cohort
    post = group <= time
    out: dict[str, Aggregation] = {}

    est, f = _weighted(att, inf, post, pg, group, cohort)
    se = float(inference.se(f)[0])
    out["simple"] = Aggregation("simple", None, Estimate(est, se, est - inference.z * se, est + inference.z * se),
                                pd.DataFrame(), inference.z)

    # group: per-cohort means need no weight correction; the overall one weights cohorts by p_g.
    glist = np.array([g for g in design.glist if np.any(post & (group == g))])
    pgg = np.array([np.mean(cohort == g) for g in glist])
    per_group = [(att[post & (group == g)].mean(), inf[:, post & (group == g)].mean(axis=1)) for g in glist]

    def group_overall(estimates, inf_matrix):
        w = pgg / pgg.sum()
        every = np.arange(len(glist))
        return float(estimates @ w), inf_matrix @ w + _wif(every, pgg, glist, cohort) @ estimates

    out["group"] = _summarise("group", "group", glist, [e for e, _ in per_group], [f for _, f in per_group],
                              inference, cband, group_overall)

    def mean_of(mask):
        def overall(estimates, inf_matrix):
            return float(estimates[mask].mean()), inf_matrix[:, mask].mean(axis=1)
        return overall

    event = time - group
    eseq = np.unique(event)
    per_event = [_weighted(att, inf, event == e, pg, group, cohort) for e in eseq]
    out["dynamic"] = _summarise("dynamic", "event_time", eseq, [e for e, _ in per_event],
                                [f for _, f in per_event], inference, cband, mean_of(eseq >= 0))

    tlist = np.array([t for t in np.unique(time) if t >= group.min() and np.any(post & (time == t))])
    per_time = [_weighted(att, inf, post & (time == t), pg, group, cohort) for t in tlist]
    out["calendar"] = _summarise("calendar", "time", tlist, [e for e, _ in per_time], [f for _, f in per_time],
                                 inference, cband, mean_of(np.ones(len(tlist), dtype=bool)))
    return out
