"""Uncertainty of a portfolio's outcomes: one-at-a-time sensitivity and a seeded ensemble.

**Sensitivity** (:func:`sensitivity`): each lever alone at half its maximum intensity; each of its assumed
effect parameters (those with an explicit ``low``/``high`` in the lever file) and its cost set to its low and
high value in turn, everything else at the catalogue's values. Reported: job-years under AI against no new
policy and cost per job-year at low, value and high.

**Ensemble** (:func:`ensemble`): ``structural`` draws of the shock (the exposure index among the GenAI
indices of :data:`GENAI_INDICES`, the displacement share uniform on :data:`DISPLACEMENT_RANGE`,
the low-high range of the engine's ``displacement_share`` parameter), each with ``draws // structural`` draws of the levers: every effect with an ``sd`` from a normal (the programme effects
on participants, recalibrated in the engine) and every cost uniform on its low-high range. Everything is seeded. For a portfolio and for no new policy in the same draw it records
every objective; it reports the 5th, 50th and 95th percentiles and the share of draws in which the portfolio
beats no new policy on employment (more job-years: ``policy_effect > 0``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from workshift.market.params import PARAMETERS
from workshift.optimize.evaluator import PolicyEvaluator
from workshift.optimize.pipeline import Prepared, prepare, rebuilt_for
from workshift.policy.calibration import calibrate
from workshift.policy.catalogue import Lever

GENAI_INDICES = ("gpts_beta", "gpts_alpha", "gpts_gamma", "aioe", "microsoft_applicability", "ilo_genai_2025")
# the displacement share's range lives in the engine's parameter table (one home per fact)
DISPLACEMENT_RANGE = (float(PARAMETERS["displacement_share"].low), float(PARAMETERS["displacement_share"].high))
QUANTILES = (0.05, 0.5, 0.95)


@dataclass
class SensitivityRow:
    lever: str
    parameter: str  # an effect name or "cost"
    values: tuple[float, float, float]  # low, value, high
    job_years: tuple[float, float, float]
    cost_per_job_year: tuple[float | None, float | None, float | None]


@dataclass
class EnsembleResult:
    """Percentiles (5, 50, 95) of each objective of a portfolio over the draws, and P(beats no new policy)."""

    draws: int
    seed: int
    objectives: dict[str, tuple[float, float, float]]
    no_policy: dict[str, tuple[float, float, float]]
    cost_per_job_year: tuple[float | None, float | None, float | None]
    p_beats_no_policy: float
    shocks: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def with_levers(ev: PolicyEvaluator, levers: dict[str, Lever], unit_cost: np.ndarray) -> PolicyEvaluator:
    """The evaluator with other lever parameters (recalibrated where a participant profile changed)."""
    ctx = ev.ctx
    calibration = dict(ctx.calibration)
    for lid, lever in levers.items():
        changed = lever.participant_profile != ctx.levers[lid].participant_profile
        if lid in calibration and ctx.rates is not None and changed:
            calibration[lid] = calibrate(lever, ctx.rates)
    return replace(ev, ctx=replace(ctx, levers={**ctx.levers, **levers}, calibration=calibration),
                   costs=replace(ev.costs, unit_cost=np.asarray(unit_cost, float)),
                   space=replace(ev.space, levers=tuple(levers.get(lv.id, lv) for lv in ev.space.levers)))


def _evaluator_with(prepared: Prepared, lever: Lever) -> PolicyEvaluator:
    """The evaluator with one lever changed: rebuilt where the change acts on how the engine model is built
    (:func:`workshift.optimize.pipeline.rebuilt_for`), else the same model with the lever's new parameters."""
    ev = prepared.evaluator
    rebuilt = rebuilt_for(prepared, lever)
    return rebuilt if rebuilt is not None else with_levers(ev, {lever.id: lever}, ev.costs.unit_cost)


def _set_effect(lever: Lever, name: str, value: float) -> Lever:
    return replace(lever, effects={**lever.effects, name: replace(lever.effects[name], value=float(value))})


def _cost_range(lever: Lever) -> tuple[float, float]:
    c = lever.cost
    return (c.low if c.low is not None else c.value) / c.value, (c.high if c.high is not None else c.value) / c.value


