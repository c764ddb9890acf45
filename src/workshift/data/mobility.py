"""Occupational mobility networks on SOC 2010-based nodes, and the mapping of occupations onto nodes.

- ``empirical``: the CPS-ASEC transition network (user-supplied), rows renormalised to sum to 1.
- ``skills``: built only from redistributable O*NET 29.3 data on the same nodes (see :mod:`skills_network`).

Occupation -> node (both networks): SOC 2018 -> SOC 2010 through the BLS crosswalk (a broad aggregate uses the
SOC 2018 detailed codes under it), then each SOC 2010 code goes to the node with the same code, else to the node
of its broad group. An occupation reaching several nodes splits its employment equally over its SOC 2010
parts (a node reached by two of three parts gets 2/3). The nodes mix levels (13-2051, 15-1130, 25-1000), so
a SOC 2010 code goes to the node with its own code, else its broad group's, else its minor group's. OEWS codes
that the crosswalk lacks (21-1018, 25-2052, 51-2028: OEWS combinations) are looked up as they are.
Without the empirical file the nodes are the SOC 2010 broad groups that the crosswalk reaches.
"""

from __future__ import annotations

import pandas as pd

from workshift.data import schemas
from workshift.data.harmonise import broad_of, minor_candidates
from workshift.data.reading import Reader
from workshift.errors import DataError

EDGELIST = "mobility/asec_to_bls_mobility_edgelist.csv"
SOC2010_TO_2018 = "crosswalks/bls_soc/soc2010_to_soc2018_bls.csv"
SOC2010_STRUCTURE = "crosswalks/onet_taxonomy/soc_structure_2010.csv"
ROW_SUM_TOLERANCE = 0.01


def read_empirical(reader: Reader) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """(nodes, edges) of the empirical network, or None when the user has not supplied it."""
    raw = reader.table(EDGELIST, schemas.EDGELIST, required=False)
    if raw is None:
        return None
    edges = raw.rename(columns={"OCC_source": "source", "OCC_target": "target",
                                "transition_prob_BLS_ASECnorm_corr": "weight"})
    edges = edges.groupby(["source", "target"], as_index=False, sort=False)["weight"].sum()
    sums = edges.groupby("source")["weight"].sum()
    bad = sums[(sums - 1.0).abs() > ROW_SUM_TOLERANCE]
    if len(bad):
        first = raw.index[raw["OCC_source"] == bad.index[0]][0]
        raise DataError(f"outgoing probabilities of node {bad.index[0]} sum to {bad.iloc[0]:.4f}",
                        file=reader.path(EDGELIST), row=int(first) + 2, column="transition_prob_BLS_ASECnorm_corr",
                        expected=f"row sums within {ROW_SUM_TOLERANCE} of 1")
    edges["weight"] = edges["weight"] / edges["source"].map(sums)
    targets = raw.drop_duplicates("OCC_target").set_index("OCC_target")
    codes = sorted(set(edges["source"]) | set(edges["target"]))
    nodes = pd.DataFrame({"node": codes})
    nodes["title"] = nodes["node"].map(targets["OCC_TITLE_OCC"])
    nodes["source_employment"] = nodes["node"].map(targets["TOT_EMP_OCC"]).astype(float)
    edges.insert(0, "network", "empirical")
    return nodes, edges[["network", "source", "target", "weight"]]


def soc2010_parts(occupations: pd.DataFrame, crosswalk: pd.DataFrame) -> pd.DataFrame:
    """(soc_code, soc2010) for every occupation: via the crosswalk, an aggregate through its detailed codes."""
    links = crosswalk[["soc2010_code", "soc2018_code"]].drop_duplicates()
    direct = links[links["soc2018_code"].isin(occupations["soc_code"])]
    aggregates = set(occupations.loc[occupations["is_aggregate"], "soc_code"])
    inside = links[broad_of(links["soc2018_code"]).isin(aggregates) & ~links["soc2018_code"].isin(direct["soc2018_code"])]
    parts = pd.concat([
        direct.rename(columns={"soc2018_code": "soc_code"}),
        inside.assign(soc_code=broad_of(inside["soc2018_code"])).drop(columns="soc2018_code"),
    ]).rename(columns={"soc2010_code": "soc2010"})
    # OEWS-only codes missing from the SOC crosswalk (21-1018, 25-2052, 51-2028) stand for themselves
    alone = occupations.loc[~occupations["soc_code"].isin(parts["soc_code"]), "soc_code"]
    parts = pd.concat([parts, pd.DataFrame({"soc_code": alone, "soc2010": alone})])
    return parts[["soc_code", "soc2010"]].drop_duplicates().reset_index(drop=True)


