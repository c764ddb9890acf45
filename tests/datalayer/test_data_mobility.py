"""Mobility networks of the US pack: row-stochastic, 539 nodes, occupations mapped through the crosswalks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workshift.data import RegionPack
from workshift.data.mobility import map_to_nodes


def test_empirical_network_matches_source(us_pack: RegionPack, data_dir) -> None:
    raw = pd.read_csv(data_dir / "mobility/asec_to_bls_mobility_edgelist.csv")
    codes, matrix = us_pack.transition_matrix("empirical")
    assert len(codes) == 539 == len(us_pack.mobility_nodes)
    assert (matrix > 0).sum() == len(raw) == 15426
    assert np.allclose(matrix.sum(axis=1), 1.0, atol=1e-12)
    # renormalising changes a row by at most its published deviation from 1 (< 0.004)
    index = {c: i for i, c in enumerate(codes)}
    first = raw.iloc[0]
    value = matrix[index[first["OCC_source"]], index[first["OCC_target"]]]
    assert value == pytest.approx(first["transition_prob_BLS_ASECnorm_corr"], rel=4e-3)
    nodes = us_pack.mobility_nodes.set_index("node")
    assert nodes["source_employment"].sum() == pytest.approx(144_731_260)


@pytest.mark.parametrize("network", ["empirical", "skills"])
def test_networks_are_row_stochastic(us_pack: RegionPack, network: str) -> None:
    codes, matrix = us_pack.transition_matrix(network)
    assert len(codes) == 539
    assert (matrix >= 0).all()
    assert np.allclose(matrix.sum(axis=1), 1.0, atol=1e-9)
    summary = us_pack.quality["mobility"][network]
    assert summary["nodes"] == 539 and summary["edges"] == int((matrix > 0).sum())


def test_skills_network_links_similar_occupations(us_pack: RegionPack) -> None:
    codes, matrix = us_pack.transition_matrix("skills")
    index = {c: i for i, c in enumerate(codes)}
    row = matrix[index["15-1132"]]  # software developers, applications (SOC 2010)
    top = [codes[i] for i in np.argsort(-row)[:6]]
    assert top[0] == "15-1132"  # the diagonal: staying
    assert sum(c.startswith("15-11") for c in top[1:]) >= 4
    assert np.diag(matrix).min() >= 0.94 - 1e-12


def test_every_occupation_reaches_a_node(us_pack: RegionPack) -> None:
    mapping = us_pack.occupation_nodes
    occ = us_pack.occupations
    assert set(mapping["node"]) <= set(us_pack.mobility_nodes["node"])
    shares = mapping.groupby("soc_code")["share"].sum()
    assert np.allclose(shares, 1.0)
    emp = occ.set_index("soc_code")["employment"]
    mapped = emp[shares.index].sum() / emp.sum()
    assert mapped >= 0.96
    assert us_pack.quality["mobility"]["empirical"]["employment_share"] == pytest.approx(mapped)
    # the naive last-digit rule loses over a quarter of employment
    assert us_pack.quality["mobility"]["mapping"]["naive_rule_employment_share"] == pytest.approx(0.717, abs=0.01)
    # node employment is the OEWS May 2025 employment mapped onto it
    assert us_pack.mobility_nodes["employment"].sum() == pytest.approx(emp[shares.index].sum())


def test_home_health_aides_split_over_two_nodes(us_pack: RegionPack) -> None:
    parts = us_pack.occupation_nodes[us_pack.occupation_nodes["soc_code"] == "31-1120"].set_index("node")
    assert set(parts.index) == {"31-1010", "39-9020"}  # SOC 2010 31-1011 and 39-9021 under their broad nodes
    assert parts["share"].sum() == pytest.approx(1.0)
    assert parts["rule"].str.startswith("split").all()


def test_mapping_rule_levels() -> None:
    parts = pd.DataFrame({"soc_code": ["a", "b", "c", "c", "d"],
                          "soc2010": ["13-2051", "15-1133", "25-1011", "25-1191", "99-9999"]})
    nodes = {"13-2051", "15-1130", "25-1000"}
    mapped = map_to_nodes(parts, nodes).set_index("soc_code")
    assert mapped.loc["a", "node"] == "13-2051" and mapped.loc["a", "rule"] == "exact SOC 2010 code"
    assert mapped.loc["b", "node"] == "15-1130" and mapped.loc["b", "rule"] == "SOC 2010 broad group"
    assert mapped.loc["c", "node"] == "25-1000" and mapped.loc["c", "share"] == pytest.approx(1.0)
    assert "d" not in mapped.index
