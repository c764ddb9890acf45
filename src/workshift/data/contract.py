"""The region pack's table contract: the tables every builder delivers, their key columns and code systems.

Every table that names an occupation keys it by the column :data:`CODE` (``soc_code``; the name is historical):
it holds a code of the pack's own code system, ``meta["code_system"]`` (one of :data:`CODE_SYSTEMS`), e.g.
'15-1252' in the US pack (SOC 2018), '2512' in an ISCO-08 pack. Consumers read the code system from the pack
(:attr:`workshift.data.RegionPack.code_system`) and never assume SOC.
"""

from __future__ import annotations

import pandas as pd

from workshift.errors import DataError

CODE = "soc_code"
CODE_SYSTEMS = ("SOC 2018", "ISCO-08", "CSCO 2022")
#: how the engine turns an exposure index into a share of tasks, declared per index (``rule`` of
#: ``exposure_indices``; what each means: :mod:`workshift.market.shock`)
EXPOSURE_RULES = ("share", "quantile", "probability")

#: table -> columns every builder must deliver (builders may add more; see docs/pack.md)
REQUIRED: dict[str, tuple[str, ...]] = {
    "occupations": (CODE, "title", "major_group", "minor_group", "broad_group", "is_aggregate", "employment",
                    "wage_mean", "wage_median", "job_zone", "education", "self_employment_share",
                    "growth_2022_32"),
    "exposure": (CODE, "index", "value", "observed"),
    "exposure_indices": ("index", "description", "scale", "low", "high", "source", "code_system",
                         "harmonisation", "user_supplied", "rule"),
    "skills": (CODE, "domain", "element_id", "element_name", "importance", "level", "imputed"),
    "tasks": (CODE, "onet_code", "task_id", "task", "task_type"),
    "titles": (CODE, "onet_code", "title", "kind"),
    "mobility_nodes": ("node", "title", "employment", "source_employment"),
    "mobility_edges": ("network", "source", "target", "weight"),
    "occupation_nodes": (CODE, "node", "share", "rule"),
    "state_employment": ("state", CODE, "employment", "wage_mean"),
    "macro": ("series", "date", "value"),
}
TABLES = tuple(REQUIRED)
ROW_SUM_TOLERANCE = 1e-6


def empty(table: str) -> pd.DataFrame:
    """An empty table of the contract (for a pack without, say, sub-national employment)."""
    return pd.DataFrame({column: [] for column in REQUIRED[table]})


def check_rule(index: str, rule: object, where: str, hint: str | None = None) -> str:
    """``rule`` if it is one of :data:`EXPOSURE_RULES`, else a :class:`DataError` naming ``index`` and ``where``."""
    if rule not in EXPOSURE_RULES:
        said = "has no rescaling rule" if rule is None or rule != rule or rule == "" else f"has unknown rule '{rule}'"
        raise DataError(f"exposure index '{index}' in {where} {said}", expected="rule = " + " | ".join(EXPOSURE_RULES), hint=hint)
    return str(rule)


def check_tables(tables: dict[str, pd.DataFrame], name: str) -> None:
    """Raise :class:`DataError` unless ``tables`` meets the contract (tables, columns, unique codes, row sums)."""
    missing = [t for t in TABLES if t not in tables]
    if missing:
        raise DataError(f"builder of pack '{name}' delivered no table {missing[0]}", expected=", ".join(TABLES))
    for table, columns in REQUIRED.items():
        lacking = [c for c in columns if c not in tables[table].columns]
        if lacking:
            raise DataError(f"table {table} of pack '{name}' lacks column {lacking[0]}",
                            expected=", ".join(columns))
    for index, rule in tables["exposure_indices"][["index", "rule"]].itertuples(index=False):
        check_rule(index, rule, f"pack '{name}'")
    occ = tables["occupations"]
    if occ[CODE].duplicated().any():
        raise DataError(f"occupation code {occ.loc[occ[CODE].duplicated(), CODE].iloc[0]} is listed twice "
                        f"in pack '{name}'", expected="one row per occupation")
    edges = tables["mobility_edges"]
    sums = edges.groupby(["network", "source"])["weight"].sum()
    bad = sums[(sums - 1.0).abs() > ROW_SUM_TOLERANCE]
    if len(bad):
        raise DataError(f"mobility network {bad.index[0][0]}: row {bad.index[0][1]} of pack '{name}' sums to "
                        f"{bad.iloc[0]:.6f}", expected="rows summing to 1")
    shares = tables["occupation_nodes"].groupby(CODE)["share"].sum()
    if ((shares - 1.0).abs() > ROW_SUM_TOLERANCE).any():
        raise DataError(f"occupation {shares[(shares - 1).abs() > ROW_SUM_TOLERANCE].index[0]} of pack '{name}' "
                        "has node shares not summing to 1", expected="shares summing to 1 per occupation")


CODE_PATTERNS = {"SOC 2018": r"^\d{2}-\d{4}$", "ISCO-08": r"^\d{4}$", "CSCO 2022": r"^\d-\d{2}-\d{2}-\d{2}$"}


def group_codes(codes: pd.Series, system: str) -> pd.DataFrame:
    """The three group columns of ``occupations`` for codes of ``system``.

    SOC 2018: major '15-0000', minor '15-1200' (first four digits), broad '15-1250'. ISCO-08: major (1 digit),
    sub-major (2 digits) as ``minor_group``, minor (3 digits) as ``broad_group``. CSCO 2022: 大类 '2', 中类
    '2-02', 小类 '2-02-01'. Coarse to fine in every system, which is all the imputation rules need.
    """
    if system == "SOC 2018":
        parts = (codes.str.slice(0, 3) + "0000", codes.str.slice(0, 5) + "00", codes.str.slice(0, 6) + "0")
    elif system == "ISCO-08":
        parts = (codes.str.slice(0, 1), codes.str.slice(0, 2), codes.str.slice(0, 3))
    else:
        parts = (codes.str.slice(0, 1), codes.str.slice(0, 4), codes.str.slice(0, 7))
    return pd.DataFrame(dict(zip(("major_group", "minor_group", "broad_group"), parts, strict=True)),
                        index=codes.index)
