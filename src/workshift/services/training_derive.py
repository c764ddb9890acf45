"""How the shipped training catalogue (``services/data/training_catalogue.csv``) is derived from O*NET.

O*NET has no courses and no prices. The shipped catalogue has one course per O*NET skill or knowledge element
and tier (basic: reaches level 3, intermediate: 5, advanced: 7 on O*NET's 0-7 level scale). Its duration is
the median, over the occupations that rate the element important (IM >= 3) at a level inside the tier's band
((0, 3], (3, 5], (5, 7]), of the share of the occupation's formal training that the element stands for:

    months_ko = PT_o * L_ko w_ko / sum_j L_jo w_jo

with PT_o the expected months of on-site or in-plant training (O*NET 29.3 Education, Training, and Experience,
element 3.A.2: organised classroom training by the employer; category shares times category midpoints), L the
level, w = (IM - 1) / 4 and j over the occupation's skill and knowledge elements. So learning an occupation's
whole profile from nothing takes its PT_o. A tier with fewer than :data:`MIN_OCCUPATIONS` occupations takes the
median of the same tier over its domain. Costs are not stored: they come from the training lever of the policy
catalogue at load time (:mod:`workshift.services.training`). Rebuild with
``python -m workshift.services.training_derive`` (a test checks the shipped file against this derivation).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from workshift.data import load_pack, registry
from workshift.data.codes import fold
from workshift.errors import DataError
from workshift.files import write_text_atomic
from workshift.i18n.names import element_names
from workshift.services.training import SHIPPED_CATALOGUE

ETE = "onet/tsv/Education, Training, and Experience.txt"
ETE_CATEGORIES = "onet/tsv/Education, Training, and Experience Categories.txt"
TRAINING_ELEMENT = "3.A.2"  # On-Site or In-Plant Training
TIERS = (("basic", 0.0, 3.0), ("intermediate", 3.0, 5.0), ("advanced", 5.0, 7.0))
MIN_OCCUPATIONS = 3
IMPORTANT = 3.0  # O*NET: importance 3 of 5 or more is 'important'
COLUMNS = ("course_id", "element_id", "skill", "domain", "tier", "reaches_level", "duration_months", "cost",
           "currency", "title", "title_zh", "provider", "source")
_UNIT = {"month": 1.0, "months": 1.0, "year": 12.0, "years": 12.0}


def category_months(description: str) -> float:
    """Months a category stands for: the midpoint of 'Over a, up to and including b', b/2 for 'Up to ... b',
    a for an open 'Over a' (a lower bound), 0 for 'None ...' or an empty description."""
    text = fold(description or "").lower()
    amounts = [float(n) * _UNIT[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)\s+(months?|years?)", text)]
    if not amounts:
        return 0.0
    if text.startswith("over") and len(amounts) >= 2:
        return (amounts[0] + amounts[1]) / 2
    if text.startswith("over"):
        return amounts[0]
    return amounts[-1] / 2  # 'Up to and including 1 month', 'Anything beyond ..., up to and including 1 month'


def expected_training_months(data_dir: str | Path | None = None) -> pd.Series:
    """Expected months of on-site or in-plant training per SOC 2018 code (mean over O*NET children)."""
    cats_path = registry.source_file(ETE_CATEGORIES, data_dir)
    ete_path = registry.source_file(ETE, data_dir)
    cats = pd.read_csv(cats_path, sep="\t", dtype=str, keep_default_na=False)
    ete = pd.read_csv(ete_path, sep="\t", dtype={"O*NET-SOC Code": str, "Element ID": str, "Category": "Int64"})
    for frame, path, needed in ((cats, cats_path, ("Element ID", "Category", "Category Description")),
                                (ete, ete_path, ("O*NET-SOC Code", "Element ID", "Category", "Data Value"))):
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise DataError(f"missing columns {missing}", file=path, expected=", ".join(needed))
    cats = cats[cats["Element ID"] == TRAINING_ELEMENT]
    months = {int(c): category_months(d) for c, d in zip(cats["Category"], cats["Category Description"], strict=True)}
    part = ete[(ete["Element ID"] == TRAINING_ELEMENT) & ete["Category"].notna()]
    if part.empty:
        raise DataError(f"no rows for element {TRAINING_ELEMENT}", file=ete_path)
    weighted = part["Category"].astype(int).map(months) * part["Data Value"].astype(float) / 100.0
    by_onet = weighted.groupby(part["O*NET-SOC Code"]).sum()
    return by_onet.groupby(by_onet.index.str.slice(0, 7)).mean().rename("pt_months")


def _element_names(lang: str) -> dict[str, str]:
    column = "title_zh" if lang == "zh" else "title_en"
    return {code: row[column] for code, row in element_names().items()}


def derive_catalogue(pack, data_dir: str | Path | None = None) -> pd.DataFrame:
    """The shipped catalogue's rows from a region pack's O*NET vectors and O*NET's training data."""
    pt = expected_training_months(data_dir)
    skills = pack.skills[pack.skills["domain"].isin(["skills", "knowledge"])]
    if "imputed" in skills.columns:  # O*NET's own ratings only, not the pack's group means
        skills = skills[~skills["imputed"].fillna(False).astype(bool)]
    level = skills.pivot_table(index="soc_code", columns="element_id", values="level", aggfunc="mean")
    importance = skills.pivot_table(index="soc_code", columns="element_id", values="importance", aggfunc="mean")
    codes = level.index.intersection(pt.index)
    level, importance = level.loc[codes], importance.reindex(index=codes, columns=level.columns)
    weight = ((importance - 1.0) / 4.0).clip(0.0, 1.0)
    mass = (level * weight).sum(axis=1)
    months = (level * weight).div(mass, axis=0).mul(pt.loc[codes], axis=0)
    meta = skills.drop_duplicates("element_id").set_index("element_id")
    names_en, names_zh = _element_names("en"), _element_names("zh")
    rows = []
    for element in sorted(level.columns):
        for tier, low, high in TIERS:
            inside = (importance[element] >= IMPORTANT) & (level[element] > low) & (level[element] <= high)
            rows.append({"element_id": element, "domain": meta.loc[element, "domain"], "tier": tier,
                         "reaches_level": high, "n": int(inside.sum()),
                         "median": float(months.loc[inside, element].median()) if inside.any() else np.nan})
    table = pd.DataFrame(rows)
    fallback = table[table["n"] >= MIN_OCCUPATIONS].groupby(["domain", "tier"])["median"].median()
    thin = table["n"] < MIN_OCCUPATIONS
    table["duration_months"] = table["median"].where(~thin, [fallback.get((d, t), np.nan) for d, t in
                                                              zip(table["domain"], table["tier"], strict=True)])
    table["source"] = np.where(
        thin, "O*NET 29.3 ETE 3.A.2, median of the tier over the domain (fewer than "
        f"{MIN_OCCUPATIONS} occupations rate it important at this level)",
        "O*NET 29.3 ETE 3.A.2, median over " + table["n"].astype(str) + " occupations")
    table["skill"] = [names_en.get(e, meta.loc[e, "element_name"]) for e in table["element_id"]]
    zh = [names_zh.get(e, s) for e, s in zip(table["element_id"], table["skill"], strict=True)]
    table["course_id"] = table["element_id"] + "-" + table["tier"]
    level_label = table["reaches_level"].map(lambda v: f"{v:g}")
    table["title"] = table["skill"] + " - " + table["tier"] + " course (to level " + level_label + ")"
    tier_zh = table["tier"].map({"basic": "初级", "intermediate": "中级", "advanced": "高级"})
    table["title_zh"] = [f"{z}{t}课程（达到{lv}级）" for z, t, lv in zip(zh, tier_zh, level_label, strict=True)]
    table["cost"] = np.nan
    table["currency"] = ""
    table["provider"] = "illustrative: derived from O*NET 29.3"
    table["duration_months"] = table["duration_months"].round(3)
    return table[list(COLUMNS)].dropna(subset=["duration_months"]).reset_index(drop=True)


def main() -> None:  # pragma: no cover - maintenance entry point

    frame = derive_catalogue(load_pack("us"))
    write_text_atomic(SHIPPED_CATALOGUE, frame.to_csv(index=False, lineterminator="\n"))
    print(f"wrote {len(frame)} courses to {SHIPPED_CATALOGUE}")


if __name__ == "__main__":  # pragma: no cover
    main()
