"""Benchmark of causal evaluation: staggered DiD, synthetic control, programme evaluation.

Run: .venv/bin/python bench/bench_evaluate.py [--units 20000]

Prints wall times and ratios against baselines measured in the same run:
- DiD: analytic influence-function SEs vs the multiplier bootstrap (1000 draws), on mpdta (500 counties)
  and on a simulated panel (default 20,000 units x 10 periods, 4 cohorts);
- synthetic control weights: the numba Frank-Wolfe vs the same algorithm as a plain numpy loop
  (the baseline), on Proposition 99 (38 controls x 19 pre-periods; SC runs the full 10,000 steps);
- a full `estimate_synth` (estimate + 38 in-space placebo fits) per method;
- programme evaluation on NSW + CPS (16,177 people, 14 terms) per method, against IPW (the baseline:
  one propensity model), and AIPW with the boosting learner family added;
- synthetic control with predictors on Texas (50 donors, 14 predictors) per V method, against ``equal``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from workshift import config
from workshift.data.registry import source_file
from workshift.evidence import synth_predictors as sp
from workshift.evidence import synth_weights as sw
from workshift.evidence.did import estimate_did
from workshift.evidence.panel import panel_from_frame, read_panel
from workshift.evidence.programme import METHODS, estimate_programme
from workshift.evidence.programme_data import read_sample
from workshift.evidence.synth import estimate_synth
from workshift.evidence.synth_covariates import estimate_synth_predictors
from workshift.tabular import read_table

DW = "age,age^2,educ,educ^2,black,hisp,marr,nodegree,re74,re75,re74==0,re75==0,re74^2,re75^2"
TEXAS_SPECIAL = ["bmprison:1988", "bmprison:1990", "bmprison:1991", "bmprison:1992", "alcohol:1990",
                 "aidscapita:1990", "aidscapita:1991", "black:1990", "black:1991", "black:1992", "perc1519:1990"]


def timed(fn, repeat: int = 3) -> float:
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def simulated_panel(units: int, periods: int = 10, seed: int = 0):
    rng = np.random.default_rng(seed)
    cohort = rng.choice([0, 4, 6, 8], size=units)
    t = np.arange(1, periods + 1)
    y = rng.normal(0, 1, (units, 1)) + t[None, :] * 0.1 + rng.normal(0, 1, (units, periods))
    y += 1.5 * ((cohort[:, None] > 0) & (t[None, :] >= cohort[:, None]))
    frame = pd.DataFrame({"id": np.repeat(np.arange(units), periods), "t": np.tile(t, units), "y": y.ravel(),
                          "g": np.repeat(cohort, periods)})
    return panel_from_frame(frame, unit="id", time="t", outcome="y", cohort="g")


def numpy_frank_wolfe(y, zeta, intercept, x, min_decrease, max_steps):
    """Baseline: the same algorithm as synth_weights._frank_wolfe, interpreted."""
    rows, cols = y.shape
    if intercept:
        y = y - y.mean(axis=0)
    a, b, eta = y[:, :-1], y[:, -1], rows * zeta**2
    previous = last = np.inf
    steps = 0
    while steps < max_steps and (steps < 2 or previous - last > min_decrease**2):
        steps += 1
        ax = a @ x
        half_grad = (ax - b) @ a + eta * x
        i = int(np.argmin(half_grad))
        dx = -x.copy()
        dx[i] = 1 - x[i]
        d_err = a[:, i] - ax
        step = -(half_grad @ dx) / (d_err @ d_err + eta * (dx @ dx))
        x = x + min(1.0, max(0.0, step)) * dx
        err = a @ x - b
        previous, last = last, zeta**2 * (x @ x) + (err @ err) / rows
    return x


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=20_000)
    args = parser.parse_args()
    data_dir = config.data_dir()
    rows = []

    mpdta = read_panel(source_file("evaluation/mpdta.csv", data_dir), unit="countyreal", time="year",
                       outcome="lemp", cohort="first.treat")
    big = simulated_panel(args.units)
    for name, panel in (("mpdta (500 units)", mpdta), (f"simulated ({args.units} units x 10)", big)):
        analytic = timed(lambda p=panel: estimate_did(p, bootstrap=0))
        boot = timed(lambda p=panel: estimate_did(p, bootstrap=1000))
        rows.append((f"DiD {name}: analytic", analytic, 1.0))
        rows.append((f"DiD {name}: bootstrap 1000", boot, boot / analytic))

    prop99 = read_panel(source_file("evaluation/california_prop99_long_semicolon.csv", data_dir), unit="State",
                        time="Year", outcome="PacksPerCapita")
    wide = prop99.wide()
    y = wide.loc[[u for u in wide.index if u != "California"] + ["California"]].to_numpy()
    opts = sw.Options.for_data(y, 38, 19, "sc")
    problem = np.ascontiguousarray(sw.collapsed(y, 38, 19)[:, :19].T)
    start = np.full(38, 1 / 38)
    sw._frank_wolfe(problem, opts.zeta_omega, False, start, opts.min_decrease, 10)  # compile / load cache
    base = timed(lambda: numpy_frank_wolfe(problem, opts.zeta_omega, False, start, opts.min_decrease, 10_000), 1)
    fast = timed(lambda: sw._frank_wolfe(problem, opts.zeta_omega, False, start, opts.min_decrease, 10_000))
    rows.append(("SC weights, numpy Frank-Wolfe (baseline)", base, 1.0))
    rows.append(("SC weights, numba Frank-Wolfe", fast, fast / base))
    for method in sw.METHODS:
        took = timed(lambda m=method: estimate_synth(prop99, treated="California", treatment_start=1989,
                                                     method=m), 1)
        rows.append((f"Prop 99 {method}: estimate + 38 placebos", took, took / base))

    sample = read_sample(source_file("evaluation/nsw_dehejia_wahba.csv", data_dir), treatment="treat",
                         outcome="re78", covariates=DW, comparison=source_file("evaluation/nsw_cps_comparison.csv",
                                                                               data_dir))
    ipw = timed(lambda: estimate_programme(sample, method="ipw"), 1)
    for method in METHODS:
        took = ipw if method == "ipw" else timed(lambda m=method: estimate_programme(sample, method=m), 1)
        rows.append((f"NSW+CPS programme {method}", took, took / ipw))
    took = timed(lambda: estimate_programme(sample, method="aipw", learners="linear,boosting"), 1)
    rows.append(("NSW+CPS programme aipw, linear+boosting", took, took / ipw))

    texas_path = source_file("evaluation/texas_prison.csv", data_dir)
    texas, frame = read_panel(texas_path, unit="state", time="year", outcome="bmprison"), read_table(texas_path)
    specs = sp.predictor_specs(texas, ["income", "ur", "poverty"], "1985-1993", TEXAS_SPECIAL)
    times = {}
    for v_method in ("equal", "regression", "nested"):
        times[v_method] = timed(lambda v=v_method: estimate_synth_predictors(
            texas, frame, treated="Texas", treatment_start=1993, specs=specs, v_method=v,
            v_periods=tuple(range(1985, 1994))), 1)
        rows.append((f"Texas SC with predictors, V {v_method}", times[v_method], times[v_method] / times["equal"]))

    width = max(len(r[0]) for r in rows)
    print(f"{'case':<{width}}  {'seconds':>9}  {'ratio':>8}")
    for name, seconds, ratio in rows:
        print(f"{name:<{width}}  {seconds:9.4f}  {ratio:8.3f}")
    print("ratios: bootstrap rows vs the analytic row above; SC rows vs the numpy Frank-Wolfe baseline; "
          "programme rows vs IPW; Texas rows vs V equal")


if __name__ == "__main__":
    main()
