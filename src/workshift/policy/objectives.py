"""Objectives: documented formulas over simulation results, with the same keys everywhere.

All are averaged over the policy horizon unless stated, and reported in their natural sign
(``sense`` +1 = more is better, -1 = less is better). Notation per scenario and step t of the horizon:
E employed (wage and salary), F flexible (self-employed / gig), U unemployed, L long-term unemployed,
LF = E + F + U (+ trainees) the labour force, I insured workers, Y total income per year.

- employment_rate  = mean_t (E + F) / LF                                   [share]
- insurance_coverage = mean_t I / (E + F)                                  [share]  (inside job_quality)
- earnings_stability = mean_t 1 - (sum over states of persons x CV of earnings) / (E + F)   [share]
- job_quality      = (insurance_coverage + earnings_stability + (1 - mean_t L / LF)) / 3     [index 0-1]
- income           = mean_t Y / LF                                          [currency per year]
- coverage         = 1 - prod_k (1 - min(1, reached_k / pool)): reach of programmes k among displaced
                     and at-risk workers (pool = displaced workers + mean unemployed without policy);
                     people are assumed to join programmes independently       [share]
- ai_displacement  = sum_t (U_t - U_t^ref) dt: worker-years of unemployment above the same scenario
                     without the AI shock and without policy                 [worker-years]
- cost             = sum over years of spending x (1 + r)^-year (r = discount_rate, default 0)   [currency]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from workshift.errors import InputError, closest


@dataclass(frozen=True)
class Objective:
    key: str
    sense: int  # +1 maximise, -1 minimise
    unit: str
    formula: str
    requires: tuple[str, ...] = ()  # engine extensions needed
    needs_shock: bool = False
    simulated: bool = True  # False: computable from the portfolio alone (cost, coverage)


OBJECTIVES: dict[str, Objective] = {
    o.key: o
    for o in (
        Objective("employment_rate", +1, "share of the labour force", "mean_t (E + F) / LF"),
        Objective("job_quality", +1, "index 0-1",
                  "(insurance_coverage + earnings_stability + (1 - mean_t L / LF)) / 3", ("insurance",)),
        Objective("income", +1, "currency per labour-force member per year", "mean_t Y / LF", ("income",)),
        Objective("coverage", +1, "share of displaced and at-risk workers",
                  "1 - prod_k (1 - min(1, reached_k / pool))", needs_shock=True, simulated=False),
        Objective("ai_displacement", -1, "worker-years", "sum_t (U_t - U_t^ref) dt", needs_shock=True),
        Objective("cost", -1, "currency (total over the horizon)", "sum_y spending_y (1 + r)^-y",
                  simulated=False),
    )
}
METRICS = ("insurance_coverage", "earnings_stability", "long_term_unemployment_rate", "unemployment_rate")
DEFAULT_OBJECTIVES = ("employment_rate", "job_quality", "income", "cost")


def resolve_objectives(
    keys: Iterable[str] | str | None, extensions: Iterable[str], has_shock: bool
) -> tuple[Objective, ...]:
    """Validate an objective list against what the run can compute; unknown keys get a suggestion."""
    if keys is None:
        keys = DEFAULT_OBJECTIVES
    if isinstance(keys, str):
        keys = [k.strip() for k in keys.split(",") if k.strip()]
    keys = list(dict.fromkeys(keys))
    if len(keys) < 1:
        raise InputError("at least one objective is needed", hint=f"choose from: {', '.join(OBJECTIVES)}")
    ext = set(extensions)
    chosen = []
    for key in keys:
        if key not in OBJECTIVES:
            near = closest(key, list(OBJECTIVES))
            raise InputError(f"unknown objective '{key}'",
                             hint=(f"did you mean '{near}'? " if near else "") + f"known: {', '.join(OBJECTIVES)}")
        obj = OBJECTIVES[key]
        missing = [e for e in obj.requires if e not in ext]
        if missing:
            raise InputError(
                f"objective '{key}' cannot be computed from this run: it needs the engine extension(s) "
                f"{', '.join(missing)}", hint="add them to [market] extensions or drop the objective")
        if obj.needs_shock and not has_shock:
            raise InputError(f"objective '{key}' cannot be computed from this run: it needs an AI shock",
                             hint="set [shock] index to an exposure index, or drop the objective")
        chosen.append(obj)
    return tuple(chosen)


def _mean(x: np.ndarray) -> np.ndarray:
    return x.mean(axis=-1)


def simulated_metrics(outcome: Mapping[str, np.ndarray], dt_years: float) -> dict[str, np.ndarray]:
    """Objective and metric values per scenario from horizon series (arrays (P, T); ``u_ref`` is (T,)).

    Keys used: employed, flexible, unemployed, ltu, labour_force, and when present insured, unstable
    (persons x earnings CV), income (total per year) and u_ref (unemployed without shock and policy).
    """
    e, f, u = outcome["employed"], outcome["flexible"], outcome["unemployed"]
    lf, ltu = outcome["labour_force"], outcome["ltu"]
    working = np.maximum(e + f, 1e-12)
    out = {
        "employment_rate": _mean((e + f) / lf),
        "unemployment_rate": _mean(u / lf),
        "long_term_unemployment_rate": _mean(ltu / lf),
    }
    if "insured" in outcome:
        out["insurance_coverage"] = _mean(outcome["insured"] / working)
        unstable = outcome.get("unstable")
        out["earnings_stability"] = _mean(1.0 - unstable / working) if unstable is not None else np.ones_like(
            out["employment_rate"])
        out["job_quality"] = (out["insurance_coverage"] + out["earnings_stability"]
                              + 1.0 - out["long_term_unemployment_rate"]) / 3.0
    if "income" in outcome:
        out["income"] = _mean(outcome["income"] / lf)
    if "u_ref" in outcome:
        out["ai_displacement"] = (u - outcome["u_ref"]).sum(axis=-1) * dt_years
    return out


def coverage(reached: np.ndarray, pool: float) -> np.ndarray:
    """Programme reach among displaced and at-risk workers; ``reached`` is (P, K) people per programme."""
    if pool <= 0:
        return np.zeros(reached.shape[0])
    share = np.clip(reached / pool, 0.0, 1.0)
    return 1.0 - np.prod(1.0 - share, axis=1)


def objective_matrix(values: Mapping[str, np.ndarray], objectives: Iterable[Objective]) -> np.ndarray:
    """(P, k) in natural sign, columns in the order of ``objectives``."""
    return np.column_stack([np.asarray(values[o.key], dtype=float) for o in objectives])


def to_minimisation(natural: np.ndarray, objectives: Iterable[Objective]) -> np.ndarray:
    signs = np.array([-o.sense for o in objectives], dtype=float)
    return natural * signs
