"""Levers -> engine policy hooks: one documented function per lever.

Every function takes the intensities of one lever for a batch of scenarios, ``x`` (B,) in the lever's unit
(a share of its target group per year), and a :class:`Context` (quantities of the no-policy run and the
calibrated participant effects), and returns hook changes: multiplicative factors (``matching_efficiency``,
``vacancy_multiplier``, ``separation_multiplier``, ``training_multiplier``, ``exit_multiplier``,
``flexible_multiplier``) and additive values (``search_precision``, ``work_sharing``, ``short_time_end``, ``demand_shift``), each (B, 1) or
(B, n), two flexible-entry terms, ``flexible_entry`` (a gain in the entry rate, additive across levers) and
``flexible_room`` (the occupation's flexible-work demand room, :func:`flexible_demand_room`), which
:func:`combine` turns into one ``flexible_multiplier`` factor 1 + min(sum of gains, room), and three accounts
outside the engine's hooks: ``flexible_coverage`` (insurance of flexible workers),
``flexible_income`` (a factor on flexible income) and ``demand_kept`` (the share of the AI shock's
reallocation of demand undone, within the total). :func:`combine` multiplies factors and adds increments
(clipped to the engine's bounds), so levers compose; nothing outside this module knows a lever by its id. Every hook is monotone in its lever's intensity, in the
direction that helps the lever's participants (tested), and x = 0 is exactly "no effect".

Treated share of searchers (programmes that raise participants' job finding): with x starts per year per
unemployed person, Little's law gives the stock share of searchers who are recent participants,
pi = min(1, x * D / 12), where D (months) is how long a participant keeps searching after starting,
D = min(36, 1 / (phi * f_month * m)); the aggregate job-finding multiplier is then
1 + pi * phi * (m - 1) (participants find jobs at phi x the average rate, times their calibrated m).
The stock is a cohort sum (:meth:`Context.cohort_intensity`): participants keep their effect for D months
after they start, also after funding stops, and a new programme builds up its treated stock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from workshift.market.hooks import HOOKS
from workshift.policy.calibration import DISADVANTAGE, Calibration, Rates
from workshift.policy.catalogue import Lever

MULTIPLICATIVE = ("matching_efficiency", "vacancy_multiplier", "separation_multiplier", "training_multiplier",
                  "exit_multiplier", "reentry_multiplier", "flexible_multiplier")
ADDITIVE = ("search_precision", "work_sharing", "short_time_end", "demand_shift")


@dataclass
class Context:
    """What the mapping needs from the scenario's no-policy run."""

    n: int
    steps_per_year: float
    job_finding_month: float  # average monthly job-finding probability of the unemployed
    unemployed: float  # mean unemployed (persons)
    openings_per_step: np.ndarray  # (n,) mean vacancy openings per step, no policy
    employment: np.ndarray  # (n,) mean employment
    growing: np.ndarray  # (n,) bool: nodes whose target demand grows under the shock
    training_rate: float  # the engine's per-step training start rate (current policy)
    flexible_entry_per_step: float  # persons per step in the flow the engine's flexible_multiplier scales
    coverage_flexible: float  # default insurance coverage of flexible workers
    levers: dict[str, Lever]
    # (n,) each node's target demand under AI over its demand without AI (horizon mean): demand for flexible
    # work in the node follows the same displacement channel as its wage employment (None: no room)
    demand_ratio: np.ndarray | None = None
    calibration: dict[str, Calibration] = field(default_factory=dict)
    # job-finding multiplier participants already get from the engine's own mechanism (training graduates
    # search along extra edges); the matching-efficiency hook adds only the calibrated remainder
    engine_multiplier: dict[str, float] = field(default_factory=dict)
    rates: Rates | None = None  # the engine's rates the calibration used (to recalibrate drawn effects)

    # lever -> (rows,) intensity whose steady state gives this year's treated stock of the cohorts started so far
    cohorts: dict[str, np.ndarray] = field(default_factory=dict)

    def treated_months(self, lever: str) -> float:
        """D: months a participant keeps searching with the programme's effect (at most 36)."""
        m = self.calibration[lever].mean_multiplier() if lever in self.calibration else 1.0
        return min(36.0, 1.0 / max(self.phi * self.job_finding_month * max(m, 1e-6), 1e-9))

    def cohort_intensity(self, yearly: np.ndarray, lever: str) -> np.ndarray:
        """(B, Y) the intensity that, held for ever, gives year y's treated stock of the cohorts started in
        years 0..y (each starting evenly through its year and treated for D months): the effect persists
        after funding stops and builds up when it starts. Constant intensities are unchanged in steady state."""
        years = yearly.shape[-1]
        d = self.treated_months(lever) / 12.0
        s = (np.arange(64) + 0.5) / 64  # start times within a year
        w = np.zeros((years, years))
        for k in range(years):
            start = k + s
            for y in range(k, years):
                w[y, k] = np.mean(np.clip(np.minimum(start + d, y + 1) - np.maximum(start, y), 0.0, None))
        return yearly @ w.T / d

    def treated_share(self, x: np.ndarray, lever: str) -> np.ndarray:
        x = self.cohorts.get(lever, x)
        return np.clip(x * self.treated_months(lever) / 12.0, 0.0, 1.0)

    def participant_gain(self, x: np.ndarray, lever: str) -> np.ndarray:
        """Aggregate job-finding multiplier from a programme's treated searchers, (B, 1)."""
        if lever not in self.calibration:
            return np.ones((len(x), 1))
        m = self.calibration[lever].mean_multiplier() / max(self.engine_multiplier.get(lever, 1.0), 1e-9)
        return (1.0 + self.treated_share(x, lever) * self.phi * max(m - 1.0, 0.0))[:, None]

    @property
    def phi(self) -> float:
        """Programme entrants' job finding relative to the average searcher (the run's trainee_job_finding)."""
        return self.rates.phi if self.rates is not None else DISADVANTAGE["phi"][0]

    @property
    def job_finding_step(self) -> float:
        return 1.0 - (1.0 - self.job_finding_month) ** (12.0 / self.steps_per_year)

    def per_step(self, x: np.ndarray) -> np.ndarray:
        """A yearly share (starts per year per person) as a per-step probability."""
        return 1.0 - (1.0 - np.clip(x, 0.0, 1.0)) ** (1.0 / self.steps_per_year)


