"""Diagnostics of a programme evaluation: covariate balance, overlap, sensitivity to unobserved confounding.

- Standardised mean difference of each covariate term (Austin 2009): (mean among the treated - mean among
  the comparison) / sqrt((s_t^2 + s_c^2) / 2), with the unweighted sds of the analysed sample in the
  denominator both before and after weighting, so the two are comparable; |SMD| < 0.1 is the usual
  threshold of good balance.
- Overlap: propensity quantiles by group, the share trimmed, the comparison weights' effective sample size
  (sum w)^2 / sum w^2 (Kish) and the largest single weight's share.
- E-value (VanderWeele & Ding 2017, Ann. Intern. Med. 167: 268-274) for a continuous outcome: the effect
  as a standardised difference d = effect / sd(outcome in the comparison group), an approximate risk ratio
  RR = exp(0.91 d) (VanderWeele 2017), and E = RR + sqrt(RR (RR - 1)) (RR taken >= 1): the strength, on the
  risk-ratio scale, that an unobserved confounder would need with both treatment and outcome to explain the
  estimate away. The E-value of the confidence limit nearer zero is 1 when the interval covers zero.
"""

from __future__ import annotations

import math

import numpy as np


def _wmean(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return (w[:, None] * x).sum(axis=0) / w.sum()


def balance(x: np.ndarray, d: np.ndarray, terms: list[str], w_treated: np.ndarray,
            w_comparison: np.ndarray) -> dict[str, dict[str, float]]:
    """SMD of each term before and after weighting (weights given for the treated and comparison rows)."""
    if not terms:
        return {}
    t, c = d == 1, d == 0
    xt, xc = x[t], x[c]
    scale = np.sqrt((xt.var(axis=0, ddof=1) + xc.var(axis=0, ddof=1)) / 2)
    scale = np.where(scale > 0, scale, 1.0)
    before = (xt.mean(axis=0) - xc.mean(axis=0)) / scale
    after = (_wmean(xt, w_treated) - _wmean(xc, w_comparison)) / scale
    return {term: {"smd_before": float(b), "smd_after": float(a), "mean_treated": float(mt),
                   "mean_comparison": float(mc), "mean_comparison_weighted": float(mw)}
            for term, b, a, mt, mc, mw in zip(terms, before, after, xt.mean(axis=0), xc.mean(axis=0),
                                              _wmean(xc, w_comparison), strict=True)}


def _quantiles(values: np.ndarray) -> dict[str, float]:
    if len(values) == 0:
        return {}
    q = np.quantile(values, [0, 0.05, 0.5, 0.95, 1])
    return dict(zip(("min", "p05", "median", "p95", "max"), map(float, q), strict=True))


def overlap(e: np.ndarray, d: np.ndarray, w_comparison: np.ndarray) -> dict[str, object]:
    """Propensity quantiles by group and the comparison weights' concentration."""
    total = float(w_comparison.sum())
    ess = total**2 / float((w_comparison**2).sum()) if total > 0 else 0.0
    treated_low = float(e[d == 1].min()) if (d == 1).any() else float("nan")
    return {
        "propensity": {"treated": _quantiles(e[d == 1]), "comparison": _quantiles(e[d == 0])},
        "comparison_below_min_treated": int(((d == 0) & (e < treated_low)).sum()),
        "effective_comparison_size": ess,
        "max_weight_share": float(w_comparison.max() / total) if total > 0 else float("nan"),
    }


def e_value(estimate: float, ci_low: float, ci_high: float, outcome_sd: float) -> dict[str, float | str]:
    """E-value of the estimate and of the confidence limit nearer zero (module docstring)."""
    def one(effect: float) -> float:
        rr = math.exp(0.91 * abs(effect) / outcome_sd)
        return rr + math.sqrt(rr * (rr - 1))

    if not outcome_sd > 0:
        return {"method": "E-value (not defined: the outcome does not vary)"}
    covers_zero = ci_low <= 0 <= ci_high
    nearer = 0.0 if covers_zero else min(abs(ci_low), abs(ci_high))
    return {"method": "E-value, VanderWeele & Ding (2017), RR ~ exp(0.91 d)",
            "standardised_effect": estimate / outcome_sd, "outcome_sd": outcome_sd,
            "e_value": one(estimate), "e_value_ci": 1.0 if covers_zero else one(nearer)}


def trim_mask(e: np.ndarray, estimand: str, trim: float) -> np.ndarray:
    """Units kept: e in [trim, 1 - trim] for the ATE (Crump et al. 2009); e <= 1 - trim for the ATT, whose
    comparison weights e / (1 - e) already vanish where e is small."""
    if trim <= 0:
        return np.ones(len(e), dtype=bool)
    keep = e <= 1 - trim
    return keep & (e >= trim) if estimand == "ate" else keep
