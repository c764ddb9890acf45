"""Staggered difference-in-differences: Callaway & Sant'Anna (2021) group-time ATT(g,t), no covariates.

For each cohort g (first treated period) and period t, ATT(g,t) is the 2x2 DiD of the change in the
outcome from a base period b to t, cohort g against a control group:

    ATT(g,t) = E[Y_t - Y_b | G = g] - E[Y_t - Y_b | C],

with b = g-1 (the last period before g) for t >= g, and for t < g b = the period before t ("varying",
R ``did``'s default) or b = g-1 ("universal", where ATT(g, g-1) = 0 by construction). Controls are
the never-treated (``never``) or also the not-yet-treated, G > max(t, b) and G != g (``notyet``).
Inference works on unit-level influence functions (see :mod:`workshift.evidence.did_aggregate` for
the aggregations, the multiplier bootstrap and the analytic standard errors).

Balanced panels use the panel estimator (each unit's own change). Unbalanced panels follow R ``did``'s
``allow_unbalanced_panel = TRUE`` path: ATT(g,t) is the DiD of four cross-sectional means over the
rows observed in t and b, and each row's influence is summed within its unit, so inference stays
clustered by unit. Docs: docs/evaluation.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workshift.errors import DataError, InputError
from workshift.evidence import did_aggregate as agg
from workshift.evidence.panel import Panel

CONTROLS = ("never", "notyet")
BASE_PERIODS = ("varying", "universal")


@dataclass
class DidResult:
    """A staggered DiD evaluation; ``att`` is the simple aggregation (R ``aggte(type="simple")``)."""

    outcome: str
    outcome_unit: str
    att: float
    se: float
    ci_low: float
    ci_high: float
    alpha: float
    control: str
    base_period: str
    inference: dict[str, Any]
    panel_kind: str
    group_time: pd.DataFrame
    aggregations: dict[str, agg.Aggregation]
    n_units: int
    n_obs: int
    periods: list[int]
    cohorts: dict[int, int]
    provenance: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    method: str = "did"

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": "callaway_santanna",
            "outcome": self.outcome,
            "outcome_unit": self.outcome_unit,
            "att": {"estimate": self.att, "se": self.se, "ci_low": self.ci_low, "ci_high": self.ci_high},
            "alpha": self.alpha,
            "aggregations": {k: a.to_dict() for k, a in self.aggregations.items()},
            "group_time": _records(self.group_time),
            "control": self.control,
            "base_period": self.base_period,
            "inference": self.inference,
            "panel": self.panel_kind,
            "n_units": self.n_units,
            "n_obs": self.n_obs,
            "periods": self.periods,
            "cohorts": {str(g): n for g, n in self.cohorts.items()},
            "provenance": self.provenance,
            "warnings": self.warnings,
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        """Result tables for the store (``evaluate__did_group_time``, ``evaluate__did_aggregations``)."""
        rows = []
        for kind, aggregation in self.aggregations.items():
            o = aggregation.overall
            rows.append({"aggregation": kind, "key": "overall", "estimate": o.estimate, "se": o.se,
                         "ci_low": o.ci_low, "ci_high": o.ci_high})
            for rec in aggregation.detail.to_dict("records"):
                rows.append({"aggregation": kind, "key": str(rec[aggregation.key]), "estimate": rec["estimate"],
                             "se": rec["se"], "ci_low": rec["ci_low"], "ci_high": rec["ci_high"]})
        return {"did_group_time": self.group_time.copy(), "did_aggregations": pd.DataFrame(rows)}


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in r.items()}
            for r in frame.to_dict("records")]


def _cell(tag: str, *values: object) -> str:
    return f"{tag}=" + ",".join(str(v) for v in values)


def _design(panel: Panel, control: str) -> tuple[agg.Design, pd.DataFrame]:
    if panel.cohort is None:
        raise InputError("a cohort column (first treated period, 0 = never treated) is required")
    frame = panel.frame
    times = frame["time"]
    if not pd.api.types.is_integer_dtype(times):
        raise DataError("periods must be integers (years, quarter numbers...)", file=panel.file,
                        column=panel.time, expected="integer periods")
    cohort = frame["cohort"].fillna(0.0).replace([np.inf, -np.inf], 0.0)
    per_unit = cohort.groupby(frame["unit"], sort=False)
    varying = per_unit.nunique()
    if (varying > 1).any():
        bad = varying[varying > 1].index[:5].tolist()
        raise DataError(f"cohort changes within unit(s) {bad}", file=panel.file, column=panel.cohort,
                        expected="one first-treated period per unit")
    if (cohort < 0).any() or not np.all(cohort == np.round(cohort)):
        raise DataError("cohort must be a non-negative integer period", file=panel.file, column=panel.cohort,
                        expected="the first treated period, or 0 for never treated")
    frame = frame.assign(cohort=cohort.astype("int64"))
    warnings: list[str] = []
    periods = np.array(sorted(times.unique()))
    g_unit = frame.groupby("unit", sort=False)["cohort"].first()
    # R did: a cohort after the last period is never treated within the sample.
    late = (g_unit > periods[-1]).sum()
    if late:
        warnings.append(f"{late} unit(s) first treated after the last period are used as never treated")
        frame.loc[frame["cohort"] > periods[-1], "cohort"] = 0
        g_unit = frame.groupby("unit", sort=False)["cohort"].first()
    always = g_unit[(g_unit > 0) & (g_unit <= periods[0])]
    if len(always):
        raise DataError(
            f"{len(always)} treated unit(s) have no pre-treatment period (treated in or before the first "
            f"period {periods[0]}): {', '.join(always.index[:5])}{' ...' if len(always) > 5 else ''}",
            file=panel.file, column=panel.cohort, expected="a cohort after the first period",
            hint="drop these units (R did drops them with a warning)",
        )
    first_seen = frame.groupby("unit", sort=False)["time"].min()
    unseen = g_unit[(g_unit > 0) & (first_seen.loc[g_unit.index] >= g_unit)]
    if len(unseen):
        # Unbalanced panels: such units enter only the post-period cross-sections (as in R did).
        warnings.append(f"{len(unseen)} treated unit(s) are not observed before their cohort: "
                        f"{', '.join(unseen.index[:5])}{' ...' if len(unseen) > 5 else ''}")
    if not (g_unit == 0).any():
        if control == "never":
            raise DataError("there are no never-treated units", file=panel.file, column=panel.cohort,
                            hint="use control='notyet'", mentions=("control",))
        # R did: without never-treated units the last cohort becomes the control; later periods drop.
        last = g_unit.max()
        frame = frame[frame["time"] < last].copy()
        frame.loc[frame["cohort"] == last, "cohort"] = 0
        warnings.append(f"no never-treated units: cohort {last} is the control and periods >= {last} are dropped")
        periods = periods[periods < last]
        g_unit = frame.groupby("unit", sort=False)["cohort"].first()
    glist = np.array(sorted(g for g in g_unit.unique() if g > 0))
    if len(glist) == 0:
        raise DataError("no treated units (every cohort is 0)", file=panel.file, column=panel.cohort)
    return agg.Design(g_unit.index.to_numpy(), g_unit.to_numpy(), periods, glist, warnings), frame


def _cells(design: agg.Design, base_period: str) -> list[tuple[int, int, int]]:
    """(g, t, base) for every cell R did computes; base == t marks the universal reference cell."""
    out = []
    periods = design.periods
    for g in design.glist:
        last_pre = periods[periods < g][-1]
        for i, t in enumerate(periods):
            if base_period == "varying":
                if i == 0:
                    continue
                base = last_pre if t >= g else periods[i - 1]
            else:
                base = last_pre
            out.append((int(g), int(t), int(base)))
    return out


def _controls(cohort: np.ndarray, g: int, t: int, base: int, control: str) -> np.ndarray:
    never = cohort == 0
    if control == "never":
        return never
    return never | ((cohort > max(t, base)) & (cohort != g))


def _panel_cells(design: agg.Design, frame: pd.DataFrame, cells: list, control: str):
    """ATT(g,t) and n x K influence functions from each unit's own change (balanced panel)."""
    wide = frame.pivot(index="unit", columns="time", values="y").loc[design.units, design.periods]
    y = wide.to_numpy()
    col = {int(t): j for j, t in enumerate(design.periods)}
    n = len(design.units)
    att, inf, counts = np.zeros(len(cells)), np.zeros((n, len(cells))), []
    for k, (g, t, base) in enumerate(cells):
        treated = design.cohort == g
        controls = _controls(design.cohort, g, t, base, control)
        counts.append((int(treated.sum()), int(controls.sum())))
        if base == t:
            continue
        change = y[:, col[t]] - y[:, col[base]]
        if not controls.any():
            att[k] = np.nan
            continue
        mu_t, mu_c = change[treated].mean(), change[controls].mean()
        att[k] = mu_t - mu_c
        # n-scaled influence function: n * (D (dY - mu_D) / N_D - C (dY - mu_C) / N_C).
        inf[:, k] = n * (treated * (change - mu_t) / treated.sum() - controls * (change - mu_c) / controls.sum())
    return att, inf, counts


