"""Synthetic control (Abadie et al. 2010, outcome only), synthetic DiD and DiD (Arkhangelsky et al. 2021).

The weights and the estimate follow the R package ``synthdid`` (see :mod:`workshift.evidence.synth_weights`).
Inference and diagnostics:

- pre-treatment fit: RMSPE of the treated (mean) path against its synthetic path over the pre-periods;
- in-space placebos (Abadie et al. 2010): every control in turn is the "treated" unit, the other controls
  its donors; the ratio of post- to pre-period RMSPE of each is compared with the treated one, and the
  permutation p-value is (1 + #{placebo ratio >= treated ratio}) / (1 + N0);
- standard error as synthdid's ``vcov(method = "placebo")``: ``replications`` random permutations of the
  controls, the last N1 of each taken as placebo-treated, weights re-fitted from the original ones
  (restricted and renormalised) with the original regularisation; se = sqrt((r-1)/r) sd(placebo tau).
  With one treated unit each permutation picks one of the N0 in-space placebos with equal probability, so
  the se is computed exactly as their population sd (the limit of synthdid's as replications grow);
  the confidence interval is tau +/- z_{1-alpha/2} se.

A balanced panel is required; missing (unit, period) cells are named in the error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from workshift.errors import DataError, InputError, NotFoundError, closest
from workshift.evidence import synth_weights as sw
from workshift.evidence.panel import Panel, require_balanced

METHODS = sw.METHODS
_NAMES = {"sc": "synthetic control", "sdid": "synthetic difference-in-differences", "did": "difference-in-differences"}


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


@dataclass
class SynthResult:
    """A synthetic-control-type evaluation of one treated unit (or the mean of several)."""

    outcome: str
    outcome_unit: str
    method: str
    treated: list[str]
    treatment_start: Any
    att: float
    se: float
    ci_low: float
    ci_high: float
    alpha: float
    weights: dict[str, float]
    time_weights: dict[str, float]
    path: pd.DataFrame
    pre_rmspe: float
    post_rmspe: float
    placebos: pd.DataFrame
    placebo_paths: pd.DataFrame
    p_value: float
    inference: dict[str, Any]
    regularisation: dict[str, float]
    provenance: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # synthetic control with predictors (workshift.evidence.synth_covariates); empty for outcome-only fits
    v_weights: dict[str, float] = field(default_factory=dict)
    predictor_balance: list[dict[str, Any]] = field(default_factory=list)
    robustness: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    v_method: str | None = None

    @property
    def rmspe_ratio(self) -> float:
        return self.post_rmspe / self.pre_rmspe if self.pre_rmspe > 0 else float("inf")

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "estimator": _NAMES[self.method],
            "outcome": self.outcome,
            "outcome_unit": self.outcome_unit,
            "treated": self.treated,
            "treatment_start": _plain(self.treatment_start),
            "att": {"estimate": self.att, "se": self.se, "ci_low": self.ci_low, "ci_high": self.ci_high},
            "alpha": self.alpha,
            "weights": self.weights,
            "time_weights": self.time_weights,
            "fit": {"pre_rmspe": self.pre_rmspe, "post_rmspe": self.post_rmspe, "rmspe_ratio": self.rmspe_ratio},
            "placebo": {
                "p_value": self.p_value,
                "units": self.placebos.to_dict("records"),
            },
            "path": self.path.assign(period=self.path["period"].map(_plain)).to_dict("records"),
            "inference": self.inference,
            "regularisation": self.regularisation,
            "provenance": self.provenance,
            "warnings": self.warnings,
            "v_method": self.v_method,
            "v_weights": self.v_weights,
            "predictor_balance": self.predictor_balance,
            "robustness": self.robustness,
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        """Result tables for the store (periods as text so any period type fits one table)."""
        path = self.path.assign(period=self.path["period"].astype(str))
        weights = pd.DataFrame({"unit": list(self.weights), "weight": list(self.weights.values())})
        out = {"synth_path": path, "synth_weights": weights, "synth_placebos": self.placebos.copy(),
               "synth_placebo_paths": self.placebo_paths.copy()}
        if self.predictor_balance:
            out["synth_predictor_balance"] = pd.DataFrame(self.predictor_balance)
        return out


def _rmspe(gap: np.ndarray) -> float:
    return float(np.sqrt(np.mean(gap**2)))


def _check_design(panel: Panel, treated: list[str], start: object) -> tuple[list, int]:
    units = panel.units
    for unit in treated:
        if unit not in units:
            guess = closest(unit, units)
            raise NotFoundError(f"treated unit '{unit}' is not in column '{panel.unit}'",
                                hint=f"did you mean '{guess}'?" if guess else f"{len(units)} units in the data")
    if len(set(treated)) < len(treated):
        raise InputError(f"a treated unit is named twice: {treated}")
    periods = panel.periods
    if start not in periods:
        raise DataError(f"treatment start {start!r} is not a period of column '{panel.time}'", file=panel.file,
                        column=panel.time, expected=f"one of {periods[0]} ... {periods[-1]}")
    t0 = periods.index(start)
    if t0 == 0:
        raise DataError(f"treated unit(s) {', '.join(treated)} have no pre-treatment period: treatment starts "
                        f"in the first period {start!r}", file=panel.file, column=panel.time,
                        expected="at least two periods before the treatment starts")
    if t0 < 2:
        raise DataError(f"only one pre-treatment period before {start!r}", file=panel.file, column=panel.time,
                        expected="at least two periods before the treatment starts")
    if len(units) - len(treated) < 2:
        raise DataError("fewer than two control (donor) units", file=panel.file, column=panel.unit,
                        expected="at least two untreated units")
    return periods, t0


def _fit_path(y: np.ndarray, n0: int, t0: int, opts: sw.Options, omega0=None, lambda0=None):
    tau, omega, lam = sw.fit(y, n0, t0, opts, omega0, lambda0)
    actual, synthetic = sw.trajectories(y, n0, t0, omega, lam)
    gap = actual - synthetic
    return tau, omega, lam, _rmspe(gap[:t0]), _rmspe(gap[t0:]), gap


def _placebo(y_controls: np.ndarray, order: np.ndarray, n1: int, t0: int, opts: sw.Options,
             omega: np.ndarray, lam: np.ndarray):
    """synthdid's placebo fit: controls reordered, the last n1 of ``order`` as placebo-treated."""
    n0 = len(order) - n1
    return _fit_path(y_controls[order], n0, t0, opts, sw.sum_normalize(omega[order[:n0]]), lam)