def sensitivity(prepared: Prepared, level: float = 0.5) -> list[SensitivityRow]:
    """One-at-a-time low/high of every assumed effect and every cost, each lever alone (module docstring)."""
    ev = prepared.evaluator
    rows = []
    for i, lever in enumerate(ev.levers):
        x = ev.space.from_dict({lever.id: float(ev.space.lower[i] + level * (ev.space.upper[i] - ev.space.lower[i]))})
        cases: list[tuple[str, tuple[float, float, float], list[PolicyEvaluator]]] = []
        for name, eff in lever.effects.items():
            if eff.low is not None:
                cases.append((name, (eff.low, eff.value, eff.high), [
                    _evaluator_with(prepared, _set_effect(lever, name, v)) for v in (eff.low, eff.value, eff.high)]))
        lo, hi = _cost_range(lever)
        costs = []
        for f in (lo, 1.0, hi):
            unit = ev.costs.unit_cost.copy()
            unit[i] *= f
            costs.append(with_levers(ev, {}, unit))
        cases.append(("cost", (lo * lever.cost.value, lever.cost.value, hi * lever.cost.value), costs))
        for name, values, evs in cases:
            got = [e(x[None]) for e in evs]
            jobs = tuple(float(g["policy_effect"][0]) for g in got)
            cpj = tuple(float(g["cost"][0]) / j if j > 0 else None for g, j in zip(got, jobs, strict=True))
            rows.append(SensitivityRow(lever.id, name, values, jobs, cpj))
    return rows


def draw_levers(levers: tuple[Lever, ...], rng: np.random.Generator) -> tuple[dict[str, Lever], np.ndarray]:
    """One draw of every lever's evidence-based effects (normal by their sd) and cost factors (uniform on the
    cost's low-high range). Assumptions with a range but no sd stay at their value (their ranges are the
    one-at-a-time sensitivity's: several are 0 by default because more would count evidence twice)."""
    out, factors = {}, []
    for lever in levers:
        drawn = lever
        for name, eff in lever.effects.items():
            if eff.sd:
                drawn = _set_effect(drawn, name, rng.normal(eff.value, eff.sd))
        out[lever.id] = drawn
        factors.append(rng.uniform(*_cost_range(lever)))
    return out, np.array(factors)


def ensemble(prepared: Prepared, x: np.ndarray, draws: int = 16, structural: int = 2, seed: int = 1,
             inputs: Any = None) -> EnsembleResult:
    """The seeded ensemble of a portfolio ``x`` (module docstring); the first structural draw is the
    scenario's own shock, the others are drawn."""
    rng = np.random.default_rng(seed)
    sc = prepared.scenario
    structural = min(structural, draws)
    shocks = [dict(sc.engine.shock)]
    available = [i for i in GENAI_INDICES if i in prepared.built.inputs.exposure.columns]
    for _ in range(max(0, structural - 1) if sc.engine.shock["index"] != "none" and available else 0):
        shocks.append({**sc.engine.shock, "index": str(rng.choice(available)),
                       "displacement_share": float(rng.uniform(*DISPLACEMENT_RANGE))})
    per = max(1, draws // max(1, len(shocks)))
    rec, base = [], []
    for k, shock in enumerate(shocks):
        prep = prepared if k == 0 else prepare(
            replace(sc, engine=replace(sc.engine, sections={**sc.engine.sections, "shock": shock})),
            [o.key for o in prepared.objectives], inputs=inputs if inputs is not None else prepared.built.inputs)
        ev = prep.evaluator
        for _ in range(per):
            levers, factors = draw_levers(ev.space.levers, rng)
            drawn = with_levers(ev, levers, ev.costs.unit_cost * factors)
            values = drawn(np.vstack([ev.space.zero(), x]))
            base.append({k2: float(v[0]) for k2, v in values.items()})
            rec.append({k2: float(v[1]) for k2, v in values.items()})
    keys = sorted(set(rec[0]) & set(base[0]))

    def pct(rows: list[dict[str, float]], key: str) -> tuple[float, float, float]:
        return tuple(float(q) for q in np.quantile([r[key] for r in rows], QUANTILES))  # type: ignore[return-value]

    cpj = [r["cost"] / r["policy_effect"] if r["policy_effect"] > 0 else np.inf for r in rec]
    cpj_q = tuple(float(q) if np.isfinite(q) else None for q in np.quantile(cpj, QUANTILES))
    return EnsembleResult(
        draws=len(rec), seed=seed, objectives={k: pct(rec, k) for k in keys}, no_policy={k: pct(base, k) for k in keys},
        cost_per_job_year=cpj_q,  # type: ignore[arg-type]
        p_beats_no_policy=float(np.mean([r["policy_effect"] > 0 for r in rec])), shocks=shocks)


def attach_uncertainty(prepared: Prepared, summary: dict[str, Any], draws: int = 16, structural: int = 4,
                       seed: int = 1) -> dict[str, Any]:
    """Add ``uncertainty`` (the ensemble of the recommended portfolio) to a result dict; 0 draws: none."""
    if draws > 0:
        x = prepared.evaluator.space.from_dict(summary["recommended"]["portfolio"])
        summary["uncertainty"] = ensemble(prepared, x, draws, structural, seed).to_dict()
    return summary
