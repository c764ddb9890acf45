"""From a scenario file to an optimised, stored plan: load, prepare, search, summarise, save.

``[policy]`` keys of the policy stage (budget, currency, horizon_years, phases, discount_rate, start_year,
levers, objectives, weights) are read here; any engine hook names under ``[policy]``
(``matching_efficiency``...) stay with the engine scenario as fixed background policy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from workshift._version import __version__
from workshift.errors import DataError, InputError
from workshift.i18n import t
from workshift.market.hooks import HOOKS
from workshift.market.run import build
from workshift.market.scenario import from_dict, read_toml
from workshift.optimize.distributed import ChunkedEvaluator, DaskEvaluator
from workshift.optimize.evaluator import PolicyEvaluator
from workshift.optimize.front import EXACT_MAX_OBJECTIVES, REF_BENEFIT, REF_COST
from workshift.optimize.search import SearchResult, optimise
from workshift.policy import local_costs
from workshift.policy.calibration import DISADVANTAGE
from workshift.policy.catalogue import Lever, load_catalogue
from workshift.policy.currency import SOURCES, TARGET_PRICE_YEAR
from workshift.policy.objectives import METRICS, Objective, resolve_objectives
from workshift.policy.portfolio import PortfolioSpace
from workshift.policy.spec import POLICY_KEYS, PolicySpec, parse_policy


@dataclass
class PolicyScenario:
    path: str | None
    engine: Any  # workshift.market.scenario.Scenario
    policy: PolicySpec
    catalogue: dict[str, Lever]
    skipped: dict[str, str] = field(default_factory=dict)  # lever -> why it is not in play


def read_scenario(path: str | Path) -> dict[str, Any]:

    path = Path(path)
    if not path.is_file():
        raise DataError("scenario file not found", file=path, expected="a TOML scenario (see scenarios/)",
                        zh=t("common.err_scenario_not_found", "zh"), expected_zh=t("common.err_scenario_expected", "zh"))
    return read_toml(path, "a TOML scenario (see scenarios/)")


def load_policy_scenario(source: str | Path | dict[str, Any], home: str | Path | None = None,
                         path: str | None = None) -> PolicyScenario:
    """Split a scenario into the engine's part and the ``[policy]`` section; validate both."""

    raw = dict(read_scenario(source)) if not isinstance(source, dict) else dict(source)
    path = path or (str(source) if not isinstance(source, dict) else None)
    policy_raw = raw.pop("policy", None) or {}
    if not isinstance(policy_raw, dict):
        raise InputError(f"{path + ': ' if path else ''}'policy' must be a table ([policy])")
    policy_raw = dict(policy_raw)
    hooks = {k: policy_raw.pop(k) for k in list(policy_raw) if k in HOOKS and k not in POLICY_KEYS}
    if hooks:
        raw["policy"] = hooks
    engine = from_dict(raw, path)
    catalogue = load_catalogue(home)
    spec = parse_policy(policy_raw or None, catalogue, file=path)
    extensions = set(engine.market["extensions"])
    skipped = {}
    for lid in spec.lever_ids(catalogue):
        missing = [e for e in catalogue[lid].requires if e not in extensions]
        if not missing:
            continue
        if spec.levers:  # named explicitly: an error
            raise InputError(f"{path + ': ' if path else ''}lever '{lid}' needs the engine extension(s) "
                             f"{', '.join(missing)}", hint="add them to [market] extensions or drop the lever")
        skipped[lid] = f"needs extension(s) {', '.join(missing)}"
    return PolicyScenario(path, engine, spec, catalogue, skipped)


@dataclass
class Prepared:
    scenario: PolicyScenario
    built: Any
    evaluator: PolicyEvaluator
    objectives: tuple[Objective, ...]
    baseline: dict[str, float]
    baseline_series: dict[str, np.ndarray]
    costs: dict[str, Any] = field(default_factory=dict)  # the cost factor used (workshift.policy.local_costs)


