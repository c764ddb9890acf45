"""The engine's inputs on the mobility network's nodes, built from a region pack (or synthetic, for tests).

The pack's occupation data (employment, wages, exposure, self-employment shares) is aggregated to the 539
nodes with employment weights through ``occupation_nodes`` (employment of an occupation split by ``share``).
A state (``region = "CA"``) uses the pack's state employment and wages; the network stays national.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workshift.data.contract import check_rule
from workshift.errors import InputError, NotFoundError, closest


@dataclass
class MarketInputs:
    """Node-level inputs. ``exposure`` is node x index (employment-weighted raw index values)."""

    nodes: list[str]
    titles: list[str]
    employment: np.ndarray  # wage-and-salary jobs per node (persons)
    self_employment_share: np.ndarray  # 0-1, share of the node's workers who are self-employed
    wage: np.ndarray  # per year, in ``currency`` (USD for the US pack)
    exposure: pd.DataFrame
    exposure_indices: pd.DataFrame
    edges: dict[str, pd.DataFrame]  # network -> (source, target, weight)
    occupation_nodes: pd.DataFrame  # soc_code, title, node, share, employment
    region: str = "US"
    vintage: dict = field(default_factory=dict)
    macro: pd.DataFrame | None = None
    currency: str = "USD"  # of ``wage`` (the pack's currency, ISO 4217)
    # pack currency per US dollar for the lever catalogue's US-dollar costs, with provenance
    # (workshift.data.price_levels; None: the pack has none, the scenario must give [policy] cost_factor)
    cost_conversion: dict | None = None
    # the pack's fits of the separation rate to its country's unemployment rate (meta.calibration; None: none)
    calibration: dict | None = None

    @property
    def n(self) -> int:
        return len(self.nodes)

    def index_values(self, index: str) -> tuple[np.ndarray, str]:
        """Node values of one exposure index and the rescaling rule its declaration gives.

        NotFoundError (with a suggestion) for an index the pack lacks; DataError naming the index when its
        declaration (``exposure_indices.rule``) gives no rule or an unknown one.
        """
        if index not in self.exposure.columns:
            guess = closest(index, list(self.exposure.columns) + ["none"])
            raise NotFoundError(f"unknown exposure index '{index}'",
                                hint=f"did you mean '{guess}'?" if guess else
                                f"available: {', '.join(self.exposure.columns)} or 'none'")
        return self.exposure[index].to_numpy(dtype=np.float64), check_rule(index, self.index_info(index).get(
            "rule"), f"the {self.region} pack's exposure_indices", hint="a pack built before indices declared "
            "their rule: rebuild it (`workshift data build PACK`)")

    def index_info(self, index: str) -> dict:
        """The declaration of one exposure index (a row of ``exposure_indices``; empty if it has none)."""
        rows = self.exposure_indices[self.exposure_indices["index"] == index]
        return rows.iloc[0].to_dict() if len(rows) else {}


def _weighted_by_node(frame: pd.DataFrame, value: str, nodes: list[str]) -> np.ndarray:
    """Employment-weighted mean of ``value`` per node over rows with a value (NaN where none)."""
    ok = frame[value].notna() & (frame["weight"] > 0)
    part = frame[ok]
    num = (part[value] * part["weight"]).groupby(part["node"]).sum()
    den = part["weight"].groupby(part["node"]).sum()
    return (num / den).reindex(nodes).to_numpy(dtype=np.float64)


def from_pack(pack, region: str = "US") -> MarketInputs:
    """Node inputs from a :class:`workshift.data.RegionPack` for the nation ('US') or a state code."""
    occ = pack.occupations[["soc_code", "title", "employment", "wage_mean", "self_employment_share"]].copy()
    if region.upper() not in ("US", pack.name.upper()):
        states = sorted(pack.state_employment["state"].unique())
        code = region.upper()
        if code not in states:
            guess = closest(code, states)
            raise NotFoundError(f"unknown region '{region}'", hint=f"did you mean '{guess}'?" if guess else
                                "use 'US' or a two-letter state code of the pack")
        st = pack.state_employment[pack.state_employment["state"] == code].set_index("soc_code")
        occ["employment"] = occ["soc_code"].map(st["employment"]).fillna(0.0)
        occ["wage_mean"] = occ["soc_code"].map(st["wage_mean"]).fillna(occ["wage_mean"])
        region = code
    else:
        region = "US" if pack.name == "us" else pack.name.upper()
    mapping = pack.occupation_nodes[["soc_code", "node", "share"]].merge(occ, on="soc_code", how="left")
    mapping["weight"] = mapping["employment"].fillna(0.0) * mapping["share"]
    nodes = pack.mobility_nodes["node"].tolist()
    employment = mapping.groupby("node")["weight"].sum().reindex(nodes).fillna(0.0).to_numpy()
    if region in ("US", pack.name.upper()):  # the pack's own node employment (same rule, exact agreement)
        employment = pack.mobility_nodes["employment"].to_numpy(dtype=np.float64)
    wage = _weighted_by_node(mapping, "wage_mean", nodes)
    wage = np.where(np.isnan(wage), np.nanmedian(wage), wage)
    se = _weighted_by_node(mapping, "self_employment_share", nodes)
    se = np.where(np.isnan(se), np.nanmedian(se), se)
    wide = pack.exposure.pivot_table(index="soc_code", columns="index", values="value", aggfunc="mean")
    exp_long = mapping[["soc_code", "node", "weight"]].merge(wide, left_on="soc_code", right_index=True, how="left")
    exposure = pd.DataFrame({name: _weighted_by_node(exp_long, name, nodes) for name in wide.columns},
                            index=pd.Index(nodes, name="node"))
    exposure = exposure.fillna(exposure.median())
    edges = {net: part[["source", "target", "weight"]].reset_index(drop=True)
             for net, part in pack.mobility_edges.groupby("network")}
    occ_nodes = mapping[["soc_code", "title", "node", "share", "employment"]].copy()
    vintage = {"pack": pack.name, "built": pack.meta.get("built"), **(pack.meta.get("vintages") or {})}
    return MarketInputs(nodes=nodes, titles=pack.mobility_nodes["title"].tolist(), employment=employment,
                        self_employment_share=np.clip(se, 0.0, 0.99), wage=wage, exposure=exposure,
                        exposure_indices=pack.exposure_indices.copy(), edges=edges, occupation_nodes=occ_nodes,
                        region=region, vintage=vintage, macro=pack.macro.copy(),
                        currency=getattr(pack, "currency", "USD"), cost_conversion=getattr(pack, "cost_conversion", None),
                        calibration=(getattr(pack, "meta", None) or {}).get("calibration"))


def synthetic(n: int = 60, seed: int = 0, degree: int = 6, isolated: int = 0) -> MarketInputs:
    """A small random economy for tests: a sparse row-stochastic 'empirical' network (with self-loops),
    a denser 'skills' network, lognormal employment, uniform exposure. ``isolated`` nodes get only a
    self-loop (no off-diagonal edges)."""
    if n < 3:
        raise InputError("a synthetic economy needs at least 3 nodes")
    rng = np.random.default_rng(seed)
    nodes = [f"N{k:03d}" for k in range(n)]
    rows = []
    for net, deg in (("empirical", degree), ("skills", min(n - 1, 3 * degree))):
        for i in range(n):
            if net == "empirical" and i < isolated:
                rows.append((net, nodes[i], nodes[i], 1.0))
                continue
            targets = rng.choice(np.delete(np.arange(n), i), size=deg, replace=False)
            w = rng.exponential(1.0, size=deg)
            diag = rng.uniform(0.5, 0.95) if net == "empirical" else 0.0
            w = (1 - diag) * w / w.sum()
            rows.extend((net, nodes[i], nodes[j], float(x)) for j, x in zip(targets, w, strict=True))
            if diag:
                rows.append((net, nodes[i], nodes[i], diag))
    table = pd.DataFrame(rows, columns=["network", "source", "target", "weight"])
    edges = {net: part[["source", "target", "weight"]].reset_index(drop=True) for net, part in table.groupby("network")}
    employment = np.round(rng.lognormal(11, 1, size=n))
    exposure = pd.DataFrame({"gpts_beta": rng.uniform(0, 0.9, n), "frey_osborne": rng.uniform(0, 1, n),
                             "aioe": rng.normal(0, 1, n)}, index=pd.Index(nodes, name="node"))
    indices = pd.DataFrame({"index": ["gpts_beta", "frey_osborne", "aioe"], "low": [0.0, 0.0, -3.0],
                            "high": [1.0, 1.0, 3.0], "rule": ["share", "probability", "quantile"]})
    occ = pd.DataFrame({"soc_code": nodes, "title": nodes, "node": nodes, "share": 1.0, "employment": employment})
    return MarketInputs(nodes=nodes, titles=nodes, employment=employment,
                        self_employment_share=rng.uniform(0.0, 0.6, n), wage=rng.uniform(30e3, 120e3, n),
                        exposure=exposure, exposure_indices=indices, edges=edges, occupation_nodes=occ,
                        region="SYN", vintage={"synthetic": f"seed {seed}"})
