"""Individual-level programme evaluation: the effect of taking part on participants (ATT) or on all (ATE).

Identification: unconfoundedness (no unobserved variable drives both participation and the outcome once
the covariate terms are held fixed) and overlap (0 < e(x) < 1). Estimators (docs/evaluation.md):

- ``ipw``: inverse-probability weighting with normalised (Hajek) weights; the comparison units get
  e / (1 - e) for the ATT. Influence-function SE with the cross-fitted propensity taken as given.
- ``aipw`` (default): augmented IPW, doubly robust (Robins, Rotnitzky & Zhao 1994; the ATT form of
  Sant'Anna & Zhao 2020 with normalised weights): the weighted comparison of outcome residuals
  Y - m_0(x), nuisances cross-fitted. Consistent when either model is right; influence-function SE.
- ``dml``: double machine learning (Chernozhukov et al. 2018) with the Neyman-orthogonal ATTE / ATE score
  (un-normalised weights, as DoubleML's IRM), K-fold cross-fitting repeated over ``repetitions`` random
  splits; estimate and variance are the medians over splits of theta_s and sigma_s^2 + (theta_s - theta)^2.
- ``match``: nearest-neighbour matching with replacement on the logit of the propensity score (Rosenbaum &
  Rubin 1983; Dehejia & Wahba 1999), ``neighbours`` matches per unit; variance of Abadie & Imbens (2006)
  (within-group matched estimate of the conditional variance), propensity score taken as given.

Without covariate terms every method is the difference in means (what a randomised experiment needs), with
the unequal-variance (Neyman) SE. Propensities outside the trimming rule are dropped before estimation
(:func:`workshift.evidence.programme_diagnostics.trim_mask`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from workshift.errors import DataError, InputError
from workshift.evidence import programme_diagnostics as diag
from workshift.evidence import programme_nuisance as nz
from workshift.evidence.programme_data import Sample

METHODS = ("ipw", "aipw", "dml", "match")
ESTIMANDS = ("att", "ate")
DEFAULT_METHOD = "aipw"
_NAMES = {"ipw": "inverse-probability weighting (Hajek)", "aipw": "augmented IPW (doubly robust, cross-fitted)",
          "dml": "double machine learning (orthogonal score, repeated cross-fitting)",
          "match": "nearest-neighbour matching on the propensity score", "dim": "difference in means"}


@dataclass
class ProgrammeResult:
    """One programme evaluation; ``to_dict`` is the JSON of ``workshift evaluate programme``."""

    method: str
    estimator: str
    estimand: str
    outcome: str
    outcome_unit: str
    treatment: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    alpha: float
    n_treated: int
    n_comparison: int
    trimmed: dict[str, Any]
    balance: dict[str, dict[str, float]]
    naive_difference: dict[str, float]
    overlap: dict[str, Any]
    sensitivity: dict[str, Any]
    nuisance: dict[str, Any]
    options: dict[str, Any]
    propensity: np.ndarray
    treated_flag: np.ndarray
    provenance: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    # the attribute names feedback and the store read from every evaluation result
    @property
    def att(self) -> float:
        return self.estimate

    def effect(self) -> dict[str, Any]:
        return {"estimate": self.estimate, "se": self.se, "ci": [self.ci_low, self.ci_high],
                "ci_low": self.ci_low, "ci_high": self.ci_high}

    def tables(self) -> dict[str, pd.DataFrame]:
        """Result tables for the store: each unit's propensity score, and the balance table."""
        balance = pd.DataFrame([{"term": k, **v} for k, v in self.balance.items()])
        return {"programme_propensity": pd.DataFrame({"treated": self.treated_flag.astype(int),
                                                      "propensity": self.propensity}),
                **({"programme_balance": balance} if len(balance) else {})}

    def to_dict(self) -> dict[str, Any]:
        return {
            self.estimand: self.effect(), "estimand": self.estimand, "method": self.method,
            "estimator": self.estimator, "outcome": self.outcome, "outcome_unit": self.outcome_unit,
            "treatment": self.treatment, "alpha": self.alpha,
            "n_treated": self.n_treated, "n_comparison": self.n_comparison, "trimmed": self.trimmed,
            "balance": self.balance, "naive_difference": self.naive_difference, "overlap": self.overlap,
            "sensitivity": self.sensitivity, "nuisance": self.nuisance, "options": self.options,
            "provenance": self.provenance, "warnings": self.warnings,
        }