def _unbalanced_cells(design: agg.Design, frame: pd.DataFrame, cells: list, control: str):
    """ATT(g,t) from four cross-sectional means; row influence summed within unit (R's unbalanced path)."""
    index = {u: i for i, u in enumerate(design.units)}
    unit_idx = frame["unit"].map(index).to_numpy()
    times, y = frame["time"].to_numpy(), frame["y"].to_numpy()
    n = len(design.units)
    att, inf, counts = np.zeros(len(cells)), np.zeros((n, len(cells))), []
    for k, (g, t, base) in enumerate(cells):
        treated_u = design.cohort == g
        control_u = _controls(design.cohort, g, t, base, control)
        counts.append((int(treated_u.sum()), int(control_u.sum())))
        if base == t:
            continue
        treated, controls = treated_u[unit_idx], control_u[unit_idx]
        post, pre = times == t, times == base
        parts = [(treated & post, 1.0), (treated & pre, -1.0), (controls & post, -1.0), (controls & pre, 1.0)]
        if any(not mask.any() for mask, _ in parts):
            att[k] = np.nan
            continue
        rows = np.zeros(len(y))
        for mask, sign in parts:
            mean = y[mask].mean()
            att[k] += sign * mean
            rows[mask] = sign * (y[mask] - mean) / mask.sum()
        inf[:, k] = n * np.bincount(unit_idx, weights=rows, minlength=n)
    return att, inf, counts


