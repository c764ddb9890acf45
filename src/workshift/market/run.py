"""Simulate scenarios: build the model from a scenario and a region pack, run it, and summarise.

Public API::

    result = simulate(load("scenarios/paper.toml"))          # one scenario -> SimulationResult
    batch = simulate_batch(base, hooks)                      # B scenarios (hooks with leading axis B)

Both modes (mean-field, agents) report the same series and summary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workshift._version import __version__
from workshift.data import load_pack
from workshift.market import agents, meanfield
from workshift.market import network as netmod
from workshift.market import params as pmod
from workshift.market.extensions import flexible as flexmod
from workshift.market.extensions import income, insurance, training
from workshift.market.extensions.accounts import unemployment_rates
from workshift.market.hooks import PolicyHooks
from workshift.market.inputs import MarketInputs, from_pack
from workshift.market.model import Model
from workshift.market.pack_rates import pack_rates
from workshift.market.record import Trajectory
from workshift.market.scenario import Scenario
from workshift.market.shock import (
    QUANTILE_REFERENCE,
    RULE_DISPLACEMENT_SHARE,
    DemandPath,
    ShockChannels,
    adoption,
    rescale_exposure,
    shock_channels,
)

SERIES = ("unemployment_rate", "long_term_unemployment_rate", "vacancy_rate", "employment_rate",
          "flexible_share", "training_share")


@dataclass
class Built:
    """A scenario turned into a model, with the shock it implies (p per node) for reporting."""

    scenario: Scenario
    inputs: MarketInputs
    model: Model
    exposure_share: np.ndarray  # x_i, the index as a share of tasks (zeros for 'none')
    probability: np.ndarray  # p_i: the node's own net task-level demand loss share, (displaced - augmented) / D0
    rule: str
    channels: ShockChannels | None = None  # displacement, augmentation, reinstatement per node (persons)
    calibration: dict | None = None  # the pack's separation-rate fit applied (market.calibrate.pack_rates)


def load_inputs(scenario: Scenario) -> MarketInputs:
    return from_pack(load_pack(scenario.market["pack"]), scenario.market["region"])


def _exposure(scenario: Scenario, inputs: MarketInputs) -> tuple[np.ndarray, float, str]:
    """Task shares x of the scenario's index, its displacement share and the index's rule."""
    s = scenario.shock
    index = s["index"]
    if index == "none":
        return np.zeros(inputs.n), 0.0, "none"
    values, rule = inputs.index_values(index)
    info = inputs.index_info(index)
    low, high = float(info.get("low", 0.0)), float(info.get("high", 1.0))
    reference = (inputs.exposure[QUANTILE_REFERENCE].to_numpy() if rule == "quantile" and QUANTILE_REFERENCE in
                 inputs.exposure.columns else None)
    x = rescale_exposure(values, rule, np.maximum(inputs.employment, 1e-9), reference, low, high)
    ds = RULE_DISPLACEMENT_SHARE[rule] if s["displacement_share"] is None else float(s["displacement_share"])
    return x, ds, rule


def reinstatement(scenario: Scenario) -> float:
    """The scenario's reinstatement share: [shock] reinstatement, else 0 with net_loss and 1 without."""
    given = scenario.shock["reinstatement"]
    return float(given) if given is not None else (0.0 if scenario.shock["net_loss"] else
                                                   pmod.value("reinstatement"))


def build(scenario: Scenario, inputs: MarketInputs | None = None) -> Built:
    """The model of a scenario (network, demand path, calibrated extension rates)."""
    inputs = inputs or load_inputs(scenario)
    scenario, fit = pack_rates(scenario, inputs)  # a pack's calibrated separation rate (docs/pack.md)
    params = scenario.model_params()
    # one application per rate period at any step (step.py), so the network's self-loop is that of a period
    r = pmod.self_loop_r(params.rate_period_weeks, scenario.parameter("annual_occupational_mobility"),
                         scenario.parameter("reference_unemployment"))
    kind = scenario.market["network"]
    if kind == "complete":
        net = netmod.complete(inputs.nodes)
    else:
        if kind not in inputs.edges:
            how = ("; the empirical network is user-supplied (licence unclear): `workshift data pull mobility_asec "
                   "--accept-licence mobility_asec`, then `workshift data build us`" if kind == "empirical" else "")
            raise netmod.InputError(f"the pack has no '{kind}' network",
                                    hint=f"available: {sorted(inputs.edges)} ([market] network = ...){how}")
        net = netmod.from_edges(inputs.edges[kind], inputs.nodes, r, kind)
    skills = netmod.from_edges(inputs.edges["skills"], inputs.nodes, r, "skills") if "skills" in inputs.edges else None
    e0 = inputs.employment.astype(np.float64)
    d0 = e0 * (1.0 + params.delta_u_period)  # the paper: d = e + u with u = delta_u e
    x, ds, rule = _exposure(scenario, inputs)
    channels = shock_channels(d0, x, ds, float(scenario.shock["augmentation"]), reinstatement(scenario))
    p = channels.task_loss_share
    cyc = scenario.cycle
    demand = DemandPath(d0, d0 + channels.change,
                        start=int(scenario.shock["start_step"]), adoption_steps=float(scenario.shock["adoption_steps"]),
                        cycle_amplitude=float(cyc["amplitude"]), cycle_period=float(cyc["period_steps"]),
                        cycle_start=int(scenario.shock["start_step"] if cyc["start_step"] is None else cyc["start_step"]))
    f0 = flexmod.initial_stock(e0, inputs.self_employment_share) if params.on("flexible") else None
    edges = None
    if params.on("training"):
        similarity = (skills or net).csr()
        edges = training.default_edges(similarity, demand.d0, demand.d_final,
                                       int(scenario.parameter("training_targets")),
                                       scenario.parameter("training_edge_weight"))
    model = Model(params, net, demand, e0=e0, f0=f0, skills=skills, training_edges=edges,
                  labels={"nodes": inputs.nodes, "titles": inputs.titles})
    if params.on("flexible"):
        model.e_to_flexible, model.u_to_flexible = flexmod.calibrate(model, inputs.self_employment_share)
    return Built(scenario, inputs, model, x, p, rule, channels, fit)


