"""State employment by occupation (OEWS May 2025 area cells) and monthly US macro series."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd

from workshift.data import schemas
from workshift.data.reading import MISSING_TOKENS, Reader
from workshift.errors import DataError

OEWS_SQLITE = "oews/oews-2025.sqlite.gz"
UNEMPLOYMENT = "macro/us_unemployment_rate_monthly_1948_2018.csv"
JOB_OPENINGS = "macro/us_job_openings_rate_jolts_2000_2018.csv"

# FIPS state code -> USPS two-letter code (50 states, DC, and the territories OEWS publishes).
POSTAL = dict(zip(
    "01 02 04 05 06 08 09 10 11 12 13 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 "
    "40 41 42 44 45 46 47 48 49 50 51 53 54 55 56 60 66 69 72 78".split(),
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH "
    "OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR VI".split(), strict=True))


def _number(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values.where(~values.isin(MISSING_TOKENS)), errors="coerce")


def build_state_employment(reader: Reader, occupations: pd.DataFrame, cache_dir: Path
                           ) -> tuple[pd.DataFrame, dict]:
    """Cross-industry employment and mean wage of each occupation in each state (area type 'S')."""
    path = reader.gunzip_cached(OEWS_SQLITE, cache_dir)
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            areas = pd.read_sql_query("SELECT area_code, state_code, area_name FROM area WHERE areatype_code = 'S'",
                                      con)
            cells = pd.read_sql_query(
                "SELECT substr(key, 5, 7) AS area_code, substr(key, 18, 6) AS occ, v01, v04 FROM cell "
                "WHERE key LIKE 'OEUS%' AND substr(key, 12, 6) = '000000'", con)
        finally:
            con.close()
    except (sqlite3.DatabaseError, pd.errors.DatabaseError) as exc:
        cached = Path(path)
        cached.unlink(missing_ok=True)  # never keep a bad decompressed copy
        raise DataError(f"is not a readable OEWS SQLite database ({exc})", file=reader.path(OEWS_SQLITE),
                        expected="tables area and cell with keys 'OEU'+area type+area+industry+occupation") from exc
    if cells.empty or areas.empty:
        raise DataError("has no state cells", file=reader.path(OEWS_SQLITE), expected="cells with area type 'S'")
    areas["state"] = areas["state_code"].map(POSTAL)
    cells["soc_code"] = cells["occ"].str.slice(0, 2) + "-" + cells["occ"].str.slice(2)
    cells = cells[cells["soc_code"].isin(occupations["soc_code"])]
    cells = cells.merge(areas[["area_code", "state"]], on="area_code")
    frame = pd.DataFrame({"state": cells["state"], "soc_code": cells["soc_code"],
                          "employment": _number(cells["v01"]), "wage_mean": _number(cells["v04"])})
    frame = frame.dropna(subset=["state"]).sort_values(["state", "soc_code"], ignore_index=True)
    facts = {"states": int(frame["state"].nunique()), "cells": len(frame),
             "employment_suppressed": int(frame["employment"].isna().sum()),
             "wage_suppressed": int(frame["wage_mean"].isna().sum())}
    return frame, facts


def build_macro(reader: Reader) -> pd.DataFrame:
    """Monthly series: 'unemployment_rate' (BLS LNS14000000) and 'job_openings_rate' (JOLTS), percent."""
    unemp = reader.table(UNEMPLOYMENT, schemas.UNEMPLOYMENT)
    months = [c for c in unemp.columns if c != "Year"]
    long = unemp.melt(id_vars="Year", value_vars=months, var_name="month", value_name="value").dropna()
    long["date"] = pd.to_datetime(long["Year"].astype(str) + "-" + long["month"], format="%Y-%b")
    jolts = reader.table(JOB_OPENINGS, schemas.JOB_OPENINGS)
    jolts["date"] = pd.to_datetime(jolts["Year"].astype(str) + "-" + jolts["Period"].str.slice(1), format="%Y-%m")
    macro = pd.concat([
        pd.DataFrame({"series": "unemployment_rate", "date": long["date"], "value": long["value"]}),
        pd.DataFrame({"series": "job_openings_rate", "date": jolts["date"], "value": jolts["JobOpenings"]}),
    ], ignore_index=True)
    macro["value"] = macro["value"].astype(float)
    return macro.sort_values(["series", "date"], ignore_index=True)
