"""What a fitted model relies on: permutation importances and partial dependence curves.

- Permutation importance (Breiman 2001; sklearn): the rise in holdout MSE when one feature's column is
  shuffled, averaged over ``repeats`` seeded shuffles (std over the repeats alongside).
- Partial dependence (Friedman 2001): the model's average prediction over the training rows when one
  feature is set to each value of a grid (5th-95th percentile, 20 points), for the most important
  numeric features.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.inspection import partial_dependence, permutation_importance

PDP_FEATURES = 4
PDP_GRID = 20


def permutation_importances(model: Any, x: pd.DataFrame, y: np.ndarray, seed: int,
                            repeats: int = 10) -> list[dict[str, Any]]:
    """Features by falling importance: ``importance`` is the MSE increase when the feature is shuffled."""
    result = permutation_importance(model, x, y, scoring="neg_mean_squared_error", n_repeats=repeats,
                                    random_state=seed, n_jobs=1)
    rows = [{"feature": name, "importance": float(mean), "std": float(std)}
            for name, mean, std in zip(x.columns, result.importances_mean, result.importances_std, strict=True)]
    return sorted(rows, key=lambda r: -r["importance"])


def partial_dependence_curves(model: Any, x: pd.DataFrame, numeric: list[str] | tuple[str, ...],
                              importances: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Average-prediction curves for the most important numeric features."""
    ranked = [r["feature"] for r in importances if r["feature"] in numeric][:PDP_FEATURES]
    curves = []
    for name in ranked:
        rows = x[x[name].notna()]
        if rows[name].nunique() < 2:
            continue
        result = partial_dependence(model, rows, [name], grid_resolution=PDP_GRID, kind="average",
                                    percentiles=(0.05, 0.95))
        curves.append({"feature": name, "grid": [float(v) for v in result["grid_values"][0]],
                       "average": [float(v) for v in result["average"][0]]})
    return curves