def accountants(built: Built, hooks: PolicyHooks) -> list:
    s, p = built.scenario, built.model.params
    out = []
    if p.on("income"):
        # each occupation's wage curve starts from its rate in the no-policy steady state (the run's start)
        start = unemployment_rates(built.model.steady_state(built.model.demand.d0.shape[0]))
        out.append(income.accountant(built.inputs.wage, p.step_weeks, s.parameter("ui_replacement_ratio"),
                                     s.parameter("ui_recipiency"), int(s.parameter("ui_duration_steps")),
                                     s.parameter("flexible_income_ratio"), s.parameter("flexible_income_cv"),
                                     hooks.benefit_multiplier, start, s.parameter("wage_curve_elasticity")))
    if p.on("insurance"):
        cov = np.where(np.isnan(hooks.flexible_coverage), s.parameter("coverage_flexible"), hooks.flexible_coverage)
        out.append(insurance.accountant(s.parameter("coverage_employed"), cov, s.parameter("ui_recipiency"),
                                        int(s.parameter("ui_duration_steps"))))
    return out


def _run(built: Built, hooks: PolicyHooks, record_nodes: bool, batch: int | None = None) -> Trajectory:
    s = built.scenario
    B = batch or hooks.batch_size()
    hooks_b = hooks.broadcast(B, built.model.n)
    if s.market["mode"] == "agents":
        return agents.run(built.model, hooks_b, steps=s.steps, agents=int(s.market["agents"]),
                          seed=int(s.market["seed"]), record_nodes=record_nodes,
                          accountants=accountants(built, hooks_b))
    return meanfield.run(built.model, hooks_b, steps=s.steps, record_nodes=record_nodes,
                         accountants=accountants(built, hooks_b))


def _channel_totals(built: Built) -> dict[str, float]:
    totals = built.channels.totals() if built.channels is not None else dict.fromkeys(
        ("net_reallocation", "displaced_gross", "augmented", "reinstated"), 0.0)
    return {"displaced_workers": totals["net_reallocation"], "displaced_workers_gross": totals["displaced_gross"],
            "augmented_demand": totals["augmented"], "reinstated_demand": totals["reinstated"]}


def summarise(built: Built, traj: Trajectory, b: int = 0) -> dict[str, Any]:
    """The summary of scenario b of a trajectory (rates are shares of the labour force, 0-1)."""
    rates = {k: v[b] for k, v in traj.rates().items()}
    start = built.model.demand.start
    steps = rates["unemployment_rate"].size - 1
    hi = max(1, min(start, steps + 1))  # the pre-shock window (the converged start is its steady state)
    lo = max(0, hi - 10)
    after = slice(min(start, steps), steps + 1)
    reached = float(adoption(steps, start, built.model.demand.adoption_steps))
    out = {
        "steady_state_unemployment_rate": float(rates["unemployment_rate"][lo:hi].mean()),
        "steady_state_long_term_unemployment_rate": float(rates["long_term_unemployment_rate"][lo:hi].mean()),
        "steady_state_vacancy_rate": float(rates["vacancy_rate"][lo:hi].mean()),
        "peak_unemployment_rate": float(rates["unemployment_rate"][after].max()),
        "peak_unemployment_step": int(start + np.argmax(rates["unemployment_rate"][after])) if start <= steps else 0,
        "peak_long_term_unemployment_rate": float(rates["long_term_unemployment_rate"][after].max()),
        "final_unemployment_rate": float(rates["unemployment_rate"][-1]),
        "final_long_term_unemployment_rate": float(rates["long_term_unemployment_rate"][-1]),
        "final_vacancy_rate": float(rates["vacancy_rate"][-1]),
        "final_flexible_share": float(rates["flexible_share"][-1]),
        "final_training_share": float(rates["training_share"][-1]),
        # the shock's channels at the adoption reached by the last step: the net reallocation (labour demand
        # that must move between occupations) and, separately, the gross task displacement and the new demand
        **{key: value * reached for key, value in _channel_totals(built).items()},
        "demand_change": float(traj.aggregate["target_demand"][b, -1] - traj.aggregate["target_demand"][b, 0]),
        "labour_force": float(traj.aggregate["labour_force"][b, -1]),
        "inactive": float(traj.aggregate["inactive"][b, -1]),
    }
    for key, series in traj.extra.items():
        out[f"mean_{key}"] = float(series[b, after].mean())
    return out


