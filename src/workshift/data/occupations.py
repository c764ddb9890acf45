"""The occupations table: OEWS May 2025 detailed rows with wages, job zone, education, self-employment
and projected growth, every imputed cell flagged in ``<column>_imputed``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workshift.data import schemas
from workshift.data.harmonise import Harmoniser, broad_of, minor_of
from workshift.data.reading import Reader
from workshift.errors import DataError

OEWS_NATIONAL = "oews/oews_may2025_national_cross_industry.csv"
SELF_EMPLOYMENT = "flexible_work/bls_ep/bls_pct_self_employed_by_occupation_2022.csv"
PROJECTIONS = "projections/bls_ep_table1_7_occupation_projections_2022_32.csv"
JOB_ZONES = "onet/tsv/Job Zones.txt"

RULES = {
    "wages": "OEWS does not publish an annual wage for a few occupations ('-': paid by the hour, not "
             "year-round). A missing wage_mean / wage_median takes the value of the nearest published SOC "
             "ancestor in the OEWS national extract (broad group, then minor group, then major group).",
    "job_zone": "O*NET Job Zone (1-5) of the O*NET-SOC occupations, mapped to SOC 2018 by the first 7 "
                "characters, simple mean over O*NET children; a broad aggregate takes the simple mean of its "
                "detailed codes. Missing: mean of observed occupations in the same broad, else minor, else "
                "major group.",
    "education": "BLS EP 2022-32 'typical education needed for entry' of the NEM line item with the same code; "
                 "missing: the most common value in the same broad, else minor, else major group.",
    "self_employment_share": "BLS EP 2022 percent self-employed / 100 of the NEM line item with the same code. "
                             "BLS prints '—' where it publishes no estimate; such a cell takes the published "
                             "share of the nearest NEM summary row (broad, minor, major group), which is the "
                             "employment-weighted share of the group including the occupation.",
    "growth_2022_32": "BLS EP percent change in employment 2022-32 / 100 of the NEM line item with the same code; "
                      "missing: the nearest NEM summary row (broad, minor, major group).",
}


def group_codes(code: pd.Series, minor_groups: set[str] | None = None) -> pd.DataFrame:
    """Major, minor and broad SOC group of each code ('15-1252' -> '15-0000', '15-1200', '15-1250').

    ``minor_groups``: the published minor-group codes (OEWS display level 1), which settle the two shapes.
    """
    return pd.DataFrame({
        "major_group": code.str.slice(0, 3) + "0000",
        "minor_group": minor_of(code, minor_groups or set()),
        "broad_group": broad_of(code),
    }, index=code.index)


def ancestor_value(codes: pd.Series, published: pd.Series) -> pd.Series:
    """For each code, the value published for its nearest ancestor group (broad, minor, major)."""
    groups = group_codes(codes, set(published.index))
    out = pd.Series(np.nan, index=codes.index, dtype=float)
    for level in ("broad_group", "minor_group", "major_group"):
        out = out.fillna(groups[level].map(published))
    return out


def impute_from_groups(frame: pd.DataFrame, column: str, how: str = "mean") -> pd.Series:
    """Fill NaN in ``column`` from observed occupations of the same broad, minor, then major group."""
    values = frame[column].copy()
    for level in ("broad_group", "minor_group", "major_group"):
        if not values.isna().any():
            break
        observed = frame.loc[frame[column].notna(), [level, column]]
        if how == "mean":
            fill = observed.groupby(level)[column].mean()
        else:
            fill = observed.groupby(level)[column].agg(lambda s: s.value_counts().index[0])
        values = values.fillna(frame[level].map(fill))
    return values


def _fill(frame: pd.DataFrame, column: str, filled: pd.Series) -> None:
    frame[f"{column}_imputed"] = frame[column].isna() & filled.notna()
    frame[column] = filled


def read_oews(reader: Reader) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The OEWS national extract: (detailed occupations, all rows, facts for the quality report)."""
    raw = reader.table(OEWS_NATIONAL, schemas.OEWS_NATIONAL)
    assert raw is not None
    repeated = raw["soc2018_code"].duplicated()
    if repeated.any():  # the publisher lists each code once; a repeat is an edit that makes lookups ambiguous
        row = int(repeated.idxmax())
        raise DataError(f"SOC code {raw.at[row, 'soc2018_code']!r} appears twice",
                        file=reader.path(OEWS_NATIONAL), row=row + 2, column="soc2018_code",
                        expected="each SOC code on one row")
    detailed = raw[raw["display_level"] == 3]
    dupes = 0  # kept for the quality report: duplicates are refused above, none is removed
    no_emp = detailed[detailed["TOT_EMP"].isna()]
    if len(no_emp):
        raise DataError("a detailed occupation has no employment", file=reader.path(OEWS_NATIONAL),
                        row=int(no_emp.index[0]) + 2, column="TOT_EMP", expected="employment for every "
                        "display-level-3 row")
    total_row = raw.loc[raw["soc2018_code"] == "00-0000", "TOT_EMP"]
    facts = {"duplicates_removed": dupes,
             "published_total": float(total_row.iloc[0]) if len(total_row) else None}
    return detailed.reset_index(drop=True), raw, facts


