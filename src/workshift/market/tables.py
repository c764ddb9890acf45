"""Result tables of a simulation: aggregate series, per-node series, per-occupation summary."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workshift.market.run import SERIES, SimulationResult

# Accounting series of the income and insurance extensions: always columns of the series table (NaN when the
# extension is off) so that every stored run has the same schema.
ACCOUNTS = ("wage_income", "flexible_income", "benefit_income", "flexible_income_sd", "total_income",
            "hours_lost_income", "insured", "insurance_coverage_rate", "uninsured_flexible")


def aggregate_table(result: SimulationResult, b: int = 0) -> pd.DataFrame:
    """One row per step: the public rate series plus the stocks (persons)."""
    traj = result.trajectory
    steps = traj.aggregate["employed"].shape[1]
    week = np.arange(steps) * result.built.model.params.step_weeks
    frame = pd.DataFrame({"step": np.arange(steps), "week": week})
    rates = traj.rates()
    for key in SERIES:
        frame[key] = rates[key][b]
    for key, values in traj.aggregate.items():
        frame[key] = values[b]
    for key in ACCOUNTS:
        frame[key] = traj.extra[key][b] if key in traj.extra else np.nan
    return frame


def node_table(result: SimulationResult, b: int = 0) -> pd.DataFrame:
    """Long table (step, node) of stocks and the node's unemployment rate (needs recorded nodes)."""
    nodes = result.trajectory.nodes
    if nodes is None:
        return pd.DataFrame()
    T, _, n = nodes["e"].shape
    names = result.built.inputs.nodes
    data = {"step": np.repeat(np.arange(T), n), "node": np.tile(np.asarray(names, dtype=object), T)}
    for key, label in (("e", "employed"), ("u", "unemployed"), ("v", "vacancies"), ("ltu", "long_term_unemployed"),
                       ("f", "flexible"), ("tr", "training"), ("x", "inactive"), ("target", "target_demand")):
        data[label] = nodes[key][:, b, :].reshape(-1)
    frame = pd.DataFrame(data)
    lf = frame["employed"] + frame["flexible"] + frame["unemployed"] + frame["training"]
    frame["unemployment_rate"] = np.where(lf > 0, frame["unemployed"] / lf.where(lf > 0, 1.0), 0.0)
    return frame


def node_summary(result: SimulationResult, b: int = 0) -> pd.DataFrame:
    """One row per node: exposure, automation probability, degree and unemployment before/after."""
    built, summary = result.built, result.trajectory.node_summary
    frame = pd.DataFrame({
        "node": built.inputs.nodes, "title": built.inputs.titles, "employment": built.model.e0,
        "exposure_share": built.exposure_share, "automation_probability": built.probability,
        "degree": built.model.network.degree(),
    })
    for key, values in summary.items():
        frame[key] = values[b]
    frame["unemployment_rate_change"] = frame["unemployment_rate_peak"] - frame["unemployment_rate_steady"]
    return frame


def occupation_table(result: SimulationResult, b: int = 0) -> pd.DataFrame:
    """The node results shown back at the occupation level (each occupation takes its nodes' rates,
    weighted by the share of its employment mapped to each node)."""
    nodes = node_summary(result, b).set_index("node")
    occ = result.built.inputs.occupation_nodes.copy()
    cols = ["automation_probability", "unemployment_rate_steady", "unemployment_rate_peak", "unemployment_rate_final",
            "ltu_rate_final", "unemployment_rate_change"]
    for col in cols:
        occ[col] = occ["node"].map(nodes[col]) * occ["share"]
    grouped = occ.groupby(["soc_code", "title"], dropna=False)
    out = grouped[cols].sum().reset_index()
    out["employment"] = grouped["employment"].first().to_numpy()
    out["nodes"] = grouped["node"].agg(lambda s: ",".join(sorted(set(s)))).to_numpy()
    return out.sort_values("unemployment_rate_change", ascending=False).reset_index(drop=True)
