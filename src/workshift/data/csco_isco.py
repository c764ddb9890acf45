"""A CSCO 2022 <-> ISCO-08 mapping at the level of CSCO medium groups (中类), with its confidence.

No official CSCO-ISCO correspondence is public. The mapping chains two published links and one reading of
group titles:

1. ISCO-08 unit -> US SOC 2018 occupations (the SOC->ISCO crosswalk, weighted by linked US employment);
2. SOC major group -> CSCO medium groups (:data:`workshift.data.csco.CSCO_TO_SOC_MAJOR`, read from both
   classifications' group titles; a SOC major shared by k medium groups counts 1/k for each);
3. major-group compatibility (:data:`ISCO_TO_CSCO_MAJOR`, from the two classifications' major-group
   definitions, keyed by ISCO major or sub-major group): a medium group whose CSCO major is not listed for the
   unit gets nothing; one listed first (the main correspondence) counts fully, the others
   :data:`SECONDARY_WEIGHT` (a stated choice, not an estimate).

``confidence`` = the medium group's share of the unit's score (an estimated probability that the unit's
workers fall in that CSCO medium group). Unit-level detail below the medium group is not identified.
"""

from __future__ import annotations

import pandas as pd

from workshift.data.csco import CSCO_TO_SOC_MAJOR

SECONDARY_WEIGHT = 0.25
# ISCO-08 major (or sub-major) group -> CSCO 2022 major groups that can hold its workers, the main one first
ISCO_TO_CSCO_MAJOR: dict[str, tuple[str, ...]] = {
    "54": ("3", "4"),  # protective services (security, fire) -> 3-02
    "83": ("4", "6"),  # drivers and mobile plant operators -> 4-02 transport
    "92": ("5",),  # agricultural, forestry and fishery labourers
    "93": ("6", "4"),  # labourers in mining, construction, manufacturing, transport
    "0": ("7",),  # armed forces -> 军队人员
    "1": ("1",),  # managers -> 负责人
    "2": ("2",),  # professionals -> 专业技术人员
    "3": ("2", "3", "4", "6"),  # technicians and associate professionals
    "4": ("3", "4"),  # clerical support -> 办事人员, 服务人员
    "5": ("3", "4"),  # service and sales (security and fire in 3-02)
    "6": ("5",),  # skilled agricultural -> 农、林、牧、渔业生产及辅助人员
    "7": ("6", "4"),  # craft and related trades (repair in 4-12)
    "8": ("6", "4"),  # plant and machine operators, assemblers, drivers (4-02)
    "9": ("4", "5", "6"),  # elementary occupations
}


def _compatibility(isco: str, csco: str) -> float:
    majors = ISCO_TO_CSCO_MAJOR.get(isco[:2], ISCO_TO_CSCO_MAJOR.get(isco[:1], ()))
    if csco[0] not in majors:
        return 0.0
    return 1.0 if csco[0] == majors[0] else SECONDARY_WEIGHT


def medium_groups(csco: pd.DataFrame) -> pd.DataFrame:
    """CSCO medium groups (code '2-02', name) with the SOC majors they correspond to."""
    medium = csco[csco["level"] == 2][["code", "name"]].copy()
    medium["code"] = medium["code"].str.slice(0, 4)
    medium["soc_majors"] = medium["code"].map(
        lambda c: CSCO_TO_SOC_MAJOR.get(c, CSCO_TO_SOC_MAJOR.get(c[0], ())))
    return medium.reset_index(drop=True)


def unit_scores(links: pd.DataFrame, units: pd.Index, medium: pd.DataFrame) -> pd.DataFrame:
    """(isco, csco, score, confidence) for every compatible pair with a positive score."""
    pairs = medium.explode("soc_majors").dropna(subset=["soc_majors"])
    pairs["k"] = pairs.groupby("soc_majors")["code"].transform("size")
    flow = links.assign(soc_major=links["soc_code"].str.slice(0, 2)).merge(
        pairs.rename(columns={"code": "csco", "soc_majors": "soc_major"}), on="soc_major")
    factor = [_compatibility(i, c) for i, c in zip(flow["isco"], flow["csco"], strict=True)]
    flow["score"] = flow["weight"] / flow["k"] * factor
    scores = flow.groupby(["isco", "csco"], as_index=False)["score"].sum()
    scores = scores[scores["isco"].isin(units) & (scores["score"] > 0)]
    scores["confidence"] = scores["score"] / scores.groupby("isco")["score"].transform("sum")
    return scores.reset_index(drop=True)


def display_columns(scores: pd.DataFrame, csco: pd.DataFrame, units: pd.Index) -> pd.DataFrame:
    """Per unit: its most likely CSCO major group (``csco_major_code``, ``csco_major_title``,
    ``csco_major_confidence``) and medium group (``csco_code``, ``csco_title``, ``csco_confidence``); NaN for a
    unit whose ISCO group has no compatible CSCO group."""
    names = pd.Series(csco["name"].to_numpy(), index=csco["code"].str.replace(r"(-00)+$", "", regex=True))
    out = {}
    major = scores.assign(csco=scores["csco"].str.slice(0, 1)).groupby(["isco", "csco"], as_index=False)[
        "confidence"].sum()
    for prefix, frame in (("csco_major_", major), ("csco_", scores)):
        best = frame.sort_values("confidence", ascending=False).drop_duplicates("isco").set_index("isco")
        code = best["csco"].reindex(units)
        out |= {f"{prefix}code": code.to_numpy(), f"{prefix}title": code.map(names).to_numpy(),
                f"{prefix}confidence": best["confidence"].reindex(units).to_numpy()}
    return pd.DataFrame(out, index=units)


def csco_titles(csco: pd.DataFrame, scores: pd.DataFrame, min_confidence: float = 0.05) -> pd.DataFrame:
    """Titles for Chinese search: every CSCO occupation's name and aliases, linked to the ISCO units that its
    medium group maps to (``confidence`` = P(unit | medium group) x the unit's share of that group)."""
    detail = csco[csco["level"] >= 3].copy()
    detail["medium"] = detail["code"].str.slice(0, 4)
    by_group = scores.assign(p=scores["score"] / scores.groupby("csco")["score"].transform("sum"))
    by_group = by_group[by_group["p"] >= min_confidence]
    names = detail.assign(title=[[n, *a] for n, a in zip(detail["name"], detail["aliases"], strict=True)])
    names = names.explode("title")[["code", "medium", "title"]]
    linked = names.merge(by_group[["isco", "csco", "p"]], left_on="medium", right_on="csco")
    return pd.DataFrame({"soc_code": linked["isco"], "onet_code": None, "title": linked["title"],
                         "kind": "csco", "csco_code": linked["code"], "confidence": linked["p"]})
