"""The store's table contract: declared column types of every result table, and typing of the rest.

A result table is created from its declaration here, never from the values of the first frame saved into it
(an empty first frame used to type ``run_id`` and every other column as DuckDB's ``NULL`` type, after which
any real row failed to insert). Columns that a declaration does not list (tables whose columns depend on the
run, such as one column per lever and phase in ``optimize__pareto``) are typed from their pandas dtype; an
``object`` column is typed from what it holds, and an empty one as ``VARCHAR``.
"""

from __future__ import annotations

import pandas as pd

TEXT, REAL, INT, FLAG = "VARCHAR", "DOUBLE", "BIGINT", "BOOLEAN"

RUNS_DDL = ("CREATE TABLE IF NOT EXISTS runs (run_id VARCHAR PRIMARY KEY, kind VARCHAR, created VARCHAR, "
            "meta JSON)")

# <kind>__<table> -> column -> DuckDB type (every result table also has run_id VARCHAR first)
SCHEMAS: dict[str, dict[str, str]] = {
    "simulate__series": {"step": INT, "week": REAL},
    "simulate__nodes": {},
    "simulate__occupations": {},
    "calibrate__fit": {},
    "fit__metrics": {},
    "fit__importances": {"feature": TEXT, "importance": REAL},
    "plan__trajectory": {"indicator": TEXT, "region": TEXT, "period": TEXT, "projected": REAL, "lower": REAL,
                         "upper": REAL},
    "monitor__alerts": {"rule": TEXT, "indicator": TEXT, "region": TEXT, "direction": TEXT, "since": TEXT,
                        "detected": TEXT, "latest": TEXT, "message": TEXT, "action": TEXT, "shift": REAL,
                        "shift_sd": REAL, "statistic": REAL, "threshold": REAL, "active": FLAG},
    "monitor__residuals": {"indicator": TEXT, "region": TEXT, "period": TEXT, "projected": REAL, "lower": REAL,
                           "upper": REAL, "observed": REAL, "source_file": TEXT, "source_sha256": TEXT,
                           "ingested": TEXT, "z": REAL},
    "monitor__sahm": {"indicator": TEXT, "region": TEXT, "period": TEXT, "rate": REAL, "avg3": REAL,
                      "low12": REAL, "gap": REAL, "on": FLAG, "crossing": FLAG},
    "optimize__pareto": {"member": INT, "cost": REAL},
    "optimize__schedule": {},
    "optimize__baseline": {"metric": TEXT, "value": REAL},
    "evaluate__did_group_time": {},
    "evaluate__did_aggregations": {"aggregation": TEXT, "key": TEXT, "estimate": REAL, "se": REAL,
                                   "ci_low": REAL, "ci_high": REAL},
    "evaluate__synth_path": {"period": TEXT},
    "evaluate__synth_weights": {"unit": TEXT, "weight": REAL},
    "evaluate__synth_placebos": {},
    "evaluate__synth_placebo_paths": {},
}

_WIDER = {("BIGINT", "DOUBLE"), ("INTEGER", "DOUBLE"), ("BOOLEAN", "BIGINT"), ('"NULL"', "*"), ("NULL", "*")}


def dtype_type(series: pd.Series) -> str:
    """The DuckDB type of a column from its dtype (an ``object`` column: from what it holds)."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return FLAG
    if pd.api.types.is_integer_dtype(dtype):
        return INT
    if pd.api.types.is_float_dtype(dtype):
        return REAL
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "TIMESTAMP"
    if pd.api.types.is_object_dtype(dtype):
        kind = pd.api.types.infer_dtype(series, skipna=True)
        return {"floating": REAL, "integer": INT, "mixed-integer-float": REAL, "boolean": FLAG,
                "decimal": REAL}.get(kind, TEXT)
    return TEXT


def column_types(table: str, frame: pd.DataFrame) -> dict[str, str]:
    """Column -> DuckDB type for ``frame`` saved into ``table``: the declaration first, then the dtypes."""
    declared = SCHEMAS.get(table, {})
    types = {"run_id": TEXT, **declared}
    for name in frame.columns:
        if name not in types:
            types[name] = dtype_type(frame[name])
    return types


def widened(have: str, want: str) -> bool:
    """Whether a stored column of type ``have`` should be widened to ``want`` (never narrowed)."""
    return have != want and ((have, want) in _WIDER or (have, "*") in _WIDER)
