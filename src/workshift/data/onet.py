"""O*NET 29.3 content per occupation: skill, knowledge and work-activity vectors, tasks and titles.

O*NET-SOC occupations map to SOC 2018 by their first 7 characters and are averaged (simple mean: OEWS has
no employment at the O*NET-SOC level); a broad OEWS aggregate averages its detailed codes. An occupation that
O*NET has not rated in a domain (15-1252 Software Developers has tasks but no skill ratings in 29.3) takes the
mean vector of its SOC broad, else minor, else major group, flagged ``imputed``.
"""

from __future__ import annotations

from functools import reduce

import pandas as pd

from workshift.data import schemas
from workshift.data.harmonise import Harmoniser, onet_to_soc
from workshift.data.reading import Reader

DERIVED = "onet/derived/{}_v29_3.csv"
# (domain, derived file, scale column, element-id prefix, value range)
MATRICES = (
    ("skills", "skills_IM_wide", "importance", ("2.A", "2.B"), (1.0, 5.0)),
    ("skills", "skills_LV_wide", "level", ("2.A", "2.B"), (0.0, 7.0)),
    ("knowledge", "knowledge_IM_wide", "importance", ("2.C",), (1.0, 5.0)),
    ("knowledge", "knowledge_LV_wide", "level", ("2.C",), (0.0, 7.0)),
    ("work_activities", "gwa_share_from_task_dwas", "level", ("4.A",), (0.0, 1.0)),
)
CODE = "O*NET-SOC Code"


def _element_ids(reader: Reader) -> pd.DataFrame:
    ref = reader.table("onet/tsv/Content Model Reference.txt", schemas.CONTENT_MODEL, sep="\t")
    ref = ref.assign(depth=ref["Element ID"].str.count(r"\."))
    return ref.sort_values("depth", ascending=False)


def _matrix(reader: Reader, stem: str, low: float, high: float) -> pd.DataFrame:
    rel = DERIVED.format(stem)
    path = reader.path(rel)
    columns = list(pd.read_csv(path, nrows=0).columns)
    frame = reader.table(rel, schemas.onet_wide(stem, columns[1:], low, high))
    return frame.set_index(CODE)


def _to_occupations(frame: pd.DataFrame, harmoniser: Harmoniser) -> pd.DataFrame:
    """O*NET-SOC rows -> OEWS occupations (mean over O*NET children, then over an aggregate's codes)."""
    soc = frame.groupby(onet_to_soc(frame.index.to_series()).to_numpy()).mean()
    occ = harmoniser.occupation_of(soc.index.to_series()).to_numpy()
    soc = soc[pd.notna(occ)]
    return soc.groupby(occ[pd.notna(occ)]).mean()


def fill_from_groups(matrix: pd.DataFrame, occupations: pd.DataFrame) -> pd.DataFrame:
    """Occupations without O*NET data take the mean vector of their broad, else minor, else major group."""
    groups = occupations.set_index("soc_code")[["broad_group", "minor_group", "major_group"]]
    missing = groups.index.difference(matrix.index)
    filled = []
    for level in groups.columns:
        if missing.empty:
            break
        means = matrix.groupby(groups.loc[matrix.index, level].to_numpy()).mean()
        keys = groups.loc[missing, level]
        hit = keys[keys.isin(means.index)]
        filled.append(pd.DataFrame(means.loc[hit].to_numpy(), index=hit.index, columns=matrix.columns))
        missing = missing.difference(hit.index)
    return pd.concat([matrix, *filled])


def build_skills(reader: Reader, harmoniser: Harmoniser, occupations: pd.DataFrame) -> pd.DataFrame:
    ref = _element_ids(reader)
    by_domain: dict[str, list[pd.DataFrame]] = {}
    prefixes_of: dict[str, tuple[str, ...]] = {}
    for domain, stem, scale, prefixes, (low, high) in MATRICES:
        observed = _to_occupations(_matrix(reader, stem, low, high), harmoniser).dropna(how="all")
        wide = fill_from_groups(observed, occupations)
        long = wide.rename_axis("soc_code").reset_index().melt(
            id_vars="soc_code", var_name="element_name", value_name=scale)
        long["imputed"] = ~long["soc_code"].isin(observed.index)
        by_domain.setdefault(domain, []).append(long)
        prefixes_of[domain] = prefixes
    frames = []
    for domain, parts in by_domain.items():
        merged = reduce(lambda a, b: a.merge(b, on=["soc_code", "element_name", "imputed"], how="outer"), parts)
        if "importance" not in merged:
            merged["importance"] = float("nan")
        ids = ref[ref["Element ID"].str.startswith(prefixes_of[domain])].drop_duplicates("Element Name")
        merged["element_id"] = merged["element_name"].map(ids.set_index("Element Name")["Element ID"])
        merged["domain"] = domain
        frames.append(merged)
    skills = pd.concat(frames, ignore_index=True).dropna(subset=["importance", "level"], how="all")
    return skills[["soc_code", "domain", "element_id", "element_name", "importance", "level", "imputed"]].sort_values(
        ["soc_code", "domain", "element_id"], ignore_index=True)


def build_tasks(reader: Reader, harmoniser: Harmoniser) -> pd.DataFrame:
    raw = reader.table("onet/tsv/Task Statements.txt", schemas.TASKS, sep="\t")
    occ = harmoniser.occupation_of(onet_to_soc(raw[CODE]))
    tasks = pd.DataFrame({"soc_code": occ, "onet_code": raw[CODE], "task_id": raw["Task ID"].astype("int64"),
                          "task": raw["Task"], "task_type": raw["Task Type"]})
    return tasks.dropna(subset=["soc_code"]).reset_index(drop=True)


def build_titles(reader: Reader, occupations: pd.DataFrame, harmoniser: Harmoniser) -> tuple[pd.DataFrame, int]:
    """Titles for search: SOC titles, O*NET titles, O*NET alternate titles; (titles, duplicates removed)."""
    data = reader.table("onet/tsv/Occupation Data.txt", schemas.OCCUPATION_DATA, sep="\t")
    alt = reader.table("onet/tsv/Alternate Titles.txt", schemas.ALTERNATE_TITLES, sep="\t")
    soc = pd.DataFrame({"soc_code": occupations["soc_code"], "onet_code": None, "title": occupations["title"],
                        "kind": "soc"})
    onet = pd.DataFrame({"soc_code": harmoniser.occupation_of(onet_to_soc(data[CODE])), "onet_code": data[CODE],
                         "title": data["Title"], "kind": "onet"})
    alts = pd.DataFrame({"soc_code": harmoniser.occupation_of(onet_to_soc(alt[CODE])), "onet_code": alt[CODE],
                         "title": alt["Alternate Title"], "kind": "alternate"})
    titles = pd.concat([soc, onet, alts], ignore_index=True).dropna(subset=["soc_code", "title"])
    key = titles["soc_code"] + "|" + titles["title"].str.lower().str.strip()
    dupes = int(key.duplicated().sum())
    return titles[~key.duplicated()].reset_index(drop=True), dupes