def prepare(scenario: PolicyScenario, objectives: str | list[str] | None = None, inputs: Any = None) -> Prepared:
    """Build the engine model, the portfolio space and the evaluator; compute the no-policy baseline."""

    spec = scenario.policy
    extensions = scenario.engine.market["extensions"]
    has_shock = scenario.engine.shock["index"] != "none"
    chosen = resolve_objectives(objectives if objectives is not None else spec.objectives, extensions, has_shock)
    ids = [lid for lid in spec.lever_ids(scenario.catalogue) if lid not in scenario.skipped]
    if not ids:
        raise InputError("no lever can act in this scenario", hint="; ".join(f"{k}: {v}" for k, v in
                                                                         scenario.skipped.items()))
    bounds = spec.bounds(scenario.catalogue)
    space = PortfolioSpace.build([scenario.catalogue[i] for i in ids], {i: bounds[i] for i in ids},
                                 spec.horizon_years, spec.phases)
    built = build(_with_training_edges(scenario.engine, scenario.catalogue, ids), inputs)
    # the budget and the lever costs in the pack's currency (docs/policy.md, "Costs in the pack's currency")
    spec, costs = local_costs.resolve(spec, built.inputs.currency, built.inputs.cost_conversion,
                                      scenario.engine.market.get("pack", ""), scenario.path)
    scenario = replace(scenario, policy=spec)
    evaluator = PolicyEvaluator.build(built, space, spec.discount_rate, cost_factor=costs["factor"])
    floor = float(evaluator.costs.cost(space.zero())[0])
    if floor > spec.budget:
        raise InputError(f"the lever minimums alone cost {floor:,.0f} {spec.currency}, more than the budget "
                         f"{spec.budget:,.0f}", hint="lower the [policy.levers.*] min values or raise the budget")
    run = evaluator.simulate(space.zero()[None])
    values = evaluator.metrics(space.zero()[None], run["series"])
    baseline = {k: float(v[0]) for k, v in values.items()}
    return Prepared(scenario, built, evaluator, chosen, baseline, {k: v[0] for k, v in run["series"].items()},
                    costs)


def _with_training_edges(engine: Any, catalogue: dict[str, Lever], ids: list[str]) -> Any:
    """The engine scenario with the training lever's ``edge_weight`` (share s of a graduate's search along the
    new edges) as the engine's ``training_edge_weight`` w relative to a row of A (s = w / (1 + w)), unless the
    scenario sets it; without the training lever in play, unchanged."""
    params = engine.sections.get("parameters", {})
    if "training" not in ids or params.get("training_edge_weight") is not None:
        return engine
    share = catalogue["training"].effect("edge_weight")
    sections = {**engine.sections, "parameters": {**params, "training_edge_weight": share / (1.0 - share)}}
    return replace(engine, sections=sections)


def rebuilt_for(prepared: Prepared, lever: Lever) -> PolicyEvaluator | None:
    """An evaluator built for ``lever`` where it changes what the engine model is built with (the training
    lever's ``edge_weight``: the graduates' new edges), else None (its effects act through the mapping only).
    The model's training edges are rescaled to the new weight (they are linear in it) and the evaluator,
    its converged start and no-policy run included, is built again."""
    built = prepared.built
    params = prepared.scenario.engine.sections.get("parameters", {})
    model = built.model
    old = prepared.scenario.catalogue.get(lever.id)
    if (lever.id != "training" or old is None or model.training_edges is None
            or params.get("training_edge_weight") is not None
            or lever.effect("edge_weight") == old.effect("edge_weight")):
        return None
    s_old, s_new = old.effect("edge_weight"), lever.effect("edge_weight")
    scale = (s_new / (1.0 - s_new)) / (s_old / (1.0 - s_old))
    new_model = replace(model, training_edges=(model.training_edges * scale).tocsr())
    ev = prepared.evaluator
    space = replace(ev.space, levers=tuple(lever if lv.id == lever.id else lv for lv in ev.space.levers))
    return PolicyEvaluator.build(replace(built, model=new_model), space, prepared.scenario.policy.discount_rate)


