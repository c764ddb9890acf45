"""Synthetic control with predictors for one treated unit: weights, V, balance, placebos and robustness.

Weights and V: :mod:`workshift.evidence.synth_predictors`. Inference as for outcome-only SC
(:mod:`workshift.evidence.synth`): every donor in turn is a placebo-treated unit, re-weighted from the other
donors on the same predictors with the V chosen for the treated unit (a cheaper stand-in for re-choosing
V per placebo; Abadie et al. 2010 re-run the whole fit); se = population sd of the placebo estimates,
permutation p-value from the post/pre RMSPE ratios. Robustness (Abadie 2021, J. Econ. Lit. 59(2)):

- leave-one-out: each donor with positive weight dropped in turn, V and weights chosen again;
- in-time placebos: the treatment moved to earlier pre-periods (predictor and V periods cut before it),
  where a credible design shows no "effect".
"""

from __future__ import annotations

from dataclasses import replace
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from workshift.errors import InputError
from workshift.evidence import synth_predictors as sp
from workshift.evidence.panel import Panel, require_balanced
from workshift.evidence.synth import SynthResult, _check_design, _plain, _rmspe


def _fit(frame: pd.DataFrame, panel: Panel, specs: list[sp.Predictor], units: list[str], y: np.ndarray,
         v_rows: list[int], v_method: str, cv: tuple | None, periods: list) -> tuple:
    """Weights of the last unit of ``units`` on the others: (omega, v, raw predictor table)."""
    table = sp.predictor_values(frame, panel, specs, units)
    x = sp.scale(table.to_numpy(float))
    if v_method == "cv":
        train, validate = cv
        cut = [replace(s, periods=tuple(p for p in s.periods if p in train) or s.periods) for s in specs]
        xt = sp.scale(sp.predictor_values(frame, panel, cut, units).to_numpy(float))
        rows = [periods.index(p) for p in validate]
        v = sp.choose_v(xt[:, :-1], xt[:, -1], y[:-1][:, rows].T, y[-1, rows], "nested")
        later = [replace(s, periods=tuple(p for p in s.periods if p in validate) or s.periods) for s in specs]
        x = sp.scale(sp.predictor_values(frame, panel, later, units).to_numpy(float))
    else:
        v = sp.choose_v(x[:, :-1], x[:, -1], y[:-1][:, v_rows].T, y[-1, v_rows], v_method)
    return sp.weights_for(v, x[:, :-1], x[:, -1]), v, table


