"""Monitoring a plan: observed indicator series, the plan contract, and the check against the plan.

**Observations** (``workshift monitor ingest FILE``): a table with columns ``indicator, region, period,
value`` (Chinese headers 指标, 地区, 时期, 数值 are accepted) is merged into the store's
``observations`` table keyed by (indicator, region, period). Re-ingesting the same file changes
nothing; a new key is an insert and a changed value an update, each logged in ``observations_log``
with its source file, sha256 and time; all in one transaction.

**Plan contract** (written by the policy stage with :func:`save_plan`): a store run of kind ``plan`` whose
``trajectory`` table has columns ``indicator, region, period, projected, lower, upper`` (one row per
key, ``lower <= projected <= upper``, ``lower < upper``) and whose metadata may carry ``band_level``
(the probability that [lower, upper] covers the outcome; default 0.90), ``scenario`` (the scenario file
to re-optimise), ``units`` ({indicator: "percent" | "fraction" | ...}), ``sahm_indicators`` and ``vintage``.

**Periods** are months ``2024-03``, quarters ``2024Q1`` or years ``2024``; ``2024-03-15``, ``2024/3``,
``2024M03``, ``2024-Q1``, ``2024年3月`` and ``2024年`` are read as such. The check itself is in
:mod:`workshift.evidence.monitor_check`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from workshift.errors import DataError, InputError, NotFoundError, closest
from workshift.evidence import tabular
from workshift.files import sha256_file
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


def _numeric(frame: pd.DataFrame, column: str, file: str | Path | None, allow_missing: bool = False) -> pd.Series:
    bad = tabular.non_numeric_cells(frame[column])
    if not bad.empty:
        raise DataError(f"not a number: '{bad.iloc[0]}'", file=file, row=int(bad.index[0]) + 2, column=column)
    values = tabular.to_numeric(frame[column])
    if not allow_missing and values.isna().any():
        row = int(values.index[values.isna()][0]) + 2
        raise DataError("missing value", file=file, row=row, column=column, expected="a number")
    return values


def _keys_text(frame: pd.DataFrame, file: str | Path | None) -> pd.DataFrame:
    out = frame.copy().reset_index(drop=True)
    for column in ("indicator", "region"):
        text = out[column].map(lambda v: "" if pd.isna(v) else str(v).strip())
        if (text == "").any():
            raise DataError("missing value", file=file, row=int((text == "").idxmax()) + 2, column=column)
        out[column] = text.str.replace(r"\.0$", "", regex=True)  # region codes read as numbers: 11.0 -> 11
    out["period"] = normalise_periods(out["period"], file)
    return out


def _check_unique(frame: pd.DataFrame, file: str | Path | None, what: str) -> None:
    dup = frame.duplicated(KEY, keep="first")
    if dup.any():
        row = frame[dup].iloc[0]
        raise DataError(f"{what} given twice for {row['indicator']}, {row['region']}, {row['period']}",
                        file=file, row=int(dup.to_numpy().nonzero()[0][0]) + 2,
                        expected="one row per indicator, region and period")


def read_observations(path: str | Path) -> pd.DataFrame:
    """An observations file as a clean frame (indicator, region, period, value)."""
    frame = tabular.read_table(path).rename(columns=HEADER_ALIASES)
    frame.columns = [c.lower() if c.lower() in OBSERVATION_COLUMNS else c for c in frame.columns]
    tabular.require_columns(frame, list(OBSERVATION_COLUMNS), path)
    frame = _keys_text(frame[list(OBSERVATION_COLUMNS)], path)
    frame["value"] = _numeric(frame, "value", path)
    frame = frame.drop_duplicates()  # the same row twice is harmless; two values for one key are not
    _check_unique(frame, path, "two values")
    return frame.reset_index(drop=True)


@dataclass
class IngestReport:
    file: str
    sha256: str
    inserted: int
    updated: int
    unchanged: int


_OBS_DDL = ("CREATE TABLE IF NOT EXISTS observations (indicator VARCHAR, region VARCHAR, period VARCHAR, "
            "value DOUBLE, source_file VARCHAR, source_sha256 VARCHAR, ingested VARCHAR, "
            "PRIMARY KEY (indicator, region, period))")
_LOG_DDL = ("CREATE TABLE IF NOT EXISTS observations_log (indicator VARCHAR, region VARCHAR, period VARCHAR, "
            "action VARCHAR, old_value DOUBLE, new_value DOUBLE, source_file VARCHAR, source_sha256 VARCHAR, "
            "changed VARCHAR)")


def ingest(path: str | Path, home: str | Path | None = None) -> IngestReport:
    """Merge an observations file into the store (idempotent; see the module docstring)."""
    path = Path(path)
    incoming = read_observations(path)
    digest = sha256_file(path)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with Store(home).transaction() as con:
        con.execute(_OBS_DDL)
        con.execute(_LOG_DDL)
        con.register("incoming", incoming)
        merged = con.execute(
            "SELECT i.indicator, i.region, i.period, i.value AS new_value, o.value AS old_value "
            "FROM incoming i LEFT JOIN observations o USING (indicator, region, period)").df()
        con.unregister("incoming")
        new = merged[merged["old_value"].isna()]
        changed = merged[merged["old_value"].notna() & (merged["old_value"] != merged["new_value"])]
        for action, rows in (("insert", new), ("update", changed)):
            if rows.empty:
                continue
            log = rows.assign(action=action, source_file=str(path.resolve()), source_sha256=digest, changed=now)
            con.register("changes", log)
            con.execute("INSERT INTO observations_log BY NAME SELECT indicator, region, period, action, "
                        "old_value, new_value, source_file, source_sha256, changed FROM changes")
            con.execute("INSERT OR REPLACE INTO observations SELECT indicator, region, period, new_value, "
                        "source_file, source_sha256, changed FROM changes")
            con.unregister("changes")
    return IngestReport(str(path), digest, len(new), len(changed), len(merged) - len(new) - len(changed))


def observations(home: str | Path | None = None, indicators: list[str] | None = None) -> pd.DataFrame:
    """Stored observations (with source file and ingestion time), optionally for some indicators."""
    store = Store(home)
    columns = ["indicator", "region", "period", "value", "source_file", "source_sha256", "ingested"]
    if not store.path.exists():
        return pd.DataFrame(columns=columns)
    con = store.connect(read_only=True)
    try:
        exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'observations'"
                             ).fetchone()[0]
        if not exists:
            return pd.DataFrame(columns=columns)
        query = "SELECT * FROM observations"
        params: list[Any] = []
        if indicators:
            query += f" WHERE indicator IN ({', '.join('?' * len(indicators))})"
            params = list(indicators)
        return con.execute(query + " ORDER BY indicator, region, period", params).df()
    finally:
        con.close()


def validate_trajectory(trajectory: pd.DataFrame) -> pd.DataFrame:
    """A plan trajectory checked against the contract, periods in canonical spelling."""
    tabular.require_columns(trajectory, list(PLAN_COLUMNS))
    frame = _keys_text(trajectory[list(PLAN_COLUMNS)], None)
    for column in ("projected", "lower", "upper"):
        frame[column] = _numeric(frame, column, None)
    bad = frame[(frame["lower"] > frame["projected"]) | (frame["projected"] > frame["upper"])
                | (frame["lower"] >= frame["upper"])]
    if not bad.empty:
        row = bad.iloc[0]
        raise DataError(f"band [{row['lower']}, {row['upper']}] does not hold projection {row['projected']} "
                        f"for {row['indicator']}, {row['region']}, {row['period']}",
                        expected="lower <= projected <= upper and lower < upper")
    _check_unique(frame, None, "a projection")
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
