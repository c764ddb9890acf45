"""Synthetic control with predictors (Abadie & Gardeazabal 2003; Abadie, Diamond & Hainmueller 2010, 2015).

Predictors X are covariates averaged over chosen periods and outcome values ("special predictors",
``COL:PERIODS``); each predictor row is divided by its sd across all units (treated and donors), as R
``Synth`` does. For a diagonal predictor-importance matrix V (non-negative, summing to 1) the donor weights are

    W(V) = argmin_{W >= 0, sum W = 1} (X1 - X0 W)' V (X1 - X0 W),

solved exactly as a non-negative least-squares problem with the adding-up constraint as a heavily weighted
extra row. V is chosen by ``v_method``:

- ``nested``: V minimises the mean squared outcome gap over the ``v_periods`` (Z1 - Z0 W(V)); outer search
  over V = |x| / sum |x| by BFGS and Nelder-Mead from equal weights and from the regression start of
  ``Synth`` (diag(B B') of the regression of the pre-period outcomes on the predictors), the lowest kept;
- ``regression``: the regression start itself; ``equal``: V = 1/k;
- ``cv`` (Abadie, Diamond & Hainmueller 2015): covariate predictors averaged over the training periods,
  V chosen to fit the outcome over the validation periods; the weights then use that V with the covariate
  predictors averaged over the validation periods.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize, nnls

from workshift.errors import DataError, InputError
from workshift.evidence.panel import Panel
from workshift.tabular import to_numeric

V_METHODS = ("nested", "regression", "equal", "cv")
_PERIODS = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")
_ADDING_UP = 1e4  # weight of the sum-to-one row in the NNLS (relative to predictors scaled to sd 1)


def parse_periods(text: str, available: list, what: str, parameter: str | None = None) -> tuple:
    """``YYYY``, ``YYYY-YYYY`` or ``YYYY,YYYY,...`` as the matching periods of the panel.

    ``what`` starts the error message; ``parameter`` is the library argument it names (see
    :meth:`workshift.errors.WorkshiftError.restated`)."""
    chosen: list = []
    for part in str(text).split(","):
        found = _PERIODS.match(part)
        if not found:
            raise InputError(f"{what} '{text}' is not YYYY, YYYY-YYYY or YYYY,YYYY,...", parameter=parameter)
        lo = int(found[1])
        hi = int(found[2]) if found[2] else lo
        inside = [p for p in available if lo <= p <= hi]
        if hi < lo or not inside:
            raise InputError(f"{what} has no period of the panel in '{part.strip()}'",
                             hint=f"periods run from {available[0]} to {available[-1]}", parameter=parameter)
        chosen += [p for p in inside if p not in chosen]
    return tuple(chosen)


@dataclass(frozen=True)
class Predictor:
    """One predictor: the mean of ``column`` over ``periods``."""

    column: str
    periods: tuple

    @property
    def name(self) -> str:
        ps = self.periods
        span = (f"{ps[0]}" if len(ps) == 1 else f"{ps[0]}-{ps[-1]}" if list(ps) == list(range(ps[0], ps[-1] + 1))
                else ",".join(map(str, ps)))
        return f"{self.column} ({span})"


def predictor_specs(panel: Panel, predictors: list[str], predictor_periods: str | None,
                    specials: list[str]) -> list[Predictor]:
    """The predictors: ``predictors`` (columns) averaged over ``predictor_periods``, and ``specials``
    (``COL:PERIODS`` each)."""
    periods = panel.periods
    out: list[Predictor] = []
    if predictors:
        if not predictor_periods:
            raise InputError("predictor_periods must be given with predictors (e.g. 1985-1993)",
                             parameter="predictor_periods")
        span = parse_periods(predictor_periods, periods, "predictor_periods", "predictor_periods")
        out += [Predictor(c, span) for c in predictors]
    for item in specials:
        column, sep, text = item.rpartition(":")
        if not sep or not column.strip():
            raise InputError(f"specials item '{item}' is not COL:PERIODS (e.g. bmprison:1988)", parameter="specials")
        out.append(Predictor(column.strip(), parse_periods(text, periods, f"specials item '{item}'", "specials")))
    if len({p.name for p in out}) < len(out):
        raise InputError("a predictor is given twice")
    return out


def predictor_values(frame: pd.DataFrame, panel: Panel, specs: list[Predictor], units: list[str]) -> pd.DataFrame:
    """Predictors (rows) by unit (columns): each the mean of its column over its periods."""
    rows = {}
    for spec in specs:
        if spec.column not in frame.columns:
            raise DataError(f"unknown predictor column '{spec.column}'", file=panel.file, column=spec.column)
        values = pd.DataFrame({"unit": panel.frame["unit"], "time": panel.frame["time"],
                               "v": to_numeric(frame.loc[panel.frame.index, spec.column])})
        part = values[values["time"].isin(spec.periods)]
        missing = part[part["v"].isna()]
        if not missing.empty:
            first = missing.iloc[0]
            raise DataError(f"predictor '{spec.column}' is missing or not a number for {first['unit']} in "
                            f"{first['time']}", file=panel.file, column=spec.column,
                            expected="a number for every unit in the predictor's periods")
        rows[spec.name] = part.groupby("unit")["v"].mean().reindex(units)
    return pd.DataFrame(rows).T


def scale(x: np.ndarray) -> np.ndarray:
    """Each predictor row divided by its sd (ddof 1) across all units; a constant row is an error."""
    sd = x.std(axis=1, ddof=1)
    if (sd == 0).any():
        raise InputError("a predictor takes the same value for every unit: it cannot weigh donors")
    return x / sd[:, None]


def weights_for(v: np.ndarray, x0: np.ndarray, x1: np.ndarray) -> np.ndarray:
    """W(V) on the simplex (module docstring), by NNLS with the adding-up row."""
    root = np.sqrt(v)[:, None]
    a = np.vstack([root * x0, np.full((1, x0.shape[1]), _ADDING_UP)])
    b = np.append(root[:, 0] * x1, _ADDING_UP)
    w, _ = nnls(a, b, maxiter=50 * x0.shape[1])
    return w / w.sum()


def _loss(w: np.ndarray, z0: np.ndarray, z1: np.ndarray) -> float:
    return float(np.mean((z1 - z0 @ w) ** 2))


def _normalise(x: np.ndarray) -> np.ndarray:
    a = np.abs(x)
    return a / a.sum() if a.sum() > 0 else np.full(len(x), 1 / len(x))


def regression_v(x0: np.ndarray, x1: np.ndarray, z0: np.ndarray, z1: np.ndarray) -> np.ndarray:
    """``Synth``'s regression start: diag(B B') of the regression of pre-period outcomes on the predictors."""
    x = np.column_stack([np.ones(x0.shape[1] + 1), np.hstack([x0, x1[:, None]]).T])
    z = np.hstack([z0, z1[:, None]]).T
    beta = np.linalg.lstsq(x, z, rcond=None)[0][1:]
    return _normalise(np.diag(beta @ beta.T))


def choose_v(x0: np.ndarray, x1: np.ndarray, z0: np.ndarray, z1: np.ndarray, method: str) -> np.ndarray:
    """V by ``equal``, ``regression`` or ``nested`` (module docstring); predictors already scaled.

    ``nested`` runs BFGS and Nelder-Mead from the regression and the equal start and keeps the V of lowest
    outcome loss (R ``Synth``'s search). The outer problem is not convex and finite-difference BFGS is
    sensitive to rounding there, so the lowest of several searches is what is reproducible.
    """
    x0, x1, z0, z1 = (np.ascontiguousarray(a, dtype=float) for a in (x0, x1, z0, z1))
    k = len(x1)
    equal = np.full(k, 1 / k)
    if method == "equal":
        return equal
    start = regression_v(x0, x1, z0, z1)
    if method == "regression":
        return start

    def objective(x: np.ndarray) -> float:
        return _loss(weights_for(_normalise(x), x0, x1), z0, z1)

    best, best_loss = start, objective(start)
    for x_start in (start, equal):
        for optimiser in ("BFGS", "Nelder-Mead"):
            res = minimize(objective, x_start, method=optimiser, options={"maxiter": 1000})
            if res.fun < best_loss:
                best, best_loss = _normalise(res.x), float(res.fun)
    return best


def v_loss(v: np.ndarray, x0: np.ndarray, x1: np.ndarray, z0: np.ndarray, z1: np.ndarray) -> float:
    """Mean squared outcome gap over the V periods of the weights W(V)."""
    return _loss(weights_for(v, x0, x1), np.ascontiguousarray(z0), z1)