def estimate_synth(
    panel: Panel,
    *,
    treated: list[str] | str,
    treatment_start: object,
    method: str = "sc",
    replications: int = 200,
    seed: int = 1,
    alpha: float = 0.05,
    outcome_unit: str = "",
) -> SynthResult:
    """Estimate the effect on the treated unit(s) from ``treatment_start`` on (module docstring)."""
    if method not in METHODS:
        raise InputError(f"unknown method '{method}'", hint=f"use one of {', '.join(METHODS)}")
    if replications < 2:
        raise InputError(f"replications = {replications} must be at least 2", parameter="replications")
    if not 0 < alpha < 1:
        raise InputError(f"alpha must be in (0, 1), got {alpha}")
    treated = [treated] if isinstance(treated, str) else list(treated)
    require_balanced(panel, "synthetic control")
    periods, t0 = _check_design(panel, treated, treatment_start)
    wide = panel.wide()
    controls = [u for u in wide.index if u not in treated]
    y = wide.loc[controls + treated].to_numpy(dtype=float)
    n0, n1 = len(controls), len(treated)
    if n0 <= n1:
        raise DataError("placebo inference needs more control units than treated units", file=panel.file,
                        expected=f"more than {n1} control units")
    opts = sw.Options.for_data(y, n0, t0, method)
    tau, omega, lam, pre, post, gap = _fit_path(y, n0, t0, opts)
    actual = y[n0:].mean(axis=0)

    # Placebos: fits keyed by the set of placebo-treated controls (their result does not depend on order).
    y_controls = y[:n0]
    cache: dict[tuple[int, ...], tuple] = {}

    def placebo(order: np.ndarray, k: int):
        key = tuple(sorted(order[-k:].tolist()))
        if key not in cache:
            cache[key] = _placebo(y_controls, order, k, t0, opts, omega, lam)
        return cache[key]

    rows = []
    for j in range(n0):
        order = np.append(np.delete(np.arange(n0), j), j)
        p_tau, _, _, p_pre, p_post, p_gap = placebo(order, 1)
        rows.append({"unit": controls[j], "estimate": p_tau, "pre_rmspe": p_pre, "post_rmspe": p_post,
                     "ratio": p_post / p_pre if p_pre > 0 else np.inf, "gap": p_gap})
    ratio = post / pre if pre > 0 else np.inf
    p_value = (1 + sum(r["ratio"] >= ratio for r in rows)) / (1 + n0)
    placebos = pd.DataFrame([{k: v for k, v in r.items() if k != "gap"} for r in rows])

    if n1 == 1:
        # Every permutation's placebo is one of the n0 in-space placebos, each equally likely: the
        # replications -> infinity limit of synthdid's placebo se is their population sd (no Monte Carlo noise).
        se = float(np.std(placebos["estimate"].to_numpy()))
        se_rule = "exact: population sd of the in-space placebo estimates (synthdid's limit as replications grow)"
    else:
        rng = np.random.default_rng(seed)
        draws = np.array([placebo(rng.permutation(n0), n1)[0] for _ in range(replications)])
        se = float(np.sqrt((replications - 1) / replications) * np.std(draws, ddof=1))
        se_rule = f"{replications} random placebo assignments of {n1} controls (seed {seed})"
    z = NormalDist().inv_cdf(1 - alpha / 2)
    path = pd.DataFrame({"period": periods, "actual": actual, "synthetic": actual - gap, "gap": gap,
                         "post": [i >= t0 for i in range(len(periods))]})
    placebo_paths = pd.DataFrame({
        "unit": np.repeat([r["unit"] for r in rows], len(periods)),
        "period": [str(_plain(p)) for _ in rows for p in periods],
        "gap": np.concatenate([r["gap"] for r in rows]),
    })
    order = np.argsort(-omega, kind="stable")
    return SynthResult(
        outcome=panel.outcome, outcome_unit=outcome_unit, method=method, treated=treated,
        treatment_start=treatment_start, att=tau, se=se, ci_low=tau - z * se, ci_high=tau + z * se, alpha=alpha,
        weights={controls[i]: float(omega[i]) for i in order},
        time_weights={str(_plain(periods[i])): float(lam[i]) for i in range(t0)},
        path=path, pre_rmspe=pre, post_rmspe=post, placebos=placebos, placebo_paths=placebo_paths,
        p_value=float(p_value),
        inference={"method": "placebo (synthdid vcov method='placebo')", "se_rule": se_rule,
                   "distinct_placebo_fits": len(cache), "permutation_test": "post/pre RMSPE ratio"},
        regularisation={"noise_level": opts.noise, "zeta_omega": opts.zeta_omega, "zeta_lambda": opts.zeta_lambda,
                        "min_decrease": opts.min_decrease},
        provenance=panel.provenance(),
        robustness=_robustness(y, n0, t0, method, omega, controls, periods),
    )


