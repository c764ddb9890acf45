"""Nuisance models of programme evaluation, chosen by cross-validation and cross-fitted.

- Propensity score e(x) = P(D = 1 | x): candidates are penalised logistic regressions on the standardised
  covariate terms (inverse penalty C in :data:`LOGIT_C`) and, with ``"boosting"`` among the learner
  families, a histogram gradient-boosting classifier. The candidate with the lowest K-fold cross-validated
  log loss (folds stratified on D) is used.
- Outcome regressions m_d(x) = E[Y | D = d, x], fitted within each group: ridge regressions (penalties in
  :data:`RIDGE_ALPHA`) and, with ``"boosting"``, a gradient-boosting regressor; lowest cross-validated mean
  squared error wins.
- Cross-fitting (Chernozhukov et al. 2018): the units are split into K folds (stratified on D); every
  unit's e, m_0, m_1 come from models fitted on the other folds, so no unit's own outcome enters its
  nuisance predictions.

Every fit runs on one thread (deterministic, and fast at these sizes); the seed fixes folds and boosting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from workshift.errors import InputError

LEARNER_FAMILIES = ("linear", "boosting")
LOGIT_C = (0.01, 0.1, 1.0, 10.0, 100.0)
RIDGE_ALPHA = (0.1, 1.0, 10.0, 100.0, 1000.0)
CLIP = 1e-6  # propensities are kept in [CLIP, 1 - CLIP] so that no weight is infinite


def _candidates(kind: str, families: tuple[str, ...], seed: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "linear" in families:
        if kind == "propensity":
            for c in LOGIT_C:
                out[f"logistic(C={c:g})"] = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2000))
        else:
            for a in RIDGE_ALPHA:
                out[f"ridge(alpha={a:g})"] = make_pipeline(StandardScaler(), Ridge(alpha=a))
    if "boosting" in families:
        common = {"max_iter": 150, "learning_rate": 0.05, "max_leaf_nodes": 15, "min_samples_leaf": 20,
                  "random_state": seed}
        out["gradient_boosting"] = (HistGradientBoostingClassifier(**common) if kind == "propensity"
                                    else HistGradientBoostingRegressor(**common))
    return out


def parse_learners(spec: str | tuple[str, ...]) -> tuple[str, ...]:
    """Learner families from ``"linear,boosting"``."""
    items = tuple(s.strip() for s in (spec.split(",") if isinstance(spec, str) else spec) if s.strip())
    bad = [s for s in items if s not in LEARNER_FAMILIES]
    if not items or bad:
        raise InputError(f"unknown learner family {bad[0]!r}" if bad else "no learner family given",
                         hint=f"use one or more of {', '.join(LEARNER_FAMILIES)}")
    return items


def _predict(model: Any, x: np.ndarray, kind: str) -> np.ndarray:
    if kind == "propensity":
        return np.clip(model.predict_proba(x)[:, 1], CLIP, 1 - CLIP)
    return model.predict(x)


def _loss(kind: str, target: np.ndarray, prediction: np.ndarray) -> float:
    if kind == "propensity":
        return float(-np.mean(target * np.log(prediction) + (1 - target) * np.log(1 - prediction)))
    return float(np.mean((target - prediction) ** 2))


def select(kind: str, x: np.ndarray, target: np.ndarray, families: tuple[str, ...], folds: int,
           seed: int) -> tuple[str, Any, dict[str, float]]:
    """The candidate with the lowest cross-validated loss: (name, unfitted model, loss of each candidate)."""
    splitter = (StratifiedKFold(folds, shuffle=True, random_state=seed) if kind == "propensity"
                else KFold(folds, shuffle=True, random_state=seed))
    splits = list(splitter.split(x, target))
    losses: dict[str, float] = {}
    models = _candidates(kind, families, seed)
    for name, model in models.items():
        prediction = np.empty(len(target))
        for train, test in splits:
            prediction[test] = _predict(clone(model).fit(x[train], target[train]), x[test], kind)
        losses[name] = _loss(kind, target, prediction)
    best = min(losses, key=losses.get)
    return best, models[best], losses


@dataclass
class Nuisance:
    """Cross-fitted predictions for every unit, and which model produced them."""

    propensity: np.ndarray
    outcome0: np.ndarray
    outcome1: np.ndarray
    models: dict[str, dict[str, Any]]


def choose_models(x: np.ndarray, d: np.ndarray, y: np.ndarray, families: tuple[str, ...], folds: int,
                  seed: int, need_outcome1: bool) -> dict[str, tuple[str, Any, dict[str, float]]]:
    """The cross-validated choice of the propensity model and the outcome model(s)."""
    control, treated = d == 0, d == 1
    chosen = {"propensity": select("propensity", x, d, families, folds, seed),
              "outcome0": select("outcome", x[control], y[control], families, folds, seed)}
    if need_outcome1:
        chosen["outcome1"] = select("outcome", x[treated], y[treated], families, min(folds, int(treated.sum())),
                                    seed)
    return chosen


def cross_fit(x: np.ndarray, d: np.ndarray, y: np.ndarray, chosen: dict[str, tuple[str, Any, dict]],
              folds: int, seed: int) -> Nuisance:
    """Out-of-fold e, m_0 (and m_1 when chosen) for every unit, from the chosen models."""
    n = len(d)
    e, m0, m1 = np.empty(n), np.empty(n), np.full(n, np.nan)
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, d):
        e[test] = _predict(clone(chosen["propensity"][1]).fit(x[train], d[train]), x[test], "propensity")
        for key, group, out in (("outcome0", 0, m0), ("outcome1", 1, m1)):
            if key in chosen:
                rows = train[d[train] == group]
                out[test] = clone(chosen[key][1]).fit(x[rows], y[rows]).predict(x[test])
    models = {key: {"model": name, "cv_loss": losses[name], "candidates": losses,
                    "loss": "log loss" if key == "propensity" else "mean squared error"}
              for key, (name, _, losses) in chosen.items()}
    return Nuisance(e, m0, m1, models)


def fit_full(x: np.ndarray, d: np.ndarray, chosen: dict[str, tuple[str, Any, dict]]) -> np.ndarray:
    """The chosen propensity model fitted on all units (for matching, which needs one score per unit)."""
    return _predict(clone(chosen["propensity"][1]).fit(x, d), x, "propensity")