def search(prepared: Prepared, algorithm: str | Any = "nsga2", pop: int = 100, generations: int = 100,
           seed: int = 1, dask: bool | str = False, chunk_size: int | None = None,
           progress: Callable[[int, int], None] | None = None, termination: Any = None) -> SearchResult:
    """Run the optimiser over the prepared evaluator, locally or on Dask (identical results); ``algorithm`` is a
    name or a pymoo algorithm object, ``termination`` an optional pymoo termination
    (:func:`workshift.optimize.search.optimise`)."""

    ev = prepared.evaluator
    spec = prepared.scenario.policy
    weights = spec.weights if spec.weights and len(spec.weights) == len(prepared.objectives) else None
    chunk = chunk_size or (max(1, (pop + 1) // 2) if dask else pop)
    runner = (DaskEvaluator(ev, chunk, address=dask if isinstance(dask, str) else None) if dask
              else ChunkedEvaluator(ev, chunk))
    try:
        return optimise(runner, ev.space.xl, ev.space.xu, ev.space.zero(), prepared.objectives, spec.budget,
                        prepared.baseline, algorithm=algorithm, pop=pop, generations=generations, seed=seed,
                        weights=weights, repair=lambda x: ev.costs.repair(x, spec.budget), progress=progress,
                        termination=termination)
    finally:
        runner.close()


def _objectives_of(values: dict[str, np.ndarray], i: int, keys: list[str]) -> dict[str, float]:
    return {k: float(values[k][i]) for k in keys if k in values}


def summarise(prepared: Prepared, result: SearchResult) -> dict[str, Any]:
    """The JSON-able result: baseline, pareto, recommended (with schedule), hypervolume, evaluations, seconds."""
    ev = prepared.evaluator
    space = ev.space
    keys = [o.key for o in prepared.objectives]
    extra = [k for k in (*METRICS, "coverage") if k in result.values and k not in keys]
    pareto = [{"portfolio": space.as_dict(result.x[i]), "objectives": _objectives_of(result.values, i, keys),
               "cost": float(result.values["cost"][i])} for i in result.pareto]
    rec = result.recommended
    x_rec = result.x[rec]
    schedule = ev.schedule(x_rec[None], prepared.scenario.policy.start_year)
    spec = prepared.scenario.policy
    return {
        "scenario": prepared.scenario.path,
        "algorithm": result.algorithm, "seed": result.seed, "objectives": keys,
        "budget": spec.budget, "currency": spec.currency, "horizon_years": spec.horizon_years,
        "cost_factor": prepared.costs.get("factor", 1.0), "cost_basis": prepared.costs.get("basis"),
        "wage_currency": getattr(prepared.built.inputs, "currency", "USD"),  # of wages and income (the pack's)
        "levers": space.ids, "levers_skipped": prepared.scenario.skipped,
        "baseline": {k: prepared.baseline[k] for k in [*keys, *extra] if k in prepared.baseline},
        "pareto": pareto,
        "recommended": {"portfolio": space.as_dict(x_rec),
                        "objectives": _objectives_of(result.values, rec, [*keys, *extra]),
                        "cost": float(result.values["cost"][rec]),
                        "schedule": schedule.to_dict(orient="records")},
        "hypervolume": result.hypervolume,
        "convergence": {"hypervolume_per_generation": result.hypervolume_history, "converged": result.converged,
                        "generations_run": len(result.hypervolume_history),
                        "rule": f"stop when the hypervolume of everything evaluated improves by less than "
                                f"{result.tolerance:g} (relative) over {result.window} generations",
                        "tolerance": result.tolerance, "window": result.window},
        "hypervolume_reference": {"benefit": REF_BENEFIT, "cost": REF_COST,
                                  "method": "exact" if len(keys) <= EXACT_MAX_OBJECTIVES else "monte-carlo"},
        "evaluations": result.evaluations, "seconds": round(result.seconds, 3),
        "participant_effects": {k: {"target_pp": list(c.target), "reproduced_pp": [round(v, 3) for v in c.fitted],
                                    "a": c.a, "b": c.b, "kappa_months": c.kappa}
                                for k, c in ev.ctx.calibration.items()},
        "meta": run_meta(prepared),
    }


def run_meta(prepared: Prepared) -> dict[str, Any]:

    built = prepared.built
    levers = prepared.evaluator.space.levers
    return {
        "workshift": __version__,
        "data_vintage": built.inputs.vintage,
        "region": built.inputs.region,
        "engine": {"extensions": sorted(built.model.params.extensions), "step_weeks": built.model.params.step_weeks,
                   "shock": dict(prepared.scenario.engine.shock), "nodes": built.model.n,
                   "rate_period_weeks": built.model.params.rate_period_weeks,
                   "burn_in": built.model.burn_in.to_json() if built.model.burn_in is not None else None},
        "policy_start_step": prepared.evaluator.start_step,
        "costs": {lv.id: {"per_unit": float(prepared.evaluator.costs.unit_cost[i]), "per": lv.cost.per,
                          "source": lv.cost.source, "currency": prepared.scenario.policy.currency,
                          "price_year": TARGET_PRICE_YEAR,
                          "per_unit_usd": None if lv.cost.is_share_of_earnings else
                          float(prepared.evaluator.costs.unit_cost[i]) / prepared.costs.get("factor", 1.0)}
                  for i, lv in enumerate(levers)},
        "currency_conversion": SOURCES,
        "cost_conversion": prepared.costs,
        "participant_disadvantage": {k: {"value": prepared.evaluator.ctx.phi if k == "phi" else v[0], "source": v[1]}
                                     for k, v in DISADVANTAGE.items()},
        "lever_updates": {lv.id: {k: e.provenance for k, e in lv.effects.items() if e.provenance}
                          for lv in levers if any(e.provenance for e in lv.effects.values())},
    }
