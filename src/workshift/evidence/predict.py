"""Honest predictive models from a user's table: `workshift fit` and `workshift predict`.

The seed trained a random forest on ``就业数据.csv`` and scored it on its own training rows. Here the
rows are cut into three parts that never overlap (docs/predict.md):

1. a **holdout** (the last 20 % of periods for panels, a seeded random 20 % otherwise), never seen by
   model choice or calibration, scored once at the end against a naive baseline;
2. a **calibration** split (the last 25 % of the remaining periods, or a random 25 %) for split-conformal
   prediction intervals;
3. the **training** split, on which :func:`predict_search.search` picks the model family and its
   hyper-parameters by cross-validation (expanding time-ordered folds for panels).

With ``time`` given, every split is by period: each training fold ends before its test fold begins,
and so do training < calibration < holdout. The saved model is refitted on all rows.

**Small tables** (:data:`SMALL_MIN_ROWS` up to the three-way minimum, without ``time``) cannot spare a
holdout and a calibration split. They are fitted with leave-one-out cross-validation instead: the model is
chosen by leave-one-out error, the scores reported under ``holdout`` are its leave-one-out predictions
(``splits.method = 'leave-one-out'``), and the interval is the jackknife one (the conformal rank of the
absolute leave-one-out residuals). ``meta['warning']`` says what so few rows can support.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from workshift import tabular
from workshift.errors import DataError, InputError, NotFoundError, closest
from workshift.evidence import predict_explain
from workshift.evidence.predict_search import FAMILIES, build_pipeline, scores, search
from workshift.files import atomic_path, sha256_file, write_text_atomic
from workshift.provenance import environment
from workshift.store import Store

MIN_ROWS = 50
SMALL_MIN_ROWS = 10
MIN_PERIODS = 5
HOLDOUT_SHARE = 0.20
CALIBRATION_SHARE = 0.25
DEFAULT_LEVEL = 0.90
MODEL_FORMAT = 1


@dataclass
class Schema:
    """What a model reads: its target, feature columns by kind, and the panel columns."""

    target: str
    numeric: list[str]
    categorical: list[str]
    time: str | None = None
    group: str | None = None

    @property
    def features(self) -> list[str]:
        return self.numeric + self.categorical


@dataclass
class Splits:
    """Row positions of each split; ``folds`` are (train, test) positions into ``train``."""

    train: np.ndarray
    calibration: np.ndarray
    holdout: np.ndarray
    folds: list[tuple[np.ndarray, np.ndarray]]
    by_time: bool


@dataclass
class FitResult:
    pipeline: Any
    schema: Schema
    meta: dict[str, Any]
    splits: Splits
    partial_dependence: list[dict[str, Any]] = field(default_factory=list)


def _time_key(values: pd.Series, file: str | None, column: str) -> np.ndarray:
    """Sortable numbers for a time column: numbers as they are, dates/periods as nanoseconds."""
    if values.isna().any():
        row = int(np.flatnonzero(values.isna().to_numpy())[0])
        raise DataError("missing time value", file=file, row=row + 2, column=column)
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype=float)
    try:
        return pd.to_datetime(values.astype(str), format="mixed").to_numpy(dtype="datetime64[ns]").astype(float)
    except (ValueError, TypeError):
        bad = values.iloc[0]
        raise DataError(f"time value '{bad}' is neither a number nor a date", file=file, column=column,
                        expected="years, periods like 2024-03, or dates") from None


def prepare(frame: pd.DataFrame, target: str, features: list[str] | None = None, time: str | None = None,
            group: str | None = None, file: str | None = None) -> tuple[pd.DataFrame, np.ndarray, Schema, dict]:
    """Clean a table for fitting; returns (rows, target values, schema, cleaning report)."""
    named = [target] + (features or []) + [c for c in (time, group) if c]
    tabular.require_columns(frame, named, file)
    tabular.check_magnitude(frame, named if features else [c for c in frame.columns if c not in (time, group)],
                            file)
    rows, duplicates = tabular.drop_duplicate_rows(frame)
    bad = tabular.non_numeric_cells(rows[target])
    if not bad.empty:
        raise DataError(f"target is not numeric: '{bad.iloc[0]}'", file=file, row=int(bad.index[0]) + 2,
                        column=target, expected="numbers (a regression target)")
    y_all = tabular.to_numeric(rows[target])
    missing_target = int(y_all.isna().sum())
    rows = rows[y_all.notna()].reset_index(drop=True)
    y = y_all.dropna().to_numpy(dtype=float)
    if features is None:
        features = [c for c in rows.columns if c not in (target, time, group)]
    if not features:
        raise InputError("no feature columns left besides the target, time and group columns")
    if group and time:
        dup = rows.duplicated([group, time])
        if dup.any():
            first = rows[dup].iloc[0]
            raise DataError(f"duplicated panel rows for {group}={first[group]!r}, {time}={first[time]!r}",
                            file=file, row=int(np.flatnonzero(dup.to_numpy())[0]) + 2,
                            expected="one row per group and period")
    numeric = [c for c in features if pd.api.types.is_numeric_dtype(rows[c]) and not
               pd.api.types.is_bool_dtype(rows[c])]
    categorical = [c for c in features if c not in numeric]
    for c in categorical:
        _stray_text(rows[c], c, file)
    schema = Schema(target, numeric, categorical, time, group)
    report = {"rows_read": int(len(frame)), "duplicate_rows_dropped": duplicates,
              "missing_target_dropped": missing_target, "rows_used": int(len(rows)),
              "missing_cells": {c: int(rows[c].isna().sum()) for c in features if rows[c].isna().any()}}
    return rows, y, schema, report


STRAY_SHARE = 0.05  # a column numeric but for at most this share of its cells is a numeric column with typos


def _stray_text(values: pd.Series, column: str, file: str | None) -> None:
    """A mostly numeric column with a few text cells is a typo to fix, not a category (never silently)."""
    present = values.dropna()
    bad = tabular.non_numeric_cells(present)
    if len(present) >= 10 and 0 < len(bad) <= max(1, STRAY_SHARE * len(present)):
        raise DataError(f"is numeric except {len(bad)} cell(s), first '{bad.iloc[0]}'", file=file, column=column,
                        expected="a number in every cell (or leave it empty: missing values are imputed)")


def design(rows: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """The model's input columns, coerced the same way at fit and predict time."""
    x = pd.DataFrame(index=rows.index)
    for c in schema.numeric:
        x[c] = tabular.to_numeric(rows[c])
    for c in schema.categorical:
        x[c] = rows[c].map(lambda v: v if pd.isna(v) else str(v)).astype(object)
    return x