def build_occupations(reader: Reader) -> tuple[pd.DataFrame, dict]:
    detailed, raw, facts = read_oews(reader)
    code = detailed["soc2018_code"]
    occ = pd.DataFrame({"soc_code": code, "title": detailed["occ_title"]})
    minor_groups = set(raw.loc[raw["display_level"] == 1, "soc2018_code"])
    occ = pd.concat([occ, group_codes(code, minor_groups)], axis=1)
    occ["is_aggregate"] = code.str.endswith("0")
    occ["employment"] = detailed["TOT_EMP"].astype(float)
    published = raw.set_index("soc2018_code")
    for column, source in (("wage_mean", "A_MEAN"), ("wage_median", "A_MEDIAN")):
        occ[column] = detailed[source].astype(float)
        _fill(occ, column, occ[column].fillna(ancestor_value(code, published[source].dropna())))

    harmoniser = Harmoniser(occ, {})
    zones = reader.table(JOB_ZONES, schemas.JOB_ZONES, sep="\t")
    zone = harmoniser.to_occupations(zones.set_index("O*NET-SOC Code")["Job Zone"].astype(float),
                                     "O*NET-SOC 2019")
    occ["job_zone"] = code.map(zone)
    _fill(occ, "job_zone", impute_from_groups(occ, "job_zone"))

    proj = reader.table(PROJECTIONS, schemas.PROJECTIONS)
    lines = proj[proj["occ_type"] == "Line item"].drop_duplicates("nem_code").set_index("nem_code")
    summary = proj[proj["occ_type"] == "Summary"].drop_duplicates("nem_code").set_index("nem_code")
    occ["education"] = code.map(lines["education_entry"])
    _fill(occ, "education", impute_from_groups(occ, "education", how="mode"))
    occ["growth_2022_32"] = code.map(lines["emp_change_pct"]) / 100.0
    _fill(occ, "growth_2022_32", occ["growth_2022_32"].fillna(
        ancestor_value(code, summary["emp_change_pct"].dropna() / 100.0)))

    selfemp = reader.table(SELF_EMPLOYMENT, schemas.SELF_EMPLOYMENT)
    share = selfemp.drop_duplicates("nem_code").set_index("nem_code")["pct_self_employed_2022"] / 100.0
    occ["self_employment_share"] = code.map(share)
    group_share = summary["pct_self_employed_2022"].dropna() / 100.0
    _fill(occ, "self_employment_share",
          occ["self_employment_share"].fillna(ancestor_value(code, group_share)))

    facts["matched"] = {
        "job_zone": int((~occ["job_zone_imputed"]).sum()),
        "projections": int(code.isin(lines.index).sum()),
        "self_employment": int(code.isin(share.index).sum()),
    }
    order = ["soc_code", "title", "major_group", "minor_group", "broad_group", "is_aggregate", "employment",
             "wage_mean", "wage_median", "job_zone", "education", "self_employment_share", "growth_2022_32"]
    flags = [c for c in occ.columns if c.endswith("_imputed")]
    return occ[order + flags], facts