def _difference_in_means(d: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    yt, yc = y[d == 1], y[d == 0]
    return float(yt.mean() - yc.mean()), float(np.sqrt(yt.var(ddof=1) / len(yt) + yc.var(ddof=1) / len(yc)))


def _se(psi: np.ndarray) -> float:
    return float(np.sqrt(np.mean(psi**2) / len(psi)))


def _hajek(d: np.ndarray, r1: np.ndarray, r0: np.ndarray, w1: np.ndarray, w0: np.ndarray):
    """sum(w1 r1) / sum(w1) over the treated minus the same over the comparison; influence function."""
    a1, a0 = d * w1, (1 - d) * w0
    m1, m0 = a1 @ r1 / a1.sum(), a0 @ r0 / a0.sum()
    psi = a1 * (r1 - m1) / a1.mean() - a0 * (r0 - m0) / a0.mean()
    return float(m1 - m0), psi


def _weights(e: np.ndarray, estimand: str) -> tuple[np.ndarray, np.ndarray]:
    """(treated, comparison) weights of the estimand: ATT 1 and e/(1-e); ATE 1/e and 1/(1-e)."""
    if estimand == "att":
        return np.ones(len(e)), e / (1 - e)
    return 1 / e, 1 / (1 - e)


def _weighted(method: str, d, y, nu: nz.Nuisance, estimand: str):
    w1, w0 = _weights(nu.propensity, estimand)
    if method == "ipw":
        return _hajek(d, y, y, w1, w0)
    if estimand == "att":
        r = y - nu.outcome0
        return _hajek(d, r, r, w1, w0)
    base = nu.outcome1 - nu.outcome0
    theta, psi = _hajek(d, y - nu.outcome1, y - nu.outcome0, w1, w0)
    return theta + float(base.mean()), psi + base - base.mean()


def _orthogonal(d, y, nu: nz.Nuisance, estimand: str) -> tuple[float, np.ndarray]:
    """DoubleML's IRM scores: ATTE psi = [D(Y - g0) - (1-D) e/(1-e) (Y - g0) - D theta] / p; ATE the AIPW."""
    e, g0 = nu.propensity, nu.outcome0
    if estimand == "att":
        p = d.mean()
        b = d * (y - g0) - (1 - d) * e / (1 - e) * (y - g0)
        theta = float(b.mean() / p)
        return theta, (b - d * theta) / p
    b = nu.outcome1 - g0 + d * (y - nu.outcome1) / e - (1 - d) * (y - g0) / (1 - e)
    theta = float(b.mean())
    return theta, b - theta


def _matches(score_from: np.ndarray, score_to: np.ndarray, k: int) -> np.ndarray:
    """Indices (into score_to) of the k nearest scores to each of score_from (ties: the lower index)."""
    order = np.argsort(score_to, kind="stable")
    sorted_to = score_to[order]
    k = min(k, len(score_to))
    out = np.empty((len(score_from), k), dtype=int)
    for i, s in enumerate(score_from):
        pos = np.searchsorted(sorted_to, s)
        lo, hi = max(0, pos - k), min(len(sorted_to), pos + k)
        window = np.arange(lo, hi)
        nearest = window[np.argsort(np.abs(sorted_to[window] - s), kind="stable")[:k]]
        out[i] = order[nearest]
    return out


def _within_variance(score: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Abadie-Imbens sigma^2(x_i): half the squared outcome difference to the nearest other unit of the group."""
    nearest = _matches(score, score, 2)
    other = np.where(nearest[:, 0] == np.arange(len(score)), nearest[:, -1], nearest[:, 0])
    return (y - y[other]) ** 2 / 2


def _matching(d, y, e, estimand: str, k: int) -> tuple[float, float, np.ndarray]:
    """Matching estimate, Abadie-Imbens (2006) SE and each unit's weight as a match (K_i / k)."""
    score = np.log(e / (1 - e))
    groups = {g: np.flatnonzero(d == g) for g in (0, 1)}
    sigma2 = np.empty(len(d))
    used = np.zeros(len(d))
    imputed = y.astype(float).copy()
    for rows in groups.values():
        sigma2[rows] = _within_variance(score[rows], y[rows])
    sources = (1,) if estimand == "att" else (0, 1)
    for g in sources:
        rows, pool = groups[g], groups[1 - g]
        idx = pool[_matches(score[rows], score[pool], k)]
        imputed[rows] = y[idx].mean(axis=1)
        np.add.at(used, idx.ravel(), 1.0 / k)
    if estimand == "att":
        rows = groups[1]
        effects = y[rows] - imputed[rows]
        n = len(rows)
    else:
        effects = np.where(d == 1, y - imputed, imputed - y)
        n = len(d)
    theta = float(effects.mean())
    variance = (np.sum((effects - theta) ** 2) + np.sum(used * (used - 1.0 / k) * sigma2)) / n**2
    return theta, float(np.sqrt(variance)), used


def _check(method: str, estimand: str, trim: float, folds: int, repetitions: int, neighbours: int,
           alpha: float) -> None:
    if method not in METHODS:
        raise InputError(f"unknown method '{method}'", hint=f"use one of {', '.join(METHODS)}")
    if estimand not in ESTIMANDS:
        raise InputError(f"unknown estimand '{estimand}'", hint="use att (effect on participants) or ate")
    if not 0 <= trim < 0.5:
        raise InputError(f"trim = {trim} must be in [0, 0.5)", parameter="trim")
    if folds < 2:
        raise InputError(f"folds = {folds} must be at least 2", parameter="folds")
    for name, given in (("repetitions", repetitions), ("neighbours", neighbours)):
        if given < 1:
            raise InputError(f"{name} = {given} must be at least 1", parameter=name)
    if not 0 < alpha < 1:
        raise InputError(f"alpha must be in (0, 1), got {alpha}")


def estimate_programme(sample: Sample, *, method: str = DEFAULT_METHOD, estimand: str = "att",
                       trim: float = 0.01, folds: int = 5, seed: int = 1, learners: str = "linear",
                       repetitions: int = 3, neighbours: int = 1, alpha: float = 0.05,
                       outcome_unit: str = "") -> ProgrammeResult:
    """Estimate the programme's effect on the outcome (module docstring)."""
    _check(method, estimand, trim, folds, repetitions, neighbours, alpha)
    families = nz.parse_learners(learners)
    d, y, x = sample.d, sample.y, sample.x
    if min(sample.n_treated, sample.n_comparison) < folds:
        raise DataError(f"{folds} cross-fitting folds need at least {folds} units in each group",
                        file=sample.provenance.get("data_file"), column=sample.treatment)
    options = {"method": method, "estimand": estimand, "trim": trim, "folds": folds, "seed": seed,
               "learners": list(families), "repetitions": repetitions, "neighbours": neighbours, "alpha": alpha}
    naive, naive_se = _difference_in_means(d, y)
    warnings: list[str] = [sample.provenance["ignored_rows"]] if "ignored_rows" in sample.provenance else []
    nuisance: dict[str, Any] = {}
    if x.shape[1] == 0:
        estimator, e, keep = _NAMES["dim"], np.full(len(d), d.mean()), np.ones(len(d), dtype=bool)
        theta, se = naive, naive_se
        w1, w0 = np.ones(len(d)), np.ones(len(d))
        warnings.append("no covariates: the difference in means, valid only when participation was random")
    else:
        estimator = _NAMES[method]
        with threadpool_limits(1):
            chosen = nz.choose_models(x, d, y, families, folds, seed,
                                      need_outcome1=estimand == "ate" and method in ("aipw", "dml"))
            if method in ("ipw", "match"):
                chosen = {"propensity": chosen["propensity"]}
            fits = [nz.cross_fit(x, d, y, chosen, folds, seed + s)
                    for s in range(repetitions if method == "dml" else 1)]
            full = nz.fit_full(x, d, chosen) if method == "match" else None
        nuisance = fits[0].models
        e = full if full is not None else fits[0].propensity
        keep = diag.trim_mask(e, estimand, trim)
        dk, yk = d[keep], y[keep]
        if dk.sum() < 2 or (1 - dk).sum() < 2:
            raise DataError(f"trimming at {trim} leaves fewer than two units in a group",
                            file=sample.provenance.get("data_file"), hint="lower the trimming threshold (trim)")
        w1, w0 = _weights(e[keep], estimand)
        if method == "match":
            theta, se, used = _matching(dk, yk, e[keep], estimand, neighbours)
            w0 = used if estimand == "att" else used + (1 - dk)
            w1 = np.ones(len(dk)) if estimand == "att" else used + dk
        else:
            draws = []
            for fit in fits:
                part = nz.Nuisance(fit.propensity[keep], fit.outcome0[keep], fit.outcome1[keep], fit.models)
                t_s, psi = (_orthogonal(dk, yk, part, estimand) if method == "dml"
                            else _weighted(method, dk, yk, part, estimand))
                draws.append((t_s, _se(psi) ** 2))
            theta = float(np.median([t for t, _ in draws]))
            se = float(np.sqrt(np.median([v + (t - theta) ** 2 for t, v in draws])))
            if method == "dml":
                nuisance["repetitions"] = [{"estimate": t, "se": float(np.sqrt(v))} for t, v in draws]
    z = NormalDist().inv_cdf(1 - alpha / 2)
    dk, xk = d[keep], x[keep]
    comparison_w = w0[dk == 0]
    over = diag.overlap(e, d, comparison_w)
    if over["max_weight_share"] > 0.1:
        warnings.append(f"one comparison unit carries {over['max_weight_share']:.0%} of the comparison weight")
    trimmed = {"rule": "e <= 1 - trim" if estimand == "att" else "trim <= e <= 1 - trim", "threshold": trim,
               "treated": int(((d == 1) & ~keep).sum()), "comparison": int(((d == 0) & ~keep).sum()),
               "share": float((~keep).mean())}
    outcome_sd = float(np.std(y[(d == 0) & keep], ddof=1))
    result = ProgrammeResult(
        method=method, estimator=estimator, estimand=estimand, outcome=sample.outcome, outcome_unit=outcome_unit,
        treatment=sample.treatment, estimate=float(theta), se=float(se), ci_low=theta - z * se,
        ci_high=theta + z * se, alpha=alpha, n_treated=int(dk.sum()), n_comparison=int((1 - dk).sum()),
        trimmed=trimmed, balance=diag.balance(xk, dk, sample.terms, w1[dk == 1], comparison_w),
        naive_difference={"estimate": naive, "se": naive_se, "ci": [naive - z * naive_se, naive + z * naive_se]},
        overlap=over, sensitivity=diag.e_value(theta, theta - z * se, theta + z * se, outcome_sd),
        nuisance=nuisance, options=options, propensity=e, treated_flag=d,
        provenance=dict(sample.provenance), warnings=warnings)
    return result
