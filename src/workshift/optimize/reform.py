"""A hand-picked reform against the status quo: ``workshift policy evaluate REFORM.toml``.

The reform is the scenario's ``[policy.reform]`` table (lever = intensity, or one intensity per phase). The
status quo is **no new policy**: every lever at its dated default on the first policy day (the catalogue's
``[intensity.values]``), at cost 0 (it is already paid for). The reform's cost is its spending above the
status quo's. Both run on the same engine, start and shock; every objective and metric is reported for
both, with the difference reform - status quo. The reform's ``policy_effect`` is its job-years against the
status quo, its ``ai_displacement`` the work AI costs under the reform.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from workshift.errors import InputError
from workshift.optimize.pipeline import PolicyScenario, Prepared, prepare, run_meta


@dataclass
class ReformEvaluation:
    """The reform and the status quo, objective by objective (natural units, see ``docs/policy.md``)."""

    scenario: str | None
    portfolio: dict[str, list[float]]
    status_quo: dict[str, float]
    reform: dict[str, float]
    difference: dict[str, float]
    budget: float
    currency: str
    within_budget: bool
    schedule: list[dict[str, Any]]
    meta: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def status_quo_bounds(sc: PolicyScenario) -> dict[str, tuple[float, float]]:
    """Bounds that put the status quo (each reform lever at its dated default) at the lower bound."""
    spec = sc.policy
    day = f"{spec.start_year}-01-01"
    out = {}
    for lid, values in spec.reform.items():
        lever = sc.catalogue[lid]
        default = lever.default(day)
        out[lid] = (default, max(default, lever.bounds[1], *values))
    return out


def prepare_reform(sc: PolicyScenario, inputs: Any = None) -> Prepared:
    """Prepare the evaluator with only the reform's levers in play, the status quo at their lower bounds."""
    spec = sc.policy
    if not spec.reform:
        raise InputError(f"{sc.path or 'scenario'}: no [policy.reform] table to evaluate",
                         hint="add [policy.reform] with lever = intensity (e.g. training = 0.1)")
    skipped = [lid for lid in spec.reform if lid in sc.skipped or any(
        e not in sc.engine.market["extensions"] for e in sc.catalogue[lid].requires)]
    if skipped:
        raise InputError(f"{sc.path or 'scenario'}: reform lever(s) {', '.join(skipped)} need engine extensions "
                         "the scenario does not switch on", hint="add them to [market] extensions")
    policy = replace(spec, levers=status_quo_bounds(sc), budget=float("inf"))
    return prepare(replace(sc, policy=policy, skipped={}), spec.objectives, inputs=inputs)


def evaluate_reform(sc: PolicyScenario, inputs: Any = None) -> ReformEvaluation:
    """Evaluate the scenario's ``[policy.reform]`` against no new policy."""
    prepared = prepare_reform(sc, inputs)
    # the budget in the pack's currency (a US-dollar budget converted by the cost factor, as prepare does)
    factor = prepared.costs.get("factor", 1.0) if prepared.costs.get("budget_given") else 1.0
    budget, currency = sc.policy.budget * factor, prepared.scenario.policy.currency
    ev = prepared.evaluator
    x = ev.space.from_dict({lid: list(v) for lid, v in sc.policy.reform.items()})[None]
    values = ev(np.vstack([ev.space.zero()[None], x]))
    keys = sorted(k for k in values if np.all(np.isfinite(values[k])))
    status = {k: float(values[k][0]) for k in keys}
    reform = {k: float(values[k][1]) for k in keys}
    reform["cost"] = reform["cost"] - status["cost"]  # new spending above the status quo's
    status["cost"] = 0.0
    schedule = ev.schedule(x, sc.policy.start_year)
    return ReformEvaluation(
        scenario=sc.path, portfolio=ev.space.as_dict(x[0]), status_quo=status, reform=reform,
        difference={k: reform[k] - status[k] for k in keys}, budget=budget, currency=currency,
        within_budget=bool(reform["cost"] <= budget), schedule=schedule.to_dict(orient="records"),
        meta=run_meta(prepared))
