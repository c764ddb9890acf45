"""Objectives: documented formulas over simulation results, with the same keys everywhere.

All are averaged over the policy horizon unless stated, and reported in their natural sign
(``sense`` +1 = more is better, -1 = less is better). Notation per scenario and step t of the horizon:
E employed (wage and salary), F flexible (self-employed / gig), U unemployed (incl. training graduates),
TR trainees, L long-term unemployed, LF = E + F + U + TR the labour force (trainees are in the labour force
and not employed), POP = LF + inactive the working-age population (constant in the engine), W = E + F work.
Every effect is a difference between two runs that differ only in what is measured: "AI" is the scenario's
shock, "no AI" the same run with target demand held at its pre-shock level; "policy" the portfolio, "no new
policy" every lever at its lower bound (its dated default).

- employment_to_population = mean_t W / POP                                   [share]  (default first)
- employment_rate  = mean_t W / LF                                             [share]
- insurance_coverage = mean_t insured / LF                                     [share]
- earnings_stability = mean_t 1 - earnings shortfall / LF  (shortfall: flexible CV, unreplaced earnings
                       of the unemployed and trainees; :mod:`workshift.market.extensions.accounts`)   [share]
- low_long_term_unemployment = mean_t 1 - L / LF                               [share]
- job_quality      = mean over those three components c of (c - c0) / (1 - c0), c0 its no-policy value:
                     the average share of each component's no-policy shortfall the policy closes (0 = no
                     new policy, 1 = every shortfall closed), so no component dominates by its scale [index]
- income           = mean_t Y / LF (Y: wages on the wage curve, flexible income, benefits; annual) [currency]
- coverage         = people reached at least once by a programme over the horizon / people displaced or at
                     risk (unemployment spells over the horizon + jobs at risk from the shock)   [share]
- ai_displacement  = sum_t (W_t(no AI, policy) - W_t(AI, policy)) dt: worker-years without work that AI
                     causes under the same policy; 0 without a shock                [worker-years]
- policy_effect    = sum_t (W_t(AI, policy) - W_t(AI, no new policy)) dt: job-years the policy adds [job-years]
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
        Objective("employment_to_population", +1, "share of the working-age population", "mean_t W / POP"),
        Objective("employment_rate", +1, "share of the labour force", "mean_t W / LF (trainees not employed)"),
        Objective("job_quality", +1, "index (0 = no new policy, 1 = every shortfall closed)",
                  "mean_c (c - c0) / (1 - c0), c in insurance_coverage, earnings_stability, "
                  "low_long_term_unemployment", ("insurance",)),
        Objective("income", +1, "currency per labour-force member per year", "mean_t Y / LF", ("income",)),
        Objective("coverage", +1, "share of people displaced or at risk",
                  "people reached at least once / (unemployment spells + jobs at risk)", needs_shock=True,
                  simulated=False),
        Objective("ai_displacement", -1, "worker-years", "sum_t (W(no AI, policy) - W(AI, policy)) dt"),
        Objective("policy_effect", +1, "job-years", "sum_t (W(AI, policy) - W(AI, no new policy)) dt"),
        Objective("cost", -1, "currency (total over the horizon)", "sum_y spending_y (1 + r)^-y",
                  simulated=False),
    )
}
QUALITY = ("insurance_coverage", "earnings_stability", "low_long_term_unemployment")
METRICS = (*QUALITY, "long_term_unemployment_rate", "unemployment_rate", "employment_rate",
           "employment_to_population", "ai_displacement", "policy_effect")
DEFAULT_OBJECTIVES = ("employment_to_population", "job_quality", "income", "cost")


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


def simulated_metrics(outcome: Mapping[str, np.ndarray], dt_years: float, population: float = 0.0,
                      work_base: np.ndarray | None = None,
                      quality_base: Mapping[str, float] | None = None) -> dict[str, np.ndarray]:
    """Objective and metric values per scenario from horizon series (arrays (P, T)).

    Keys used: employed, flexible, unemployed, ltu, labour_force, and when present shortfall, insured, income
    (total per year) and work_no_ai (E + F of the same portfolio without the AI shock). ``work_base`` (T,) is
    E + F without new policy under AI; ``quality_base`` the no-policy values of the job-quality components
    (absent: 0, the raw mean of the components).
    """
    e, f, u = outcome["employed"], outcome["flexible"], outcome["unemployed"]
    lf, ltu = outcome["labour_force"], outcome["ltu"]
    work = e + f
    out = {
        "employment_rate": _mean(work / lf),
        "unemployment_rate": _mean(u / lf),
        "long_term_unemployment_rate": _mean(ltu / lf),
        "low_long_term_unemployment": 1.0 - _mean(ltu / lf),
        "ai_displacement": (outcome.get("work_no_ai", work) - work).sum(axis=-1) * dt_years,
    }
    if population > 0:
        out["employment_to_population"] = _mean(work / population)
    if work_base is not None:
        out["policy_effect"] = (work - work_base).sum(axis=-1) * dt_years
    if "shortfall" in outcome:
        out["earnings_stability"] = 1.0 - _mean(outcome["shortfall"] / lf)
    if "insured" in outcome:
        out["insurance_coverage"] = _mean(outcome["insured"] / lf)
        base = quality_base or {}
        out["job_quality"] = np.mean([(out[c] - base.get(c, 0.0)) / max(1.0 - base.get(c, 0.0), 1e-9)
                                      for c in QUALITY], axis=0)
    if "income" in outcome:
        out["income"] = _mean(outcome["income"] / lf)
    return out


def reach_probability(rate: np.ndarray, exit_rate: float) -> np.ndarray:
    """Probability that an unemployment spell is reached at least once, when each step it is reached with
    probability ``rate`` and ends with probability ``exit_rate`` (geometric durations):
    1 - E[(1 - r)^d] = r / (r + q - r q), q = exit_rate."""
    q = float(np.clip(exit_rate, 1e-9, 1.0))
    r = np.clip(rate, 0.0, 1.0)
    return r / (r + q - r * q)


def coverage(reach_rate: np.ndarray, spells: np.ndarray, exit_rate: float, at_risk_reached: np.ndarray,
             pool: float) -> np.ndarray:
    """Share of people displaced or at risk reached at least once over the horizon.

    ``reach_rate`` (P, Y): per-step probability that an unemployed person starts some programme in year y
    (the union of the programmes, 1 - prod_k (1 - r_k)); ``spells`` (Y,): unemployment spells open in year y
    (the stock at the start in year 0 plus new spells, no-policy run); ``at_risk_reached`` (P,) jobs at risk
    covered by measures for at-risk jobs (peak over the years); ``pool`` = spells + jobs at risk. Repeat spells
    of one person count as separate people (the mean-field engine does not follow persons).
    """
    if pool <= 0:
        return np.zeros(np.shape(reach_rate)[0])
    reached = (reach_probability(reach_rate, exit_rate) * np.asarray(spells)[None, :]).sum(axis=1)
    return np.clip((reached + at_risk_reached) / pool, 0.0, 1.0)


def objective_matrix(values: Mapping[str, np.ndarray], objectives: Iterable[Objective]) -> np.ndarray:
    """(P, k) in natural sign, columns in the order of ``objectives``."""
    return np.column_stack([np.asarray(values[o.key], dtype=float) for o in objectives])


def to_minimisation(natural: np.ndarray, objectives: Iterable[Objective]) -> np.ndarray:
    signs = np.array([-o.sense for o in objectives], dtype=float)
    return natural * signs