def _robustness(y: np.ndarray, n0: int, t0: int, method: str, omega: np.ndarray, controls: list,
                periods: list) -> dict[str, list[dict[str, Any]]]:
    """Leave-one-out donors (each donor with positive weight dropped, weights refitted) and in-time placebos
    (the treatment moved 2 and 4 periods earlier; the estimate is the mean gap up to the real start)."""
    out: dict[str, list[dict[str, Any]]] = {"leave_one_out": [], "in_time": []}
    if method == "did":
        return out
    for i in np.flatnonzero(omega > 1e-6):
        keep = np.delete(np.arange(y.shape[0]), i)
        sub = y[keep]
        opts = sw.Options.for_data(sub, n0 - 1, t0, method)
        tau, om, lam, pre, _, gap = _fit_path(sub, n0 - 1, t0, opts)
        out["leave_one_out"].append({"dropped": controls[i], "estimate": tau, "pre_rmspe": pre,
                                     "gap": gap.tolist()})
    for back in (2, 4):
        fake = t0 - back
        if fake < 2:
            continue
        sub = y[:, :t0]
        opts = sw.Options.for_data(sub, n0, fake, method)
        tau, _, _, pre, _, gap = _fit_path(sub, n0, fake, opts)
        out["in_time"].append({"placebo_start": _plain(periods[fake]), "estimate": tau, "pre_rmspe": pre,
                               "gap": gap.tolist()})
    return out
