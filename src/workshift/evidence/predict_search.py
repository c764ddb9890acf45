"""Candidate models for `workshift fit` and their cross-validated hyper-parameter search.

Every candidate is one scikit-learn pipeline: the same preprocessing (numeric: median imputation with
missing-value indicator columns, then standardisation; categorical: a "(missing)" level, then one-hot
encoding with rare and unseen levels pooled) followed by one regressor:

- ``ridge``: linear baseline (Ridge), alpha on a log grid;
- ``random_forest``: the seed's random forest;
- ``gradient_boosting``: HistGradientBoostingRegressor.

Each family gets a seeded randomised search over a small grid on the same folds; the family with the
lowest mean cross-validated MSE wins (ties go to the simpler family, in the order above).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from sklearn.model_selection import ParameterSampler
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

FAMILIES = ("ridge", "random_forest", "gradient_boosting")
MAX_CATEGORIES = 30  # one-hot columns per categorical feature; rarer levels pooled as "infrequent"
MISSING_LEVEL = "(missing)"

GRIDS: dict[str, dict[str, list[Any]]] = {
    "ridge": {"alpha": [float(a) for a in np.logspace(-3, 3, 13)]},
    "random_forest": {
        "n_estimators": [100],
        "max_depth": [None, 4, 8, 16],
        "min_samples_leaf": [1, 2, 5, 10],
        "max_features": [1.0, 0.5, "sqrt"],
    },
    "gradient_boosting": {
        "learning_rate": [0.03, 0.1, 0.3],
        "max_iter": [100, 300],
        "max_leaf_nodes": [7, 15, 31],
        "min_samples_leaf": [5, 10, 20],
        "l2_regularization": [0.0, 0.1, 1.0],
    },
}


def _regressor(family: str, seed: int, params: dict[str, Any]) -> Any:
    if family == "ridge":
        return Ridge(**params)
    if family == "random_forest":
        return RandomForestRegressor(random_state=seed, n_jobs=1, **params)
    if family == "gradient_boosting":
        return HistGradientBoostingRegressor(random_state=seed, early_stopping=False, **params)
    raise ValueError(f"unknown model family '{family}'")


def build_pipeline(family: str, numeric: list[str], categorical: list[str], seed: int,
                   params: dict[str, Any] | None = None) -> Pipeline:
    """The preprocessing + regressor pipeline of one family with the given hyper-parameters."""
    steps = []
    if numeric:
        steps.append(("numeric", Pipeline([
            ("impute", SimpleImputer(strategy="median", add_indicator=True)),
            ("scale", StandardScaler()),
        ]), numeric))
    if categorical:
        steps.append(("categorical", Pipeline([
            ("impute", SimpleImputer(strategy="constant", fill_value=MISSING_LEVEL)),
            ("onehot", OneHotEncoder(handle_unknown="infrequent_if_exist", max_categories=MAX_CATEGORIES,
                                     sparse_output=False)),
        ]), categorical))
    prep = ColumnTransformer(steps, remainder="drop", verbose_feature_names_out=False)
    return Pipeline([("prepare", prep), ("model", _regressor(family, seed, params or {}))])


def scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """MSE, MAE and R² (R² is NaN for fewer than two rows or a constant truth)."""
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    r2 = float(r2_score(y_true, y_pred)) if len(y_true) > 1 and np.ptp(y_true) > 0 else float("nan")
    return {"mse": float(mean_squared_error(y_true, y_pred)),
            "mae": float(mean_absolute_error(y_true, y_pred)), "r2": r2}


@dataclass
class SearchResult:
    family: str
    params: dict[str, Any]
    cv: dict[str, dict[str, float]]  # metric -> {mean, std} over folds, for the chosen settings
    candidates: list[dict[str, Any]]  # every family's best settings and CV MSE


def _cross_validate(pipe: Pipeline, x: pd.DataFrame, y: np.ndarray,
                    folds: list[tuple[np.ndarray, np.ndarray]]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"mse": [], "mae": [], "r2": []}
    for train, test in folds:
        fitted = pipe.fit(x.iloc[train], y[train])
        for name, value in scores(y[test], fitted.predict(x.iloc[test])).items():
            out[name].append(value)
    return out


def search(x: pd.DataFrame, y: np.ndarray, folds: list[tuple[np.ndarray, np.ndarray]],
           numeric: list[str], categorical: list[str], seed: int, n_iter: int = 8,
           families: tuple[str, ...] = FAMILIES) -> SearchResult:
    """Randomised search (``n_iter`` settings per family, seeded) on the given folds; the best family wins.

    ``folds`` are (train, test) positions into ``x``; for panels they are time-ordered, so no fold ever
    trains on a period after the one it is scored on.
    """
    best: tuple[float, str, dict[str, Any], dict[str, list[float]]] | None = None
    candidates = []
    for family in families:
        sampler = ParameterSampler(GRIDS[family], n_iter=n_iter, random_state=seed)
        settings = list({repr(sorted(p.items(), key=str)): p for p in sampler}.values())
        family_best: tuple[float, dict[str, Any], dict[str, list[float]]] | None = None
        for params in settings:
            pipe = build_pipeline(family, numeric, categorical, seed, params)
            folds_scores = _cross_validate(pipe, x, y, folds)
            mse = float(np.mean(folds_scores["mse"]))
            if family_best is None or mse < family_best[0]:
                family_best = (mse, params, folds_scores)
        assert family_best is not None
        candidates.append({"model": family, "params": family_best[1], "cv_mse": family_best[0]})
        if best is None or family_best[0] < best[0] * (1 - 1e-9):
            best = (family_best[0], family, family_best[1], family_best[2])
    assert best is not None
    cv = {name: {"mean": float(np.mean(v)), "std": float(np.std(v, ddof=1)) if len(v) > 1 else 0.0}
          for name, v in best[3].items()}
    return SearchResult(best[1], best[2], cv, candidates)