def map_to_nodes(parts: pd.DataFrame, nodes: set[str]) -> pd.DataFrame:
    """occupation_nodes: (soc_code, node, share, rule); unreached occupations have no row."""
    frame = parts.copy()
    frame["node"] = None
    frame["rule"] = None
    for rule, candidate in (("exact SOC 2010 code", frame["soc2010"]),
                            ("SOC 2010 broad group", broad_of(frame["soc2010"])),
                            *(("SOC 2010 minor group", m) for m in minor_candidates(frame["soc2010"]))):
        hit = frame["node"].isna() & candidate.isin(nodes)
        frame.loc[hit, "node"] = candidate[hit]
        frame.loc[hit, "rule"] = rule
    frame = frame.dropna(subset=["node"])
    count = frame.groupby("soc_code")["soc2010"].transform("size")
    frame["share"] = 1.0 / count
    mapped = frame.groupby(["soc_code", "node"], as_index=False).agg(
        share=("share", "sum"), rule=("rule", lambda r: " + ".join(sorted(set(r)))))
    many = mapped.groupby("soc_code")["node"].transform("size") > 1
    mapped.loc[many, "rule"] = "split over SOC 2010 parts: " + mapped.loc[many, "rule"]
    return mapped[["soc_code", "node", "share", "rule"]]


def naive_share(occupations: pd.DataFrame, nodes: set[str]) -> float:
    """Employment share reached by the naive rule 'replace the last digit of the SOC 2018 code by 0'."""
    hit = broad_of(occupations["soc_code"]).isin(nodes)
    return float(occupations.loc[hit, "employment"].sum() / occupations["employment"].sum())


def soc2010_broad_nodes(reader: Reader, parts: pd.DataFrame, occupations: pd.DataFrame) -> pd.DataFrame:
    """Nodes when no empirical network is supplied: the SOC 2010 broad groups reached, with their titles
    (a group that SOC 2010 lacks, such as 53-1040 from OEWS-only codes, takes its first occupation's title)."""
    structure = reader.table(SOC2010_STRUCTURE, schemas.SOC2010_STRUCTURE)
    title_col = structure.columns[-1]
    broad = structure.dropna(subset=["Broad Group"]).drop_duplicates("Broad Group")
    codes = sorted(set(broad_of(parts["soc2010"])))
    nodes = pd.DataFrame({"node": codes})
    nodes["title"] = nodes["node"].map(broad.set_index("Broad Group")[title_col])
    members = parts.assign(node=broad_of(parts["soc2010"])).drop_duplicates("node").set_index("node")["soc_code"]
    member_title = members.map(occupations.set_index("soc_code")["title"])
    nodes["title"] = nodes["title"].fillna(nodes["node"].map(member_title))
    nodes["source_employment"] = float("nan")
    return nodes


def build_mobility(reader: Reader, occupations: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                         pd.DataFrame, dict]:
    """(mobility_nodes, empirical edges or empty, occupation_nodes, facts)."""
    crosswalk = reader.table(SOC2010_TO_2018, schemas.SOC2010_TO_2018)
    parts = soc2010_parts(occupations, crosswalk)
    empirical = read_empirical(reader)
    if empirical is not None:
        nodes, edges = empirical
        node_source = "empirical edgelist (mobility/asec_to_bls_mobility_edgelist.csv)"
    else:
        nodes = soc2010_broad_nodes(reader, parts, occupations)
        edges = pd.DataFrame({"network": [], "source": [], "target": [], "weight": []})
        node_source = "SOC 2010 broad groups reached by the crosswalk (empirical edgelist absent)"
    node_set = set(nodes["node"])
    mapping = map_to_nodes(parts, node_set)
    emp = occupations.set_index("soc_code")["employment"]
    node_emp = (mapping["soc_code"].map(emp) * mapping["share"]).groupby(mapping["node"]).sum()
    nodes["employment"] = nodes["node"].map(node_emp).fillna(0.0)
    reached = occupations["soc_code"].isin(mapping["soc_code"])
    facts = {
        "node_source": node_source,
        "empirical_present": empirical is not None,
        "occupations_mapped": int(reached.sum()),
        "unmapped": occupations.loc[~reached, "soc_code"].tolist(),
        "employment_share": float(occupations.loc[reached, "employment"].sum() / emp.sum()),
        "naive_rule_employment_share": naive_share(occupations, node_set),
        "nodes_without_occupation": int((nodes["employment"] <= 0).sum()),
        "split_occupations": sorted(mapping.loc[mapping.duplicated("soc_code", keep=False), "soc_code"].unique()),
    }
    return nodes[["node", "title", "employment", "source_employment"]], edges, mapping, facts