def make_splits(n: int, times: np.ndarray | None, seed: int, folds: int, level: float) -> Splits:
    """Training / calibration / holdout positions and CV folds (see the module docstring)."""
    need_cal = min_calibration_rows(level)
    minimum = max(MIN_ROWS, math.ceil((need_cal + 1) / (CALIBRATION_SHARE * (1 - HOLDOUT_SHARE))))
    if times is None and max(SMALL_MIN_ROWS, need_cal + 1) <= n < minimum:
        every = np.arange(n)  # leave-one-out: each row is once the test fold
        loo = [(np.delete(every, i), np.array([i])) for i in range(n)]
        return Splits(every, np.array([], dtype=int), np.array([], dtype=int), loo, by_time=False)
    if n < minimum:
        raise DataError(f"too few rows for cross-validation and a {level:.0%} interval: {n}",
                        expected=f"at least {max(SMALL_MIN_ROWS, need_cal + 1)} rows after cleaning "
                                 f"(leave-one-out; {minimum} for a holdout)" if times is None else
                                 f"at least {minimum} rows after cleaning")
    if times is None:
        order = np.random.default_rng(seed).permutation(n)
        n_hold = math.ceil(HOLDOUT_SHARE * n)
        n_cal = math.ceil(CALIBRATION_SHARE * (n - n_hold))
        holdout, calibration, train = order[:n_hold], order[n_hold:n_hold + n_cal], order[n_hold + n_cal:]
        k = min(folds, len(train) // 5)
        chunks = np.array_split(np.random.default_rng(seed + 1).permutation(len(train)), k)
        fold_list = [(np.sort(np.concatenate(chunks[:i] + chunks[i + 1:])), np.sort(chunks[i])) for i in range(k)]
        return Splits(np.sort(train), np.sort(calibration), np.sort(holdout), fold_list, by_time=False)
    periods = np.unique(times)
    if len(periods) < MIN_PERIODS:
        raise DataError(f"too few periods for time-ordered validation: {len(periods)}",
                        expected=f"at least {MIN_PERIODS} distinct time values")
    n_hold = max(1, round(HOLDOUT_SHARE * len(periods)))
    n_cal = max(1, round(CALIBRATION_SHARE * (len(periods) - n_hold)))
    train_periods = periods[: len(periods) - n_hold - n_cal]
    cal_start, hold_start = periods[len(train_periods)], periods[len(periods) - n_hold]
    train = np.flatnonzero(times < cal_start)
    calibration = np.flatnonzero((times >= cal_start) & (times < hold_start))
    holdout = np.flatnonzero(times >= hold_start)
    if len(calibration) < need_cal:
        raise DataError(f"too few rows in the calibration periods for a {level:.0%} interval: {len(calibration)}",
                        expected=f"at least {need_cal} rows in the last {n_cal} periods before the holdout")
    # Expanding window over the training periods: fold i trains on the first blocks, tests on the next.
    k = min(folds, len(train_periods) - 1)
    blocks = np.array_split(train_periods, k + 1)
    t_train = times[train]
    fold_list = [(np.flatnonzero(t_train < blocks[i][0]), np.flatnonzero(np.isin(t_train, blocks[i])))
                 for i in range(1, k + 1)]
    return Splits(train, calibration, holdout, fold_list, by_time=True)


def baseline_predictions(y_known: np.ndarray, rows_known: pd.DataFrame, rows_new: pd.DataFrame,
                         schema: Schema) -> tuple[str, np.ndarray]:
    """The naive forecast: the known mean; for time-ordered data the last known value (per group)."""
    mean = float(np.mean(y_known))
    if not schema.time:
        return "mean", np.full(len(rows_new), mean)
    times = _time_key(rows_known[schema.time], None, schema.time)
    known = pd.DataFrame({"y": y_known, "t": times,
                          "g": rows_known[schema.group].to_numpy() if schema.group else 0})
    last = known.sort_values("t").groupby("g")["y"].last()
    keys = rows_new[schema.group].to_numpy() if schema.group else np.zeros(len(rows_new))
    return "last_value", pd.Series(keys).map(last).fillna(mean).to_numpy(dtype=float)


def _conformal_rank(n: int, level: float) -> int:
    return math.ceil((n + 1) * level - 1e-9)  # the tolerance keeps 0.9 * 20 from rounding up to 19


def min_calibration_rows(level: float) -> int:
    """The smallest calibration size n with ceil((n + 1) level) <= n (9 for 90 %, 19 for 95 %)."""
    n = 1
    while _conformal_rank(n, level) > n:
        n += 1
    return n


def conformal_halfwidth(residuals: np.ndarray, level: float) -> float:
    """Split-conformal half-width: the ceil((n + 1) level)-th smallest absolute calibration residual."""
    r = np.sort(np.abs(residuals))
    rank = _conformal_rank(len(r), level)
    if rank > len(r):
        raise DataError(f"{len(r)} calibration rows cannot give a {level:.0%} interval",
                        expected=f"at least {min_calibration_rows(level)}")
    return float(r[rank - 1])


def fit(frame: pd.DataFrame, target: str, features: list[str] | None = None, time: str | None = None,
        group: str | None = None, seed: int = 0, level: float = DEFAULT_LEVEL, folds: int = 5,
        n_iter: int = 4, file: str | None = None, families: list[str] | tuple[str, ...] | None = None) -> FitResult:
    """Clean, choose, calibrate, score and refit a model (see the module docstring)."""
    # Many small fits: one OpenMP thread each is several times faster than oversubscribed threads.
    with threadpool_limits(limits=1, user_api="openmp"):
        return _fit(frame, target, features, time, group, seed, level, folds, n_iter, file, families)


def _fit(frame: pd.DataFrame, target: str, features: list[str] | None, time: str | None, group: str | None,
         seed: int, level: float, folds: int, n_iter: int, file: str | None,
         families: list[str] | tuple[str, ...] | None) -> FitResult:

    if not 0.5 <= level < 1:
        raise InputError(f"interval level {level} is out of range (expected 0.5 <= level < 1)")
    for family in families or ():
        if family not in FAMILIES:
            guess = closest(family, FAMILIES)
            raise InputError(f"unknown model family '{family}' (expected: {', '.join(FAMILIES)})",
                             hint=f"did you mean '{guess}'?" if guess else None)
    if n_iter < 1:
        raise InputError(f"n_iter = {n_iter} must be at least 1", parameter="n_iter")
    if folds < 2:
        raise InputError(f"folds = {folds} must be at least 2", parameter="folds")
    rows, y, schema, cleaning = prepare(frame, target, features, time, group, file)
    x = design(rows, schema)
    times = _time_key(rows[time], file, time) if time else None
    splits = make_splits(len(rows), times, seed, folds, level)
    if len(splits.holdout) == 0:
        return _fit_small(x, y, rows, schema, splits, seed, level, n_iter, families, cleaning)
    tr, cal, hold = splits.train, splits.calibration, splits.holdout
    found = search(x.iloc[tr], y[tr], splits.folds, schema.numeric, schema.categorical, seed, n_iter,
                   tuple(families or FAMILIES))

    def fitted(positions: np.ndarray) -> Any:
        pipe = build_pipeline(found.family, schema.numeric, schema.categorical, seed, found.params)
        return pipe.fit(x.iloc[positions], y[positions])

    halfwidth = conformal_halfwidth(y[cal] - fitted(tr).predict(x.iloc[cal]), level)
    dev = np.sort(np.concatenate([tr, cal]))
    dev_model = fitted(dev)
    pred_hold = dev_model.predict(x.iloc[hold])
    method, base = baseline_predictions(y[dev], rows.iloc[dev], rows.iloc[hold], schema)
    coverage = float(np.mean(np.abs(y[hold] - pred_hold) <= halfwidth))
    final = fitted(np.arange(len(rows)))
    importances = predict_explain.permutation_importances(dev_model, x.iloc[hold], y[hold], seed)
    meta: dict[str, Any] = {
        "target": target, "features": schema.features, "numeric": schema.numeric,
        "categorical": schema.categorical, "time": time, "group": group, "seed": seed,
        "cv": found.cv, "holdout": scores(y[hold], pred_hold),
        "baseline": {"method": method, **scores(y[hold], base)},
        "model": {"name": found.family, "params": found.params, "candidates": found.candidates},
        "interval": {"method": "split-conformal", "level": level, "halfwidth": halfwidth,
                     "calibration_rows": int(len(cal)), "holdout_coverage": coverage},
        "importances": importances,
        "splits": _split_summary(splits, times),
        "cleaning": cleaning,
    }
    pdp = predict_explain.partial_dependence_curves(final, x, schema.numeric, importances)
    return FitResult(final, schema, meta, splits, pdp)


def small_sample_warning(n: int) -> str:
    """What a fit on ``n`` rows (fewer than the three-way minimum) can and cannot support."""
    return (f"only {n} rows: the model was chosen and scored by leave-one-out cross-validation, with no "
            f"untouched holdout; treat its scores and intervals as rough, and its importances as descriptive "
            f"(at least {MIN_ROWS} rows give an honest holdout)")


def _fit_small(x: pd.DataFrame, y: np.ndarray, rows: pd.DataFrame, schema: Schema, splits: Splits, seed: int,
               level: float, n_iter: int, families, cleaning: dict) -> FitResult:
    """Leave-one-out choice, scores and jackknife interval for a small table (see the module docstring)."""

    n = len(y)
    found = search(x, y, splits.folds, schema.numeric, schema.categorical, seed, n_iter, tuple(families or FAMILIES))
    loo = np.empty(n)
    for train, test in splits.folds:
        pipe = build_pipeline(found.family, schema.numeric, schema.categorical, seed, found.params)
        loo[test] = pipe.fit(x.iloc[train], y[train]).predict(x.iloc[test])
    halfwidth = conformal_halfwidth(y - loo, level)
    cv = {**found.cv, "r2": {"mean": scores(y, loo)["r2"], "std": 0.0}}  # one-row folds have no R² each
    base = np.array([np.delete(y, i).mean() for i in range(n)])  # the leave-one-out mean
    final = build_pipeline(found.family, schema.numeric, schema.categorical, seed, found.params).fit(x, y)
    importances = predict_explain.permutation_importances(final, x, y, seed)
    meta: dict[str, Any] = {
        "target": schema.target, "features": schema.features, "numeric": schema.numeric,
        "categorical": schema.categorical, "time": None, "group": None, "seed": seed,
        "cv": cv, "holdout": scores(y, loo), "baseline": {"method": "mean", **scores(y, base)},
        "model": {"name": found.family, "params": found.params, "candidates": found.candidates},
        "interval": {"method": "jackknife (leave-one-out residuals)", "level": level, "halfwidth": halfwidth,
                     "calibration_rows": n, "holdout_coverage": float(np.mean(np.abs(y - loo) <= halfwidth))},
        "importances": importances,
        "splits": {"by_time": False, "method": "leave-one-out", "train_rows": n, "calibration_rows": 0,
                   "holdout_rows": 0, "cv_folds": n},
        "cleaning": cleaning, "warning": small_sample_warning(n),
    }
    pdp = predict_explain.partial_dependence_curves(final, x, schema.numeric, importances)
    return FitResult(final, schema, meta, splits, pdp)


def _split_summary(splits: Splits, times: np.ndarray | None) -> dict[str, Any]:
    out: dict[str, Any] = {"by_time": splits.by_time, "train_rows": int(len(splits.train)),
                           "calibration_rows": int(len(splits.calibration)),
                           "holdout_rows": int(len(splits.holdout)), "cv_folds": len(splits.folds)}
    if times is not None:
        for name, pos in (("train", splits.train), ("calibration", splits.calibration),
                          ("holdout", splits.holdout)):
            out[f"{name}_time_range"] = [float(times[pos].min()), float(times[pos].max())]
    return out


def predict(pipeline: Any, meta: dict[str, Any], frame: pd.DataFrame, file: str | None = None) -> pd.DataFrame:
    """Predictions with conformal intervals for new rows (the input columns are kept)."""
    schema = Schema(meta["target"], meta["numeric"], meta["categorical"], meta.get("time"), meta.get("group"))
    tabular.require_columns(frame, schema.features, file)
    for c in schema.numeric:
        bad = tabular.non_numeric_cells(frame[c])
        if not bad.empty:
            raise DataError(f"not a number: '{bad.iloc[0]}'", file=file, row=int(bad.index[0]) + 2, column=c,
                            expected="numbers, as in the training data")
    tabular.check_magnitude(frame, schema.numeric, file)
    point = pipeline.predict(design(frame, schema))
    half = float(meta["interval"]["halfwidth"])
    out = frame.copy()
    out["prediction"] = point
    out["lower"] = point - half
    out["upper"] = point + half
    return out


def versions() -> dict[str, str]:
    """Library versions a model was fitted with (a mismatch at load time is reported)."""
    return environment(extra=("joblib",))


def sidecar_path(model_path: str | Path) -> Path:
    return Path(model_path).with_suffix(".json")


def save_model(result: FitResult, path: str | Path, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write the pipeline (joblib) and its metadata (JSON sidecar ``<path stem>.json``), each atomically.

    The returned metadata carries ``model_sha256``, the file's hash: ``workshift fit`` records it in the
    store, and :func:`load_model` loads only files whose hash a ``fit`` run of the store recorded.
    """
    import joblib

    meta = {**result.meta, "partial_dependence": result.partial_dependence, "data": data or {},
            "versions": versions(), "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "model_file": Path(path).name, "format": MODEL_FORMAT}
    with atomic_path(path) as tmp:
        joblib.dump({"pipeline": result.pipeline, "meta": meta}, tmp)
        digest = sha256_file(tmp)
    meta["model_sha256"] = digest
    write_text_atomic(sidecar_path(path), json.dumps(meta, indent=2, ensure_ascii=False, default=str))
    return meta


def trusted_model_hashes(home: str | Path | None = None) -> set[str]:
    """sha256 of every model file a ``fit`` run of the store wrote."""

    return {run.meta["model_sha256"] for run in Store(home).runs("fit") if run.meta.get("model_sha256")}


def load_model(path: str | Path, home: str | Path | None = None) -> tuple[Any, dict[str, Any], list[str]]:
    """The pipeline, its metadata and warnings (library versions that differ from the fitting ones).

    A model file is a pickle, and unpickling can run code: a file is loaded only when its sha256 is one that
    a ``workshift fit`` run of this store recorded (:func:`trusted_model_hashes`); any other file (edited,
    copied from elsewhere, crafted) is refused before it is read as a pickle.
    """
    import joblib

    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"no model file at {path}", hint="fit one with `workshift fit DATA.csv --target COLUMN`")
    digest = sha256_file(path)
    if digest not in trusted_model_hashes(home):
        raise DataError(f"not a Workshift model file of this store (sha256 {digest[:12]}... was not recorded by "
                        "`workshift fit`): refusing to load it, since a model file can run code", file=path,
                        hint="fit the model again with this store (`workshift fit DATA --target COLUMN`)")
    try:
        bundle = joblib.load(path)
        pipeline, meta = bundle["pipeline"], bundle["meta"]
    except Exception as exc:  # a truncated or foreign file fails in many ways inside unpickling
        raise DataError(f"not a Workshift model file ({type(exc).__name__})", file=path,
                        expected="a file written by `workshift fit`") from None
    now = versions()
    warnings = [f"{lib} {was} at fit time, {now.get(lib)} now" for lib, was in meta.get("versions", {}).items()
                if lib in ("scikit-learn", "numpy") and now.get(lib) != was]
    return pipeline, meta, warnings