Hooks = dict[str, np.ndarray]


def training(x: np.ndarray, ctx: Context) -> Hooks:
    """Retraining places: x trainees per year per unemployed person start on top of current policy.

    training_multiplier = 1 + rho / training_rate with rho = (x / steps per year) / (1 - f), f the per-step
    job-finding probability: the engine offers training to the unemployed not hired in the step, so this
    start rate fills the places planned (x per unemployed person per year); the cost is charged on the starts
    the engine actually makes (``charged_on = "trainee_starts"`` in the lever file). Trainees
    leave search for the course (the engine's ``training`` state; lock-in at their own job finding, the
    engine's ``trainee_job_finding`` phi, the calibration's entrants) and graduates search along extra mobility
    edges towards growing, skill-similar occupations; their calibrated job-finding gain after the course
    (Card, Kluve & Weber 2018, training) enters as matching efficiency for the treated share.
    """
    rho = np.clip(x, 0.0, None) / ctx.steps_per_year / max(1.0 - ctx.job_finding_step, 1e-9)
    return {"training_multiplier": (1.0 + rho / max(ctx.training_rate, 1e-12))[:, None],
            "matching_efficiency": ctx.participant_gain(x, "training")}


def job_matching(x: np.ndarray, ctx: Context) -> Hooks:
    """Job-search assistance: x job seekers served per year per unemployed person.

    matching_efficiency = 1 + pi phi (m - 1) with m the calibrated multiplier (CKW 2018, job search
    assistance); search_precision = precision_gain * pi (served seekers apply more along skill similarity).
    """
    lever = ctx.levers["job_matching"]
    pi = ctx.treated_share(x, "job_matching")
    return {"matching_efficiency": ctx.participant_gain(x, "job_matching"),
            "search_precision": (lever.effect("precision_gain") * pi)[:, None]}