def estimate_did(
    panel: Panel,
    *,
    control: str = "never",
    base_period: str = "varying",
    bootstrap: int = 1000,
    seed: int = 1,
    multiplier: str = "mammen",
    alpha: float = 0.05,
    cband: bool = False,
    unbalanced: str = "keep",
    outcome_unit: str = "",
) -> DidResult:
    """Callaway & Sant'Anna ATT(g,t) and the four R ``did::aggte`` aggregations (module docstring)."""
    if control not in CONTROLS:
        raise InputError(f"unknown control group '{control}'", hint=f"use one of {', '.join(CONTROLS)}")
    if base_period not in BASE_PERIODS:
        raise InputError(f"unknown base period '{base_period}'", hint=f"use one of {', '.join(BASE_PERIODS)}")
    if unbalanced not in ("keep", "drop"):
        raise InputError(f"unknown unbalanced-panel rule '{unbalanced}'", hint="use keep or drop")
    if not 0 < alpha < 1:
        raise InputError(f"alpha must be in (0, 1), got {alpha}")
    if cband and bootstrap <= 0:
        raise InputError("cband (uniform bands) needs the bootstrap (bootstrap = N with N > 0)", parameter="cband")
    frame = panel.frame
    notes: list[str] = []
    if not panel.balanced and unbalanced == "drop":
        # R did's default: keep only the units observed in every period.
        n_periods = frame["time"].nunique()
        complete = frame.groupby("unit")["time"].transform("nunique") == n_periods
        notes.append(f"dropped {frame.loc[~complete, 'unit'].nunique()} unit(s) not observed in every period")
        panel = Panel(frame[complete], panel.unit, panel.time, panel.outcome, panel.cohort, panel.file,
                      panel.sha256)
    design, frame = _design(panel, control)
    balanced = len(frame) == len(design.units) * len(design.periods)
    cells = _cells(design, base_period)
    estimator = _panel_cells if balanced else _unbalanced_cells
    if not balanced:
        notes.append("unbalanced panel: ATT(g,t) from cross-sectional means per period (R did's "
                     "allow_unbalanced_panel), less precise than the panel estimator; --unbalanced drop keeps "
                     "only units observed in every period (R did's default)")
    att, inf, counts = estimator(design, frame, cells, control)
    group = np.array([c[0] for c in cells])
    time = np.array([c[1] for c in cells])
    base = np.array([c[2] for c in cells])
    bad = np.isnan(att)
    if bad.any():
        notes.append("cells without treated or control observations left out: "
                     + ", ".join(_cell("ATT", g, t) for g, t in zip(group[bad], time[bad], strict=True)))
        keep = ~bad
        att, inf, group, time, base = att[keep], inf[:, keep], group[keep], time[keep], base[keep]
        counts = [c for c, k in zip(counts, keep, strict=True) if k]
    indicators = [(design.cohort == g).astype(float) for g in design.glist]
    basis = np.column_stack([inf, *indicators, np.ones(len(design.units))])
    inference = agg.Inference(len(design.units), bootstrap, seed, multiplier, alpha, basis)
    gt = agg.cells_table(group, time, base, att, inf, inference, cband)
    gt["n_treated"] = [c[0] for c in counts]
    gt["n_control"] = [c[1] for c in counts]
    pg = np.array([np.mean(design.cohort == g) for g in group])
    aggregations = agg.aggregate_all(att, inf, group, time, pg, design, inference, cband)
    simple = aggregations["simple"].overall
    cohorts = {int(g): int((design.cohort == g).sum()) for g in [0, *design.glist]}
    return DidResult(
        outcome=panel.outcome, outcome_unit=outcome_unit, att=simple.estimate, se=simple.se,
        ci_low=simple.ci_low, ci_high=simple.ci_high, alpha=alpha, control=control, base_period=base_period,
        inference=inference.describe(cband), panel_kind="balanced" if balanced else "unbalanced",
        group_time=gt, aggregations=aggregations, n_units=len(design.units), n_obs=len(frame),
        periods=[int(p) for p in design.periods], cohorts=cohorts, provenance=panel.provenance(),
        warnings=[*panel.notes, *notes, *design.warnings],
    )
