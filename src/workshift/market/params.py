"""Model parameters, each with unit, period and source.

Every number the engine uses by default lives here as a :class:`Parameter`, so that results can say which
assumptions produced them (``parameter_table()`` goes into run metadata and ``docs/engine.md``). Rates are
per model step; the step length is ``step_weeks`` (6.75 weeks in the paper, so that the 27-week long-term
unemployment threshold is exactly four steps).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from typing import Any

from workshift.errors import InputError

PAPER = "del Rio-Chanona, Mealy, Beguerisse-Díaz, Lafond, Farmer (2021), J. R. Soc. Interface 18:20200898"


@dataclass(frozen=True)
class Parameter:
    """A documented default: value, unit, period (what a rate is per), source and a short note."""

    name: str
    value: float
    unit: str
    period: str
    source: str
    note: str = ""


def _p(name: str, value: float, unit: str, period: str, source: str, note: str = "") -> Parameter:
    return Parameter(name, value, unit, period, source, note)


PARAMETERS: dict[str, Parameter] = {
    p.name: p
    for p in (
        # --- the paper's model -------------------------------------------------------------------------
        _p("step_weeks", 6.75, "weeks", "-", PAPER + ", Methods",
           "one step; tau = 4 steps = 27 weeks, the BLS long-term unemployment threshold"),
        _p("delta_u", 0.016, "probability", "per step", PAPER + ", calibrated to the US Beveridge curve",
           "spontaneous separation rate"),
        _p("delta_v", 0.012, "probability", "per step", PAPER + ", calibrated to the US Beveridge curve",
           "spontaneous vacancy-opening rate"),
        _p("gamma_u", 0.16, "share of the demand gap", "per step", PAPER + " (gamma = 10 delta_u)",
           "speed of demand-driven separations"),
        _p("gamma_v", 0.16, "share of the demand gap", "per step", PAPER + " (gamma = 10 delta_u)",
           "speed of demand-driven vacancy openings"),
        _p("ltu_steps", 4, "steps", "-", PAPER + "; BLS defines long-term unemployment as 27+ weeks",
           "unemployed for at least this many steps counts as long-term unemployed"),
        _p("annual_occupational_mobility", 0.19, "share of workers", "per year",
           "Kambourov & Manovskii (2008), Int. Econ. Rev. 49(1); used by " + PAPER,
           "share of workers who change occupation in a year; calibrates the self-loop r"),
        _p("reference_unemployment", 0.06, "share of labour force", "-", PAPER + " (self-loop calibration)",
           "unemployment rate used to turn annual mobility into the per-step self-loop r"),
        _p("adoption_steps", 231, "steps", "-", PAPER + ": automation over 30 years = 30*52/6.75 steps", ""),
        _p("automation_level", 0.9999, "share of the shock", "-", PAPER + " (calibrate_sigmoid in labornet)",
           "the logistic adoption path reaches this share of the shock at start + adoption_steps"),
        _p("cycle_period_steps", 103, "steps", "-",
           PAPER + ": 2008-2018 taken as three quarters of a business cycle", ""),
        # --- exposure -> automation shock --------------------------------------------------------------
        _p("displacement_share", 0.5, "share of exposed task time", "over the adoption horizon",
           "assumption (midpoint): Eloundou et al. (2024) rate a task exposed when an LLM halves its time; "
           "Svanberg et al. (2024, MIT) find 23% of vision-exposed wage bill economically attractive to "
           "automate (lower bound); see the sensitivity table in docs/engine.md",
           "share of the exposed task share that turns into lower labour demand"),
        _p("augmentation", 0.0, "relative demand gain", "over the adoption horizon",
           "assumption (0 = paper); Brynjolfsson, Li & Raymond (2025, QJE) find +14% productivity for "
           "exposed customer-support workers; the demand response to it is not identified",
           "labour-demand gain on the exposed but not displaced task share"),
        # --- flexible work (灵活就业) -------------------------------------------------------------------
        _p("flexible_search_intensity", 0.03, "applications per searcher, relative to the unemployed",
           "per step", "assumption; Faberman, Mueller, Sahin & Topa (2022, Econometrica 90(4)) find on-the-job "
           "searchers send far fewer applications than the unemployed; 0.03 moves about 1% of flexible "
           "workers into wage jobs a month",
           "flexible workers apply for wage jobs at this intensity"),
        _p("flexible_to_unemployment", 0.01, "probability", "per step",
           "assumption: with the exits to wage jobs, about 15% of flexible workers leave flexible work in a "
           "year (self-employment is persistent in CPS panels); a calibration target to revisit",
           "gig/self-employed work ends and the worker searches"),
        _p("flexible_income_ratio", 0.96, "ratio to the occupation's mean wage", "-",
           "BLS Contingent and Alternative Employment Arrangements, May 2017: median weekly earnings of "
           "independent contractors $850 vs $884 in traditional arrangements", ""),
        _p("flexible_income_cv", 0.35, "coefficient of variation of income", "per step",
           "assumption; JPMorgan Chase Institute (Farrell & Greig 2016) report platform earnings far more "
           "volatile month to month than payroll income", ""),
        # --- training -----------------------------------------------------------------------------------
        _p("training_rate", 0.005, "probability", "per step",
           "assumption of the order of US WIOA training enrolments (a few hundred thousand a year, US DOL "
           "WIOA performance reports) against about 6-8 million unemployed",
           "share of the unemployed who start a training programme"),
        _p("training_steps", 4, "steps (mean)", "-",
           "assumption: occupational skills training of about six months (US DOL WIOA)",
           "trainees complete with probability 1/training_steps per step"),
        _p("training_edge_weight", 0.5, "weight relative to a row of A (which sums to 1)", "-",
           "assumption", "extra application weight of graduates toward their target occupations"),
        _p("training_targets", 5, "occupations", "-", "assumption",
           "default targets: the most skill-similar occupations whose demand grows in the scenario"),
        # --- exit to and re-entry from inactivity ------------------------------------------------------
        _p("ltu_exit_rate", 0.15, "probability", "per step",
           "Krueger, Cramer & Cho (2014, Brookings Papers): about one in ten long-term unemployed leaves "
           "the labour force each month (CPS 2008-2013); 1-(1-0.10)^(6.75/4.33)",
           "discouraged long-term unemployed leave the labour force"),
        _p("reentry_rate", 0.15, "probability", "per step",
           "calibration target: the marginally attached (BLS CPS, 2015-2019) are about as many as the "
           "long-term unemployed, so re-entry balances exit",
           "inactive former workers re-enter search"),
        # --- income ---------------------------------------------------------------------------------------
        _p("ui_replacement_ratio", 0.40, "ratio to previous wage", "-",
           "US DOL ETA, UI Data Summary: average weekly benefit / average weekly wage, about 0.40 (2015-2019)", ""),
        _p("ui_duration_steps", 4, "steps", "-", "26 weeks of regular state UI in most US states (US DOL); "
           "= 4 steps of 6.75 weeks", ""),
        _p("ui_recipiency", 0.28, "share of the unemployed", "-",
           "US DOL ETA UI recipiency rate, about 27-28% in 2018-2019", ""),
        # --- social insurance coverage -----------------------------------------------------------------
        _p("coverage_employed", 0.95, "share", "-",
           "BLS QCEW: UI-covered employment is over 95% of US jobs", ""),
        _p("coverage_flexible", 0.0, "share", "-",
           "US self-employed are not covered by state UI (US DOL); a policy lever", ""),
    )
}


def value(name: str) -> float:
    return PARAMETERS[name].value


def self_loop_r(step_weeks: float, annual_mobility: float | None = None,
                reference_unemployment: float | None = None) -> float:
    """Self-loop weight r of the search network for a step of ``step_weeks`` (the paper's calibration).

    A share m = 1 - (1 - annual_mobility)^(step_weeks/52) of workers changes occupation per step; in the
    model only the unemployed (share u_ref) move, so they must leave their occupation with probability
    m/u_ref: r = 1 - m/u_ref. For 6.75-week steps this gives r = 0.5503, the paper's value.
    """
    mobility = value("annual_occupational_mobility") if annual_mobility is None else annual_mobility
    u_ref = value("reference_unemployment") if reference_unemployment is None else reference_unemployment
    per_step = 1.0 - (1.0 - mobility) ** (step_weeks / 52.0)
    r = 1.0 - per_step / u_ref
    if not 0.0 <= r <= 1.0:
        raise InputError(f"step_weeks = {step_weeks} gives a self-loop weight r = {r:.3f} outside [0, 1]",
                         hint="use a step of at most about 20 weeks")
    return r


def per_step(monthly_probability: float, step_weeks: float) -> float:
    """Turn a monthly transition probability into one per step of ``step_weeks``."""
    return 1.0 - (1.0 - monthly_probability) ** (step_weeks / (52.0 / 12.0))


@dataclass(frozen=True)
class ModelParams:
    """The scalar parameters of one run (shared by every scenario of a batch).

    Rates are per step of ``step_weeks``. Extension rates are used only when their extension is on.
    """

    step_weeks: float = 6.75
    delta_u: float = 0.016
    delta_v: float = 0.012
    gamma_u: float = 0.16
    gamma_v: float = 0.16
    ltu_steps: int = 4
    extensions: frozenset[str] = field(default_factory=frozenset)
    flexible_search_intensity: float = value("flexible_search_intensity")
    flexible_to_unemployment: float = value("flexible_to_unemployment")
    training_rate: float = value("training_rate")
    training_steps: float = value("training_steps")
    ltu_exit_rate: float = value("ltu_exit_rate")
    reentry_rate: float = value("reentry_rate")

    def __post_init__(self) -> None:
        for f in fields(self):
            if f.name in ("extensions", "ltu_steps", "step_weeks", "training_steps"):
                continue
            x = getattr(self, f.name)
            if not (isinstance(x, int | float) and math.isfinite(x) and 0.0 <= x <= 1.0):
                raise InputError(f"parameter '{f.name}' = {x} is not a rate in [0, 1]")
        if self.ltu_steps < 1 or int(self.ltu_steps) != self.ltu_steps:
            raise InputError(f"ltu_steps = {self.ltu_steps} must be a whole number of steps >= 1")
        if not self.step_weeks > 0:
            raise InputError(f"step_weeks = {self.step_weeks} must be > 0")
        if not self.training_steps >= 1:
            raise InputError(f"training_steps = {self.training_steps} must be >= 1")
        unknown = set(self.extensions) - set(EXTENSIONS)
        if unknown:
            raise InputError(f"unknown extension(s) {sorted(unknown)}", hint=f"choose from {list(EXTENSIONS)}")

    def on(self, extension: str) -> bool:
        return extension in self.extensions

    def with_(self, **changes: Any) -> ModelParams:
        return replace(self, **changes)


EXTENSIONS = ("flexible", "training", "exit", "income", "insurance")


def parameter_table() -> list[dict[str, Any]]:
    """All documented defaults as plain dicts (for run metadata and docs)."""
    return [
        {"name": p.name, "value": p.value, "unit": p.unit, "period": p.period, "source": p.source, "note": p.note}
        for p in PARAMETERS.values()
    ]
