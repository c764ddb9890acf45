"""Readers of the international sources: ILOSTAT employment by occupation (observed 2-digit, ILO modelled
major groups), EU-LFS 3-digit counts, earnings by major group, the ISCO-08 structure, informality, and China's
monthly urban unemployment. Every count comes back in persons (ILOSTAT and EU-LFS publish thousands)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from workshift.data import registry, schemas
from workshift.data.reading import Reader
from workshift.errors import DataError

ILO_DIR = "international/ilostat"
OC2 = ILO_DIR + "/emp_temp_sex_oc2_nb/ddf--datapoints--emp_temp_sex_oc2_nb--by--ref_area-{iso3}--sex--classif1--time.csv"
MODELLED = ILO_DIR + "/emp_2emp_sex_ocu_nb/ddf--datapoints--emp_2emp_sex_ocu_nb--by--ref_area-{iso3}--sex--classif1--time.csv"
EARNINGS = (ILO_DIR + "/ear_emta_sex_ocu_cur_nb/ddf--datapoints--ear_emta_sex_ocu_cur_nb--by--ref_area-{iso3}--sex--"
            "classif1--classif2--time.csv")
SECTORS = ILO_DIR + "/emp_temp_sex_eco_nb/ddf--datapoints--emp_temp_sex_eco_nb--by--ref_area-chn--sex--classif1--time.csv"
EU_LFS = "international/nesta_career_causeways/{country}_breakdown_by_isco_w_risk.csv"
EU_LFS_COUNTRIES = ("uk", "fra", "ita")
EU_LFS_YEAR = "2018"
NBS_MONTHLY = "international/china_nbs/china_urban_surveyed_unemployment_monthly.csv"
ISCO_STRUCTURE = "classifications/isco08/isco08_structure_pgmyrek.json"
INFORMALITY = "flexible_work/ilostat/ilostat_informal_employment_rate_by_sex_EMP_NIFL_SEX_RT_A_2024-07.csv"
THOUSAND = 1000.0


def isco_structure(reader: Reader) -> pd.DataFrame:
    """Every ISCO-08 group and unit: ``code`` ('2', '25', '251', '2512'), ``title``, ``level`` (digits)."""
    path = reader.path(ISCO_STRUCTURE)
    try:
        tree = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"is not readable JSON ({exc})", file=path, expected="the ISCO-08 structure tree") from exc
    rows: list[tuple[str, str]] = []

    def walk(node: dict) -> None:
        for child in node.get("children", []):
            code, _, title = str(child.get("name", "")).partition(" - ")
            if not code.isdigit():
                raise DataError(f"node '{child.get('name')}' has no ISCO code", file=path,
                                expected="names 'CODE - Title'")
            rows.append((code, title.strip()))
            walk(child)

    walk(tree)
    frame = pd.DataFrame(rows, columns=["code", "title"]).drop_duplicates("code")
    frame["level"] = frame["code"].str.len()
    return frame.sort_values("code", ignore_index=True)


def oc2_employment(reader: Reader, iso3: str, year: int | None = None) -> tuple[pd.Series, dict]:
    """Observed employment by ISCO-08 sub-major group (persons) of the latest year (or ``year``), both sexes.

    The 'not elsewhere classified' group is returned in the facts, not in the series.
    """
    rel = OC2.format(iso3=iso3)
    raw = reader.table(rel, schemas.ilostat("ILOSTAT employment by ISCO-08 2-digit", "emp_temp_sex_oc2_nb"))
    part = raw[(raw["sex"] == "sex_t") & raw["classif1"].str.startswith("oc2_isco08_")]
    if part.empty:
        raise DataError("has no ISCO-08 rows for both sexes", file=reader.path(rel), expected="classif1 oc2_isco08_*")
    years = sorted(part.loc[part["classif1"] == "oc2_isco08_total", "time"].unique())
    year = int(year or years[-1])
    rows = part[part["time"] == year].set_index(part.loc[part["time"] == year, "classif1"].str.slice(11))
    value = rows["emp_temp_sex_oc2_nb"].astype(float) * THOUSAND
    groups = value[value.index.str.fullmatch(r"\d{2}")]
    facts = {"year": year, "published_total": float(value.get("total", np.nan)),
             "not_classified": float(value.get("x", 0.0)), "years": [int(y) for y in years], "file": rel}
    return groups.sort_index(), facts


def modelled_major(reader: Reader, iso3: str) -> pd.DataFrame:
    """ILO modelled employment by ISCO-08 major group (persons), both sexes: ``time``, ``group``, ``employment``.

    ``group`` is the major group's digit, '96' for the merged groups 6 and 9, 'total' for the total.
    """
    rel = MODELLED.format(iso3=iso3)
    raw = reader.table(rel, schemas.ilostat("ILO modelled employment by major group", "emp_2emp_sex_ocu_nb"))
    part = raw[(raw["sex"] == "sex_t") & raw["classif1"].str.startswith("ocu_details_")]
    return pd.DataFrame({"time": part["time"].astype(int), "group": part["classif1"].str.slice(12),
                         "employment": part["emp_2emp_sex_ocu_nb"].astype(float) * THOUSAND}).reset_index(drop=True)


def eu_lfs_minor(reader: Reader, country: str, year: str = EU_LFS_YEAR) -> pd.Series:
    """EU-LFS employment by ISCO-08 minor group (persons) of one year; masked cells ('x') absent."""
    raw = reader.table(EU_LFS.format(country=country), schemas.EU_LFS_MINOR)
    value = pd.to_numeric(raw[year], errors="coerce") * THOUSAND
    return pd.Series(value.to_numpy(), index=raw["isco_code"].to_numpy()).dropna().groupby(level=0).sum()


def earnings_by_major(reader: Reader, iso3: str) -> tuple[pd.Series, dict] | None:
    """Mean monthly earnings by ISCO-08 major group, local currency, of the latest year with every group
    present; None where ILOSTAT has no file for the country."""
    rel = EARNINGS.format(iso3=iso3)
    if not any(f.path == rel for src in registry.load_registry().values() for f in src.files):
        return None  # ILOSTAT publishes no earnings by occupation for this country in the mirror
    if reader.path(rel, required=False) is None:
        return None
    raw = reader.table(rel, schemas.ilostat("ILOSTAT mean monthly earnings by major group",
                                            "ear_emta_sex_ocu_cur_nb", classif2=True))
    part = raw[(raw["sex"] == "sex_t") & (raw["classif2"] == "cur_type_lcu")
               & raw["classif1"].str.fullmatch(r"ocu_isco08_\d")]
    counts = part.groupby("time")["classif1"].nunique()
    full = counts[counts == counts.max()]
    if full.empty:
        return None
    year = int(full.index.max())
    rows = part[part["time"] == year]
    series = pd.Series(rows["ear_emta_sex_ocu_cur_nb"].astype(float).to_numpy(),
                       index=rows["classif1"].str.slice(11).to_numpy())
    return series, {"year": year, "file": rel, "unit": "mean monthly earnings, local currency"}


def agriculture_share(reader: Reader) -> tuple[float, int]:
    """China: agriculture's share of employment in the latest year (ILOSTAT employment by activity)."""
    raw = reader.table(SECTORS, schemas.ilostat("ILOSTAT employment by economic activity", "emp_temp_sex_eco_nb"))
    part = raw[raw["sex"] == "sex_t"]
    wide = part.pivot_table(index="time", columns="classif1", values="emp_temp_sex_eco_nb", aggfunc="sum")
    agri = next(c for c in wide.columns if c.endswith("_agr"))
    total = next(c for c in wide.columns if c.endswith("_total"))
    year = int(wide[[agri, total]].dropna().index.max())
    return float(wide.loc[year, agri] / wide.loc[year, total]), year