def hiring_subsidy(x: np.ndarray, ctx: Context) -> Hooks:
    """Hiring subsidies: x subsidised hires per year per unemployed person, in growing occupations.

    Demand responds to the lower labour cost through the labour-demand elasticity (Hamermesh 1993): a
    subsidy of a share ``subsidy_rate`` of the wage raises labour demand by ``demand_elasticity`` x
    subsidy_rate per subsidised job, net of ``deadweight``, for as long as the subsidy runs. The stock of
    subsidised jobs is x U D (D = the subsidy's ``duration`` in years, U the unemployed), so target demand
    shifts by demand_shift_j = response x x U D x share_j, spread over growing occupations in proportion to
    their employment; the engine then opens (and later, when the subsidy ends, closes) the jobs through its
    own gap to target demand. Participants' later gains (CKW 2018, private sector incentives) enter as
    matching efficiency for the treated share.
    """
    lever = ctx.levers["hiring_subsidy"]
    subsidised = np.clip(x, 0.0, None) * ctx.unemployed * min(lever.effect("duration"), 12.0) / 12.0  # (B,)
    weights = np.where(ctx.growing, ctx.employment, 0.0)
    if weights.sum() <= 0:
        weights = ctx.employment.copy()
    share = weights / weights.sum()
    response = lever.effect("demand_elasticity") * lever.effect("subsidy_rate") * (1.0 - lever.effect("deadweight"))
    return {"demand_shift": response * subsidised[:, None] * share[None, :],
            "matching_efficiency": ctx.participant_gain(x, "hiring_subsidy")}


def flexible_demand_room(ctx: Context) -> np.ndarray:
    """(n,) extra flexible workers each occupation's flexible-work demand can absorb, relative to its
    no-policy flexible stock: demand for flexible work in occupation i is (1 + headroom) x its no-policy
    stock (the pack's self-employment share, which the engine's steady state reproduces) scaled by r_i, the
    occupation's target demand under AI over its demand without AI (the same displacement channel as its
    employees), so room_i = max(0, (1 + headroom) r_i - 1). Occupations that AI shrinks by more than the
    headroom have none. Without the demand ratio in the context there is no room."""
    if ctx.demand_ratio is None:
        return np.zeros(ctx.n)
    headroom = ctx.levers["flexible_support"].effect("demand_headroom")
    return np.maximum((1.0 + headroom) * np.asarray(ctx.demand_ratio, dtype=float) - 1.0, 0.0)


def flexible_support(x: np.ndarray, ctx: Context) -> Hooks:
    """Support for freelancers and platform workers (x = share of flexible workers supported).

    Entry into flexible work (from jobs and from unemployment) rises by entry_gain * x, but in each
    occupation only up to its flexible-work demand (:func:`flexible_demand_room`): the flexible stock
    moves in proportion to the entry rate, so the node's factor is 1 + min(entry_gain x, room_i) and no
    entrant is a job created from nothing (the gain is a ``flexible_entry`` increment that :func:`combine`
    adds to every other flexible-entry lever's before clipping to the one room). Flexible income rises by income_gain * x (income accounting)."""
    lever = ctx.levers["flexible_support"]
    return {"flexible_entry": lever.effect("entry_gain") * np.clip(x, 0.0, None)[:, None],
            "flexible_room": flexible_demand_room(ctx)[None, :],
            "flexible_income": (1.0 + lever.effect("income_gain") * x)[:, None]}


def flexible_insurance(x: np.ndarray, ctx: Context) -> Hooks:
    """Social insurance for flexible workers: coverage of flexible workers rises from its default by
    take_up * x of the uncovered; entry into flexible work falls by entry_tradeoff * x (take-up trade-off)."""
    lever = ctx.levers["flexible_insurance"]
    base = ctx.coverage_flexible
    return {"flexible_coverage": (base + (1.0 - base) * lever.effect("take_up") * x)[:, None],
            "flexible_multiplier": (1.0 - lever.effect("entry_tradeoff") * x)[:, None]}


def entrepreneurship(x: np.ndarray, ctx: Context) -> Hooks:
    """Start-up grants: x grants per year per unemployed person. Founders' employment gain is the calibrated
    CKW 2018 profile for the treated share, and founders become self-employed (Caliendo & Kuenn 2011): the
    gain is entry into the engine's flexible work (self-employment), not hires into vacancies, which founders
    do not fill. The extra entries per step are the extra hires the profile implies, pi phi (m - 1) f U
    (:meth:`Context.participant_gain`), as a factor on the engine's flexible entry flow, and in each occupation
    only up to its flexible-work demand (:func:`flexible_demand_room`, the same limit and AI exposure as
    flexible_support, shared with it in :func:`combine`): no founder's business is demand created from
    nothing, alone or together with flexible_support."""
    extra = (ctx.participant_gain(x, "entrepreneurship") - 1.0) * ctx.job_finding_step * ctx.unemployed  # (B, 1)
    return {"flexible_entry": extra / max(ctx.flexible_entry_per_step, 1e-9),
            "flexible_room": flexible_demand_room(ctx)[None, :]}


