"""The recommended portfolio as a monitoring plan, and the paths the report shows.

Trajectory (contract of :mod:`workshift.evidence.monitor`): one row per (indicator, region, month) with the
projected value under the recommended plan and a 90 % band. Indicators, in percent of the labour force:
``unemployment_rate``, ``employment_rate``, ``long_term_unemployment_rate``. Band: the projection plus or
minus 1.645 sigma sqrt(h), a random-walk forecast band, where h is the number of months ahead and sigma the
standard deviation of monthly changes of the US unemployment rate in the pack's macro series (BLS
LNS14000000, 1948-2018; 0.2 pp if the pack has no macro series).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workshift.optimize.pipeline import Prepared
from workshift.plans import save_plan as store_plan

BAND_LEVEL = 0.90
Z_90 = 1.6448536269514722
DEFAULT_SIGMA_PP = 0.2


@dataclass
class Paths:
    """Monthly aggregate paths (percent) and node-level mean unemployment for baseline and plan."""

    months: list[str]
    baseline: dict[str, np.ndarray]
    plan: dict[str, np.ndarray]
    no_shock_unemployment: np.ndarray
    u_nodes: dict[str, np.ndarray]  # "no_shock", "baseline", "plan": mean unemployed per node over the horizon


def _rates(series: dict[str, np.ndarray], b: int) -> dict[str, np.ndarray]:
    lf = series["labour_force"][b]
    return {"unemployment_rate": 100 * series["unemployed"][b] / lf,
            "employment_rate": 100 * (series["employed"][b] + series["flexible"][b]) / lf,
            "long_term_unemployment_rate": 100 * series["ltu"][b] / lf}


def paths(prepared: Prepared, x_recommended: np.ndarray) -> Paths:
    ev = prepared.evaluator
    run = ev.simulate(np.vstack([ev.space.zero(), x_recommended]), record_nodes=True)
    series, nodes = run["series"], run["nodes"]
    start_year = prepared.scenario.policy.start_year
    per_month = ev.ctx.steps_per_year / 12.0
    months = [str(pd.Period(year=start_year, month=1, freq="M") + int(k / per_month))
              for k in range(ev.horizon_steps)]
    return Paths(months, _rates(series, 0), _rates(series, 1), 100 * ev.reference["unemployment_rate"],
                 {"no_shock": ev.reference["u_nodes"], "baseline": nodes["u"][:, 0].mean(axis=0),
                  "plan": nodes["u"][:, 1].mean(axis=0)})


def macro_sigma(prepared: Prepared) -> float:
    macro = getattr(prepared.built.inputs, "macro", None)
    if macro is None or macro.empty:
        return DEFAULT_SIGMA_PP
    ur = macro[macro["series"] == "unemployment_rate"].sort_values("date")["value"].to_numpy(dtype=float)
    return float(np.std(np.diff(ur), ddof=1)) if ur.size > 2 else DEFAULT_SIGMA_PP


def trajectory(prepared: Prepared, p: Paths) -> pd.DataFrame:
    """Monthly plan trajectory (one value per calendar month; several steps in a month are averaged)."""
    sigma = macro_sigma(prepared)
    region = prepared.scenario.engine.market["region"]
    rows = []
    for indicator, values in p.plan.items():
        frame = pd.DataFrame({"period": p.months, "projected": values}).groupby("period", sort=True).mean()
        for h, (period, row) in enumerate(frame.iterrows(), start=1):
            half = Z_90 * sigma * np.sqrt(h)
            rows.append({"indicator": indicator, "region": region, "period": period,
                         "projected": float(row["projected"]), "lower": float(row["projected"] - half),
                         "upper": float(row["projected"] + half)})
    return pd.DataFrame(rows)


def save_plan(prepared: Prepared, p: Paths, result: dict[str, Any], run_id: str,
              home: str | None = None) -> str:
    """Store the recommended plan for monitoring under the plan contract (:mod:`workshift.plans`)."""
    plan_id = run_id.replace("optimize-", "plan-", 1)
    traj = trajectory(prepared, p)
    meta = {"band_level": BAND_LEVEL, "scenario": prepared.scenario.path, "optimize_run": run_id,
            "units": {k: "percent" for k in p.plan}, "sahm_indicators": ["unemployment_rate"],
            "vintage": result["meta"]["data_vintage"], "portfolio": result["recommended"]["portfolio"],
            "band": f"projection +- {Z_90:.3f} x {macro_sigma(prepared):.3f} pp x sqrt(months ahead)"}
    return store_plan(plan_id, traj, meta, home=home)