def informality_rate(reader: Reader, country_name: str) -> tuple[float, int] | None:
    """ILOSTAT informal employment rate (share 0-1, both sexes) of the latest year, or None."""
    raw = reader.table(INFORMALITY, schemas.INFORMALITY)
    part = raw[(raw["ref_area.label"] == country_name) & (raw["sex.label"] == "Sex: Total")].dropna(
        subset=["obs_value"])
    if part.empty:
        return None
    last = part.sort_values("time").iloc[-1]
    return float(last["obs_value"]) / 100.0, int(last["time"])


def nbs_unemployment(reader: Reader) -> pd.DataFrame:
    """China's monthly urban surveyed unemployment rate, all ages and aged 16-24: ``series``, ``date``,
    ``value`` (percent). Months without a release found are absent (never interpolated); the youth rate
    includes students to June 2023 and excludes them from December 2023 (not comparable across the break)."""
    raw = reader.table(NBS_MONTHLY, schemas.NBS_MONTHLY)
    frames = [pd.DataFrame({"series": series, "date": pd.to_datetime(raw["month"] + "-01"),
                            "value": raw[column].astype(float)}).dropna(subset=["value"])
              for series, column in (("urban_surveyed_unemployment_rate", "rate_percent"),
                                     ("youth_16_24_unemployment_rate", "youth_16_24_rate_percent"))]
    return pd.concat(frames, ignore_index=True).sort_values(["series", "date"], ignore_index=True)