def estimate_synth_predictors(panel: Panel, frame: pd.DataFrame, *, treated: str, treatment_start: object,
                              specs: list[sp.Predictor], v_method: str = "nested", v_periods: tuple | None = None,
                              v_train_periods: tuple | None = None, v_validate_periods: tuple | None = None,
                              alpha: float = 0.05, outcome_unit: str = "") -> SynthResult:
    """Abadie-style synthetic control of ``treated`` on predictors ``specs`` (module docstring)."""
    if v_method not in sp.V_METHODS:
        raise InputError(f"v_method '{v_method}' is unknown", hint=f"use one of {', '.join(sp.V_METHODS)}",
                         parameter="v_method")
    if not specs:
        raise InputError("synthetic control with predictors needs at least one predictor (a column averaged "
                         "over periods, or a special predictor COL:PERIODS)")
    require_balanced(panel, "synthetic control")
    periods, t0 = _check_design(panel, [treated], treatment_start)
    pre = periods[:t0]
    v_periods = tuple(v_periods or pre)
    warnings = []
    if any(p not in periods[: t0 + 1] for p in v_periods):
        raise InputError("v_periods must be pre-treatment periods (the treatment start at the latest)",
                         parameter="v_periods")
    if treatment_start in v_periods:
        warnings.append(f"V is fitted on periods up to {treatment_start}, the first treated period (as the "
                        "Texas reference does): an effect in that period pulls the fit")
    cv = None
    if v_method == "cv":
        for name, given in (("v_train_periods", v_train_periods), ("v_validate_periods", v_validate_periods)):
            if not given:
                raise InputError(f"{name} must be given with v_method 'cv'", parameter=name)
            if any(p not in periods[: t0 + 1] for p in given):
                raise InputError(f"{name} must be pre-treatment periods (the treatment start at the latest)",
                                 parameter=name)
        cv = (tuple(v_train_periods), tuple(v_validate_periods))
    wide = panel.wide()
    controls = [u for u in wide.index if u != treated]
    units = controls + [treated]
    y = wide.loc[units].to_numpy(dtype=float)
    v_rows = [periods.index(p) for p in v_periods]
    omega, v, table = _fit(frame, panel, specs, units, y, v_rows, v_method, cv, periods)
    gap = y[-1] - omega @ y[:-1]
    tau, pre_rmspe, post_rmspe = float(gap[t0:].mean()), _rmspe(gap[:t0]), _rmspe(gap[t0:])

    x = sp.scale(table.to_numpy(float))
    rows, gaps = [], []
    for j, unit in enumerate(controls):
        others = [i for i in range(len(controls)) if i != j]
        w = sp.weights_for(v, x[:, others], x[:, j])
        g = y[j] - w @ y[others]
        p_pre, p_post = _rmspe(g[:t0]), _rmspe(g[t0:])
        rows.append({"unit": unit, "estimate": float(g[t0:].mean()), "pre_rmspe": p_pre, "post_rmspe": p_post,
                     "ratio": p_post / p_pre if p_pre > 0 else np.inf})
        gaps.append(g)
    placebos = pd.DataFrame(rows)
    ratio = post_rmspe / pre_rmspe if pre_rmspe > 0 else np.inf
    p_value = (1 + int((placebos["ratio"] >= ratio).sum())) / (1 + len(controls))
    se = float(np.std(placebos["estimate"].to_numpy()))
    z = NormalDist().inv_cdf(1 - alpha / 2)

    raw = table.to_numpy(float)
    balance = [{"predictor": name, "treated": float(raw[i, -1]), "synthetic": float(raw[i, :-1] @ omega),
                "donor_mean": float(raw[i, :-1].mean()), "v_weight": float(v[i])}
               for i, name in enumerate(table.index)]
    robustness: dict[str, Any] = {"leave_one_out": [], "in_time": []}
    if v_method == "nested":
        w_m, v_m, _ = _fit(frame, panel, specs, units, y, v_rows, "regression", cv, periods)
        g_m = y[-1] - w_m @ y[:-1]
        x_all, z0, z1 = x, y[:-1][:, v_rows].T, y[-1, v_rows]
        robustness["v_search"] = [
            {"search": name, "v_loss": sp.v_loss(vv, x_all[:, :-1], x_all[:, -1], z0, z1),
             "estimate": float(gg[t0:].mean()), "pre_rmspe": _rmspe(gg[:t0]),
             "weights": {controls[i]: float(ww[i]) for i in np.flatnonzero(ww > 1e-6)}}
            for name, vv, ww, gg in (("nested", v, omega, gap), ("regression start", v_m, w_m, g_m))]
    for i in np.flatnonzero(omega > 1e-6):
        keep = [u for k, u in enumerate(controls) if k != i] + [treated]
        y_k = wide.loc[keep].to_numpy(dtype=float)
        w_k, _, _ = _fit(frame, panel, specs, keep, y_k, v_rows, v_method, cv, periods)
        g_k = y_k[-1] - w_k @ y_k[:-1]
        robustness["leave_one_out"].append({"dropped": controls[i], "estimate": float(g_k[t0:].mean()),
                                            "pre_rmspe": _rmspe(g_k[:t0]), "gap": g_k.tolist()})
    for back in (2, 4):
        fake = t0 - back
        if fake < 2:
            continue
        cut = [replace(s, periods=tuple(p for p in s.periods if p in periods[:fake])) for s in specs]
        cut = [s for s in cut if s.periods]
        if not cut:
            continue
        rows_k = [r for r in v_rows if r < fake] or list(range(fake))
        w_k, _, _ = _fit(frame, panel, cut, units, y, rows_k, "nested" if v_method == "cv" else v_method,
                         None, periods)
        g_k = y[-1] - w_k @ y[:-1]
        robustness["in_time"].append({"placebo_start": _plain(periods[fake]), "estimate": float(g_k[fake:t0].mean()),
                                      "pre_rmspe": _rmspe(g_k[:fake]), "gap": g_k.tolist()})
    path = pd.DataFrame({"period": periods, "actual": y[-1], "synthetic": y[-1] - gap, "gap": gap,
                         "post": [i >= t0 for i in range(len(periods))]})
    placebo_paths = pd.DataFrame({"unit": np.repeat(controls, len(periods)),
                                  "period": [str(_plain(p)) for _ in controls for p in periods],
                                  "gap": np.concatenate(gaps)})
    order = np.argsort(-omega, kind="stable")
    result = SynthResult(
        outcome=panel.outcome, outcome_unit=outcome_unit, method="sc", treated=[treated],
        treatment_start=treatment_start, att=tau, se=se, ci_low=tau - z * se, ci_high=tau + z * se, alpha=alpha,
        weights={controls[i]: float(omega[i]) for i in order}, time_weights={}, path=path, pre_rmspe=pre_rmspe,
        post_rmspe=post_rmspe, placebos=placebos, placebo_paths=placebo_paths, p_value=float(p_value),
        inference={"method": "in-space placebos, V held at the treated unit's", "se_rule":
                   "population sd of the in-space placebo estimates"},
        regularisation={}, provenance=panel.provenance(),
        v_weights={b["predictor"]: b["v_weight"] for b in balance}, predictor_balance=balance,
        robustness=robustness, v_method=v_method, warnings=warnings)
    return result


def predictor_options(v_method: str, v_periods: Any, specs: list[sp.Predictor]) -> dict[str, Any]:
    """The predictor settings as stored with a run."""
    return {"v_method": v_method, "v_periods": list(v_periods or []),
            "predictors": [{"column": s.column, "periods": list(s.periods)} for s in specs]}
