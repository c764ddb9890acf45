"""The plan contract between the policy stage (which writes a plan) and monitoring (which reads it), and the
period and key spellings both use (see :mod:`workshift.evidence.monitor` for the contract in full).

A plan is a store run of kind ``plan`` whose ``trajectory`` table has columns ``indicator, region, period,
projected, lower, upper`` (one row per key, ``lower <= projected <= upper``, ``lower < upper``). Periods are
months ``2024-03``, quarters ``2024Q1`` or years ``2024`` (``2024/3``, ``2024M03``, ``2024年3月``... read as such).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from workshift import tabular
from workshift.errors import DataError, InputError, NotFoundError, closest
from workshift.store import Store

OBSERVATION_COLUMNS = ("indicator", "region", "period", "value")
PLAN_COLUMNS = ("indicator", "region", "period", "projected", "lower", "upper")
KEY = ["indicator", "region", "period"]
HEADER_ALIASES = {"指标": "indicator", "地区": "region", "区域": "region", "时期": "period", "期间": "period",
                  "数值": "value", "值": "value"}
DEFAULT_BAND_LEVEL = 0.90

_MONTH = re.compile(r"^(\d{4})\s*(?:-|/|\.|M|年)\s*(\d{1,2})(?:\s*月)?(?:[-/.]\d{1,2}(?:[T ].*)?)?$")
_QUARTER = re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})(?:\.0)?\s*年?$")
_COMPACT_MONTH = re.compile(r"^(\d{4})(\d{2})$")


def parse_period(value: object) -> pd.Period:
    """A month, quarter or year period from the spellings in the module docstring (ValueError if none)."""
    text = str(value).strip()
    if found := _QUARTER.match(text):
        return pd.Period(year=int(found[1]), quarter=int(found[2]), freq="Q")
    if found := _YEAR.match(text):
        return pd.Period(year=int(found[1]), freq="Y")
    if found := (_MONTH.match(text) or _COMPACT_MONTH.match(text)):
        month = int(found[2])
        if 1 <= month <= 12:
            return pd.Period(year=int(found[1]), month=month, freq="M")
    raise ValueError(text)


def period_text(period: pd.Period) -> str:
    """Canonical spelling: 2024-03, 2024Q1, 2024."""
    return {"M": f"{period.year:04d}-{period.month:02d}", "Q": f"{period.year:04d}Q{period.quarter}"}.get(
        period.freqstr[0], f"{period.year:04d}")


def normalise_periods(values: pd.Series, file: str | Path | None = None) -> pd.Series:
    """Canonical period strings; the first unreadable cell is a DataError naming its file line."""
    out = []
    for position, value in enumerate(values):
        try:
            out.append(period_text(parse_period(value)))
        except ValueError:
            raise DataError(f"unreadable period '{value}'", file=file, row=position + 2, column="period",
                            expected="a month (2024-03), quarter (2024Q1) or year (2024)") from None
    return pd.Series(out, index=values.index, dtype=object)


def numeric_column(frame: pd.DataFrame, column: str, file: str | Path | None, allow_missing: bool = False) -> pd.Series:
    bad = tabular.non_numeric_cells(frame[column])
    if not bad.empty:
        raise DataError(f"not a number: '{bad.iloc[0]}'", file=file, row=int(bad.index[0]) + 2, column=column)
    values = tabular.to_numeric(frame[column])
    if not allow_missing and values.isna().any():
        row = int(values.index[values.isna()][0]) + 2
        raise DataError("missing value", file=file, row=row, column=column, expected="a number")
    return values


def keys_text(frame: pd.DataFrame, file: str | Path | None) -> pd.DataFrame:
    out = frame.copy().reset_index(drop=True)
    for column in ("indicator", "region"):
        text = out[column].map(lambda v: "" if pd.isna(v) else str(v).strip())
        if (text == "").any():
            raise DataError("missing value", file=file, row=int((text == "").idxmax()) + 2, column=column)
        out[column] = text.str.replace(r"\.0$", "", regex=True)  # region codes read as numbers: 11.0 -> 11
    out["period"] = normalise_periods(out["period"], file)
    return out


def check_unique(frame: pd.DataFrame, file: str | Path | None, what: str) -> None:
    dup = frame.duplicated(KEY, keep="first")
    if dup.any():
        row = frame[dup].iloc[0]
        raise DataError(f"{what} given twice for {row['indicator']}, {row['region']}, {row['period']}",
                        file=file, row=int(dup.to_numpy().nonzero()[0][0]) + 2,
                        expected="one row per indicator, region and period")


def validate_trajectory(trajectory: pd.DataFrame) -> pd.DataFrame:
    """A plan trajectory checked against the contract, periods in canonical spelling."""
    tabular.require_columns(trajectory, list(PLAN_COLUMNS))
    frame = keys_text(trajectory[list(PLAN_COLUMNS)], None)
    for column in ("projected", "lower", "upper"):
        frame[column] = numeric_column(frame, column, None)
    bad = frame[(frame["lower"] > frame["projected"]) | (frame["projected"] > frame["upper"])
                | (frame["lower"] >= frame["upper"])]
    if not bad.empty:
        row = bad.iloc[0]
        raise DataError(f"band [{row['lower']}, {row['upper']}] does not hold projection {row['projected']} "
                        f"for {row['indicator']}, {row['region']}, {row['period']}",
                        expected="lower <= projected <= upper and lower < upper")
    check_unique(frame, None, "a projection")
    return frame


def save_plan(plan_id: str, trajectory: pd.DataFrame, meta: dict[str, Any], home: str | Path | None = None) -> str:
    """Store a plan under the contract of the module docstring; returns its id (a run id)."""
    if not plan_id or not plan_id.strip():
        raise InputError("a plan needs a non-empty id")
    level = float(meta.get("band_level", DEFAULT_BAND_LEVEL))
    if not 0 < level < 1:
        raise InputError(f"band_level {level} is out of range (expected 0 < band_level < 1)")
    store = Store(home)
    if any(run.run_id == plan_id for run in store.runs()):
        raise InputError(f"a run '{plan_id}' already exists", hint="give the new plan another id")
    frame = validate_trajectory(trajectory)
    return store.save_run("plan", {"band_level": level, **meta}, {"trajectory": frame}, run_id=plan_id)


def load_plan(plan_id: str, home: str | Path | None = None) -> tuple[dict[str, Any], pd.DataFrame]:
    """A stored plan's metadata and trajectory (NotFoundError with the closest plan id)."""
    store = Store(home)
    plans = {run.run_id: run for run in store.runs("plan")}
    if plan_id not in plans:
        guess = closest(plan_id, list(plans))
        hint = f"did you mean '{guess}'?" if guess else (
            f"stored plans: {', '.join(sorted(plans))}" if plans else "no plans are stored yet")
        raise NotFoundError(f"no plan '{plan_id}' in {store.path}", hint=hint)
    return plans[plan_id].meta, store.table(plan_id, "trajectory")
