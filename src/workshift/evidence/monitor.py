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

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from workshift import tabular
from workshift.files import sha256_file
from workshift.plans import (
    DEFAULT_BAND_LEVEL,
    HEADER_ALIASES,
    KEY,
    OBSERVATION_COLUMNS,
    PLAN_COLUMNS,
    check_unique,
    keys_text,
    load_plan,
    normalise_periods,
    numeric_column,
    parse_period,
    period_text,
    save_plan,
    validate_trajectory,
)
from workshift.store import Store

__all__ = ["DEFAULT_BAND_LEVEL", "KEY", "OBSERVATION_COLUMNS", "PLAN_COLUMNS", "IngestReport", "ingest",
           "load_plan", "normalise_periods", "observations", "parse_period", "period_text", "read_observations",
           "save_plan", "validate_trajectory"]

def read_observations(path: str | Path) -> pd.DataFrame:
    """An observations file as a clean frame (indicator, region, period, value)."""
    frame = tabular.read_table(path).rename(columns=HEADER_ALIASES)
    frame.columns = [c.lower() if c.lower() in OBSERVATION_COLUMNS else c for c in frame.columns]
    tabular.require_columns(frame, list(OBSERVATION_COLUMNS), path)
    frame = keys_text(frame[list(OBSERVATION_COLUMNS)], path)
    frame["value"] = numeric_column(frame, "value", path)
    frame = frame.drop_duplicates()  # the same row twice is harmless; two values for one key are not
    check_unique(frame, path, "two values")
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
