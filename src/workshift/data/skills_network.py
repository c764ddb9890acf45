"""The skills-based mobility network: built only from redistributable O*NET 29.3 data, on the pack's nodes.

Construction (documented in ``docs/data.md``):

1. Occupation vector: O*NET skill importance (35), knowledge importance (33) and generalised work-activity
   shares (37) of the occupation; an occupation without O*NET data (an OEWS "all other" code, say) takes the
   mean vector of its SOC broad, else minor, else major group.
2. Node vector: the employment-weighted mean of its member occupations' vectors (weights: OEWS employment x
   the occupation's share in the node); each feature is then standardised across nodes (z-score) so that
   the three blocks count by their number of features, not by their units.
3. Similarity: cosine of node vectors, mapped to [0, 1] by (1 + cos) / 2.
4. Links: each node keeps its ``TOP_K`` most similar other nodes plus every node linked to it by O*NET
   Related Occupations (mapped to nodes through the occupation mapping).
5. Weights: the off-diagonal links share ``1 - STAY`` in proportion to similarity; the diagonal is ``STAY``
   (the median diagonal of the empirical network, 0.939, rounded). A node with no O*NET data and no
   related link keeps only its diagonal (weight 1). Every row sums to 1; the engine may replace the diagonal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workshift.data import schemas
from workshift.data.harmonise import Harmoniser, onet_to_soc
from workshift.data.onet import fill_from_groups
from workshift.data.reading import Reader

TOP_K = 10
STAY = 0.94
FEATURES = (("skills", "importance"), ("knowledge", "importance"), ("work_activities", "level"))


def node_vectors(skills: pd.DataFrame, occupations: pd.DataFrame, mapping: pd.DataFrame,
                 nodes: list[str]) -> np.ndarray:
    """Standardised node x feature matrix; rows of NaN for nodes without any O*NET data."""
    blocks = []
    for domain, scale in FEATURES:
        part = skills[skills["domain"] == domain]
        blocks.append(part.pivot_table(index="soc_code", columns="element_id", values=scale, aggfunc="mean"))
    occ_matrix = fill_from_groups(pd.concat(blocks, axis=1).dropna(), occupations)
    emp = occupations.set_index("soc_code")["employment"]
    links = mapping[mapping["soc_code"].isin(occ_matrix.index)]
    weights = links["share"].to_numpy() * links["soc_code"].map(emp).to_numpy()
    node_index = pd.Index(nodes)
    rows = node_index.get_indexer(links["node"])
    values = occ_matrix.loc[links["soc_code"]].to_numpy()
    total = np.zeros((len(nodes), values.shape[1]))
    mass = np.zeros(len(nodes))
    np.add.at(total, rows, values * weights[:, None])
    np.add.at(mass, rows, weights)
    with np.errstate(invalid="ignore", divide="ignore"):
        vectors = total / mass[:, None]
    vectors[mass <= 0] = np.nan
    have = ~np.isnan(vectors).any(axis=1)
    mean = vectors[have].mean(axis=0)
    std = vectors[have].std(axis=0)
    std[std == 0] = 1.0
    return (vectors - mean) / std


def related_pairs(reader: Reader, harmoniser: Harmoniser, mapping: pd.DataFrame) -> pd.DataFrame:
    """Node pairs linked by O*NET Related Occupations (both directions as published)."""
    raw = reader.table("onet/tsv/Related Occupations.txt", schemas.RELATED, sep="\t")
    frame = pd.DataFrame({
        "a": harmoniser.occupation_of(onet_to_soc(raw["O*NET-SOC Code"])),
        "b": harmoniser.occupation_of(onet_to_soc(raw["Related O*NET-SOC Code"])),
    }).dropna()
    node_of = mapping[["soc_code", "node"]]
    pairs = frame.merge(node_of, left_on="a", right_on="soc_code").merge(
        node_of, left_on="b", right_on="soc_code", suffixes=("_a", "_b"))
    pairs = pairs.rename(columns={"node_a": "source", "node_b": "target"})[["source", "target"]]
    return pairs[pairs["source"] != pairs["target"]].drop_duplicates()


def similarity_edges(vectors: np.ndarray, codes: list[str], pairs: pd.DataFrame | None = None,
                     network: str = "skills") -> tuple[pd.DataFrame, dict]:
    """Edges of a skills-based network from node vectors (rows of NaN: no data), by steps 3-5 above.

    ``pairs``: extra (source, target) links to keep (O*NET Related Occupations in the US pack).
    """
    n = len(codes)
    top_k = min(TOP_K, max(n - 1, 0))
    have = ~np.isnan(vectors).any(axis=1)
    unit = np.where(have[:, None], vectors, 0.0)
    norms = np.linalg.norm(unit, axis=1)
    norms[norms == 0] = 1.0
    unit = unit / norms[:, None]
    similarity = (1.0 + unit @ unit.T) / 2.0
    similarity[~have, :] = 0.0
    similarity[:, ~have] = 0.0
    np.fill_diagonal(similarity, -np.inf)

    keep = np.zeros((n, n), dtype=bool)
    top = np.argsort(-similarity, axis=1)[:, :top_k]
    keep[np.repeat(np.arange(n), top_k), top.ravel()] = True
    keep[~have, :] = False
    index = pd.Index(codes)
    if pairs is not None and len(pairs):
        keep[index.get_indexer(pairs["source"]), index.get_indexer(pairs["target"])] = True
    np.fill_diagonal(keep, False)

    weight = np.where(keep, np.maximum(similarity, 0.0), 0.0)
    # a related link between nodes without vectors still counts, with the smallest positive similarity
    positive = similarity[np.isfinite(similarity) & (similarity > 0)]
    weight[keep & (weight <= 0)] = positive.min() if len(positive) else 1.0
    off = weight.sum(axis=1)
    scale = np.divide(1.0 - STAY, off, out=np.zeros(n), where=off > 0)
    weight = weight * scale[:, None]
    np.fill_diagonal(weight, np.where(off > 0, STAY, 1.0))
    src, dst = np.nonzero(weight)
    edges = pd.DataFrame({"network": network, "source": index[src], "target": index[dst],
                          "weight": weight[src, dst]})
    facts = {"top_k": top_k, "stay": STAY, "nodes_without_vectors": int((~have).sum()),
             "related_links": int(len(pairs)) if pairs is not None else 0, "isolated_nodes": int((off <= 0).sum())}
    return edges, facts


def build_skills_network(reader: Reader, harmoniser: Harmoniser, skills: pd.DataFrame,
                         occupations: pd.DataFrame, mapping: pd.DataFrame, nodes: pd.DataFrame
                         ) -> tuple[pd.DataFrame, dict]:
    codes = nodes["node"].tolist()
    vectors = node_vectors(skills, occupations, mapping, codes)
    return similarity_edges(vectors, codes, related_pairs(reader, harmoniser, mapping))
