"""Transferring the US pack's occupation data onto ISCO-08 units through the SOC 2018 -> ISCO-08 crosswalk.

A unit's value is the mean of the values of the US occupations linked to it, weighted by the link's US
employment (:func:`workshift.data.disaggregate.isco_links`: an occupation's OEWS employment shared equally over
its units). A unit no US occupation reaches takes the mean of its ISCO minor group, else sub-major, else major
group, and is flagged. The US empirical mobility network is mapped the same way:
``P_isco = Pi P_us M``, with ``Pi[u, a]`` the share of unit u's linked US employment that sits on US node a
and ``M[b, v]`` the share of node b's employment that goes to unit v.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workshift.data.contract import CODE

ISCO_LEVELS = ("broad_group", "minor_group", "major_group")  # ISCO minor (3), sub-major (2), major (1 digit)


def weighted_means(values: pd.DataFrame, links: pd.DataFrame, units: pd.Index) -> pd.DataFrame:
    """US values (index: US occupation code; numeric columns) -> employment-weighted means on ISCO units
    (NaN where no linked occupation has a value)."""
    joined = links.merge(values, left_on="soc_code", right_index=True, how="inner")
    out = {}
    for column in values.columns:
        ok = joined[column].notna() & (joined["weight"] > 0)
        part = joined[ok]
        num = (part[column] * part["weight"]).groupby(part["isco"]).sum()
        den = part["weight"].groupby(part["isco"]).sum()
        out[column] = (num / den).reindex(units)
    return pd.DataFrame(out, index=units)


def heaviest(values: pd.Series, links: pd.DataFrame, units: pd.Index) -> pd.Series:
    """A categorical US value on ISCO units: the value with the largest linked US employment."""
    joined = links.assign(value=links["soc_code"].map(values)).dropna(subset=["value"])
    mass = joined.groupby(["isco", "value"])["weight"].sum().reset_index()
    best = mass.sort_values("weight", ascending=False).drop_duplicates("isco").set_index("isco")["value"]
    return best.reindex(units)


def fill_groups(frame: pd.DataFrame, groups: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Fill rows of NaN from the mean of the same ISCO minor, else sub-major, else major group, else all.

    Returns (filled frame, whether the row was filled)."""
    missing = frame.isna().all(axis=1)
    out = frame.copy()
    for level in ISCO_LEVELS:
        keys = groups.loc[out.index, level]
        means = out.groupby(keys.to_numpy()).mean()
        out = out.fillna(pd.DataFrame(means.reindex(keys.to_numpy()).to_numpy(), index=out.index,
                                      columns=out.columns))
    return out.fillna(out.mean()), missing


def skills_on_units(skills: pd.DataFrame, links: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """The US long skills table on ISCO units (``imputed``: the unit has no linked US occupation)."""
    units = groups.index
    frames = []
    for domain, part in skills.groupby("domain"):
        names = part.drop_duplicates("element_id").set_index("element_id")["element_name"]
        scales = {}
        for scale in ("importance", "level"):
            wide = part.pivot_table(index=CODE, columns="element_id", values=scale, aggfunc="mean")
            if wide.empty:
                continue
            filled, missing = fill_groups(weighted_means(wide, links, units), groups)
            scales[scale] = filled
        base = next(iter(scales.values()))
        long = base.rename_axis(CODE).reset_index().melt(id_vars=CODE, var_name="element_id", value_name="_")
        for scale in ("importance", "level"):
            long[scale] = (scales[scale].rename_axis(CODE).reset_index().melt(
                id_vars=CODE, var_name="element_id")["value"].to_numpy() if scale in scales else np.nan)
        long["domain"] = domain
        long["element_name"] = long["element_id"].map(names)
        long["imputed"] = long[CODE].map(missing).astype(bool)
        frames.append(long.drop(columns="_"))
    return pd.concat(frames, ignore_index=True)[[CODE, "domain", "element_id", "element_name", "importance",
                                                 "level", "imputed"]]


def mapped_network(us_edges: pd.DataFrame, us_mapping: pd.DataFrame, us_nodes: list[str], links: pd.DataFrame,
                   units: pd.Index, network: str = "us_empirical", floor: float = 1e-5) -> pd.DataFrame:
    """The US empirical network on ISCO units (module docstring); rows sum to 1, a unit without links stays."""
    node_index, unit_index = pd.Index(us_nodes), pd.Index(units)
    flow = links.merge(us_mapping[[CODE, "node", "share"]], left_on="soc_code", right_on=CODE)
    flow = flow[flow["node"].isin(node_index)]
    mass = np.zeros((len(units), len(us_nodes)))
    np.add.at(mass, (unit_index.get_indexer(flow["isco"]), node_index.get_indexer(flow["node"])),
              (flow["weight"] * flow["share"]).to_numpy())
    us = np.zeros((len(us_nodes), len(us_nodes)))
    us[node_index.get_indexer(us_edges["source"]), node_index.get_indexer(us_edges["target"])] = us_edges["weight"]
    rows = mass.sum(axis=1, keepdims=True)
    pi = np.divide(mass, rows, out=np.zeros_like(mass), where=rows > 0)
    cols = mass.sum(axis=0, keepdims=True)
    to_units = np.divide(mass, cols, out=np.zeros_like(mass), where=cols > 0).T
    p = pi @ us @ to_units
    p[p < floor] = 0.0
    sums = p.sum(axis=1)
    p = np.divide(p, sums[:, None], out=np.zeros_like(p), where=sums[:, None] > 0)
    p[sums <= 0, :] = 0.0
    p[np.flatnonzero(sums <= 0), np.flatnonzero(sums <= 0)] = 1.0
    src, dst = np.nonzero(p)
    return pd.DataFrame({"network": network, "source": unit_index[src], "target": unit_index[dst],
                         "weight": p[src, dst]})