def working_time(x: np.ndarray, ctx: Context) -> Hooks:
    """Short-time work (a subsidy for hours cut instead of jobs): a share x of the demand-driven
    separations becomes shorter hours (the engine's work_sharing, which acts on demand-driven separations
    only, never on routine churn). The benefit lasts ``duration`` months (a geometric spell of that mean:
    short_time_end = 1 / duration in steps): hours whose benefit ends before demand has returned become the
    separations they postponed (Giupponi & Landais 2023: the headcount effect vanishes when the programme
    stops), and in a year without funding every benefit ends (short_time_end = 1; with no hours cut that is
    no effect). Priced as the subsidy it is: the benefit (a share of pay, lever file) on the pay of the hours
    the run actually cuts, for as long as they stay cut (``charged_on = "hours_cut"``; Giupponi & Landais
    2023)."""
    steps = max(1.0, ctx.levers["working_time"].effect("duration") * ctx.steps_per_year / 12.0)
    x = np.clip(x, 0.0, 1.0)
    return {"work_sharing": x[:, None], "short_time_end": np.where(x > 0, 1.0 / steps, 1.0)[:, None]}


def ai_augmentation(x: np.ndarray, ctx: Context) -> Hooks:
    """AI augmentation incentives: a share augmentation_share * x of the shock's reallocation of demand is
    undone (exposed occupations keep that share of the demand they lose, and the occupations that gain
    give up the same share of their gain), so total demand is never above the economy's without AI."""
    lever = ctx.levers["ai_augmentation"]
    return {"demand_kept": (lever.effect("augmentation_share") * np.clip(x, 0.0, 1.0))[:, None]}


MAPPINGS: dict[str, Callable[[np.ndarray, Context], Hooks]] = {
    "training": training, "job_matching": job_matching, "hiring_subsidy": hiring_subsidy,
    "flexible_support": flexible_support, "flexible_insurance": flexible_insurance,
    "entrepreneurship": entrepreneurship, "working_time": working_time, "ai_augmentation": ai_augmentation,
}


def combine(parts: list[Hooks], batch: int, n: int) -> dict[str, np.ndarray]:
    """Compose lever hook changes into hook arrays clipped to the engine's bounds: (B, n) where a lever varies
    by node, (B, 1) otherwise (the engine broadcasts; full arrays for every hook cost the optimiser a tenth of
    its time in memory traffic)."""
    out = {name: np.ones((batch, 1)) for name in (*MULTIPLICATIVE, "flexible_income")}
    out.update({name: np.zeros((batch, 1)) for name in (*ADDITIVE, "demand_kept")})
    coverage = np.full((batch, 1), np.nan)
    entry, room = np.zeros((batch, 1)), np.full((1, 1), np.inf)
    for part in parts:
        for name, value in part.items():
            if name in (*MULTIPLICATIVE, "flexible_income"):
                out[name] = out[name] * value
            elif name in (*ADDITIVE, "demand_kept"):
                out[name] = out[name] + value
            elif name == "flexible_entry":
                entry = entry + value
            elif name == "flexible_room":
                room = np.minimum(room, value)
            elif name == "flexible_coverage":
                coverage = np.array(np.broadcast_to(value, (batch, np.shape(value)[-1])), dtype=float)
            else:
                raise KeyError(f"a lever mapping returned an unknown hook '{name}'")
    # one flexible-work demand per occupation, shared by every flexible-entry lever: their gains add, then
    # the sum is clipped to the room once (per-lever clipping let two levers reach about twice the room)
    out["flexible_multiplier"] = out["flexible_multiplier"] * (1.0 + np.minimum(np.maximum(entry, 0.0), room))
    for name in (*MULTIPLICATIVE, *ADDITIVE):
        _, low, high, _ = HOOKS[name]
        out[name] = np.clip(out[name], low, high)
    out["flexible_coverage"] = coverage
    out["flexible_income"] = np.maximum(out["flexible_income"], 0.0)
    out["demand_kept"] = np.clip(out["demand_kept"], 0.0, 1.0)
    return out