@dataclass
class SimulationResult:
    """One scenario's run: ``series`` (lists of length steps+1), ``summary``, ``meta`` and tables."""

    built: Built
    trajectory: Trajectory
    series: dict[str, list[float]]
    summary: dict[str, Any]
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"series": self.series, "summary": self.summary, "meta": self.meta}


def _exposure_share_used(built: Built) -> float | None:
    given = built.scenario.shock["displacement_share"]
    if given is not None:
        return float(given)
    return None if built.rule == "none" else RULE_DISPLACEMENT_SHARE[built.rule]


def run_meta(built: Built, hooks: PolicyHooks | None = None) -> dict[str, Any]:
    """Data vintage and assumptions behind a run."""
    s, m = built.scenario, built.model
    return {
        "engine": f"workshift {__version__}",
        "model": pmod.PAPER,
        "scenario": s.to_dict(),
        "scenario_path": s.path,
        "region": built.inputs.region,
        "nodes": m.n,
        "network": {"kind": m.network.kind, "self_loop_r": m.network.r, "edges": m.network.nnz},
        "data_vintage": built.inputs.vintage,
        "shock_rule": built.rule,
        "burn_in": m.burn_in.to_json() if m.burn_in is not None else None,
        "calibration": built.calibration,
        "mean_automation_probability": float(np.average(built.probability, weights=np.maximum(m.e0, 1e-9))),
        "shock_channels": {
            "displacement_share": _exposure_share_used(built),
            "augmentation": float(s.shock["augmentation"]),
            "reinstatement": reinstatement(s),
            "persons_at_full_adoption": built.channels.totals() if built.channels is not None else None,
            "displaced_workers": "net reallocation: the sum over occupations of the net loss of labour demand",
            "displaced_workers_gross": "gross task displacement before augmentation and reinstatement",
        },
        "assumptions": {
            "parameters": {k: getattr(m.params, k) for k in ("step_weeks", "rate_period_weeks",
                                                             "applications_per_step", "delta_u", "delta_v",
                                                             "gamma_u", "gamma_v", "ltu_steps")},
            "rates_per": "step (converted from [market] rates per rate_period_weeks)",
            "start": "the model's own steady state under no new policy (burn_in)",
            "extensions": sorted(m.params.extensions),
            "labour_force": "employed + flexible + unemployed (incl. training graduates) + trainees",
            "vacancy_rate": "v / (e + v) as JOLTS",
            "rates_are": "shares 0-1",
            "defaults": pmod.parameter_table(),
            "policy": None if hooks is None or hooks.is_default() else "custom hooks",
        },
    }


def simulate(scenario: Scenario, inputs: MarketInputs | None = None, hooks: PolicyHooks | None = None,
             record_nodes: bool = True) -> SimulationResult:
    """Run one scenario (its own ``[policy]`` hooks unless ``hooks`` is given)."""
    built = build(scenario, inputs)
    hooks = hooks or scenario.hooks()
    traj = _run(built, hooks, record_nodes, batch=1)
    rates = traj.rates()
    series = {k: [float(x) for x in rates[k][0]] for k in SERIES}
    return SimulationResult(built, traj, series, summarise(built, traj), run_meta(built, hooks))


@dataclass
class BatchResult:
    """B scenarios: ``rates[name]`` (B, steps+1), ``node[name]`` (B, n) summaries, ``summary`` per scenario."""

    built: Built
    trajectory: Trajectory
    rates: dict[str, np.ndarray]
    node: dict[str, np.ndarray]
    summary: list[dict[str, Any]]
    meta: dict[str, Any]

    def summary_array(self, key: str) -> np.ndarray:
        return np.array([s[key] for s in self.summary])


def simulate_batch(base: Scenario, hooks: PolicyHooks, inputs: MarketInputs | None = None,
                   built: Built | None = None, record_nodes: bool = False) -> BatchResult:
    """Run the base scenario under B policy settings at once (``hooks`` fields with leading axis B).

    Pass ``built`` (from :func:`build`) to reuse the model across calls, as an optimiser does.
    """
    built = built or build(base, inputs)
    traj = _run(built, hooks, record_nodes)
    B = traj.aggregate["employed"].shape[0]
    return BatchResult(built, traj, traj.rates(), traj.node_summary, [summarise(built, traj, b) for b in range(B)],
                       run_meta(built, hooks))
