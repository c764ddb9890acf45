"""Model parameters, each with unit, period and source.

Every number the engine uses by default lives here as a :class:`Parameter`, so that results can say which
assumptions produced them (``parameter_table()`` goes into run metadata and ``docs/engine.md``).

Time: every rate is given per a stated period (``rate_period_weeks``, 6.75 weeks by default, the paper's step)
and converted to the model's step of ``step_weeks`` by :func:`per_step_rate`; a searcher sends
``step_weeks / rate_period_weeks`` applications per step (search effort per unit of time is fixed);
durations (long-term unemployment threshold, UI duration, training) are given in weeks and turned into steps
by the step length. So the paper's steady state does not depend on the step (docs/engine.md).
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
    low: float | None = None  # the range the source supports (sensitivity, uncertainty), where one is given
    high: float | None = None


def _p(name: str, value: float, unit: str, period: str, source: str, note: str = "",
       low: float | None = None, high: float | None = None) -> Parameter:
    return Parameter(name, value, unit, period, source, note, low, high)


RATE_PERIOD_WEEKS = 6.75
"""The period of every rate given without one: the paper's step."""


PARAMETERS: dict[str, Parameter] = {
    p.name: p
    for p in (
        # --- the paper's model -------------------------------------------------------------------------
        _p("step_weeks", 6.75, "weeks", "-", PAPER + ", Methods",
           "one step; tau = 4 steps = 27 weeks, the BLS long-term unemployment threshold"),
        _p("rate_period_weeks", RATE_PERIOD_WEEKS, "weeks", "-", PAPER + " (its step)",
           "the period the rates delta_u, delta_v, gamma_u, gamma_v and the [parameters] rates are given per; "
           "each searcher sends one application per period"),
        _p("ltu_weeks", 27.0, "weeks", "-", "BLS: long-term unemployed = jobless for 27 weeks or more; " + PAPER,
           "spell length from which an unemployed worker counts as long-term unemployed (ltu_steps = "
           "ltu_weeks / step_weeks, rounded)"),
        _p("delta_u", 0.016, "probability", "per 6.75 weeks", PAPER + ", calibrated to the US Beveridge curve",
           "spontaneous separation rate"),
        _p("delta_v", 0.012, "probability", "per 6.75 weeks", PAPER + ", calibrated to the US Beveridge curve",
           "spontaneous vacancy-opening rate"),
        _p("gamma_u", 0.16, "share of the demand gap", "per 6.75 weeks", PAPER + " (gamma = 10 delta_u)",
           "speed of demand-driven separations"),
        _p("gamma_v", 0.16, "share of the demand gap", "per 6.75 weeks", PAPER + " (gamma = 10 delta_u)",
           "speed of demand-driven vacancy openings"),
        _p("ltu_steps", 4, "steps", "-", PAPER + "; BLS defines long-term unemployment as 27+ weeks",
           "derived: ltu_weeks / step_weeks, rounded (4 at 6.75 weeks, 6 at monthly steps), unless [market] "
           "ltu_steps is given; unemployed for at least this many steps counts as long-term unemployed"),
        _p("annual_occupational_mobility", 0.19, "share of workers", "per year",
           "Kambourov & Manovskii (2008), Int. Econ. Rev. 49(1); used by " + PAPER,
           "share of workers who change occupation in a year; calibrates the self-loop r"),
        _p("reference_unemployment", 0.06, "share of labour force", "-", PAPER + " (self-loop calibration)",
           "unemployment rate used to turn annual mobility into the self-loop r per rate period"),
        _p("shock_start_weeks", 675.0, "weeks", "-", "the paper's start: step 100 of 6.75 weeks",
           "[shock] start_weeks: when the shock starts, in weeks from the (converged) start of the run"),
        _p("adoption_weeks", 231 * 6.75, "weeks", "-", PAPER + ": automation over 30 years = 231 steps of 6.75 "
           "weeks", "[shock] adoption_weeks: the logistic adoption reaches automation_level this long after the "
           "start"),
        _p("adoption_steps", 231, "steps", "-", PAPER + ": automation over 30 years = 30*52/6.75 steps",
           "derived: adoption_weeks / step_weeks; the old key [shock] adoption_steps still works (deprecated)"),
        _p("automation_level", 0.9999, "share of the shock", "-", PAPER + " (calibrate_sigmoid in labornet)",
           "the logistic adoption path reaches this share of the shock at start + adoption_steps"),
        _p("cycle_period_weeks", 103 * 6.75, "weeks", "-",
           PAPER + ": 2008-2018 taken as three quarters of a business cycle (103 steps of 6.75 weeks)",
           "[cycle] period_weeks"),
        _p("cycle_period_steps", 103, "steps", "-",
           PAPER + ": 2008-2018 taken as three quarters of a business cycle",
           "derived: cycle_period_weeks / step_weeks; the old key [cycle] period_steps still works (deprecated)"),
        # --- exposure -> automation shock --------------------------------------------------------------
        _p("displacement_share", 0.5, "share of exposed task time", "over the adoption horizon",
           "assumption (midpoint of the range): exposure is not automation - Eloundou et al. (2024, Science) "
           "rate a task exposed when an LLM could halve its time, not when it replaces the worker; "
           "Svanberg et al. (2024, MIT) find 23% of the vision-exposed wage bill economically attractive to "
           "automate (the low end); the high end 0.75 is an assumption (most, not all, exposed time)",
           "displacement channel: share of the exposed task share whose labour demand AI removes",
           low=0.23, high=0.75),
        _p("augmentation", 0.0, "relative demand gain on augmented tasks", "over the adoption horizon",
           "0 = the augmented tasks are made more productive and their labour demand is kept (the paper, "
           "Acemoglu & Restrepo 2019's productivity effect left out); the high end 0.14 passes the +14% "
           "productivity of exposed customer-support workers (Brynjolfsson, Li & Raymond 2025, QJE) one for "
           "one into labour demand (unit-elastic product demand), an upper bound",
           "augmentation channel: labour-demand change on the exposed but not displaced task share",
           low=0.0, high=0.14),
        _p("reinstatement", 1.0, "share of the displaced demand", "over the adoption horizon",
           "Acemoglu & Restrepo (2019, J. Econ. Perspect. 33(2)): new tasks reinstated labour about as fast as "
           "automation displaced it in 1947-1987 (1.0, the paper's assumption that total demand is kept) and "
           "about half as fast in 1987-2017 (0.5, the low end); net_loss = true sets 0",
           "reinstatement channel: new labour demand (new tasks) as a share of the gross displaced demand, "
           "spread over occupations in proportion to their demand after displacement",
           low=0.5, high=1.0),
        # --- flexible work (灵活就业) -------------------------------------------------------------------
        _p("flexible_search_intensity", 0.03, "applications per searcher, relative to the unemployed",
           "per step", "assumption; Faberman, Mueller, Sahin & Topa (2022, Econometrica 90(4)) find on-the-job "
           "searchers send far fewer applications than the unemployed; 0.03 moves about 1% of flexible "
           "workers into wage jobs a month",
           "flexible workers apply for wage jobs at this intensity"),
        _p("flexible_to_unemployment", 0.01, "probability", "per 6.75 weeks",
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
        _p("training_rate", 0.005, "probability", "per 6.75 weeks",
           "assumption of the order of US WIOA training enrolments (a few hundred thousand a year, US DOL "
           "WIOA performance reports) against about 6-8 million unemployed",
           "share of the unemployed who start a training programme"),
        _p("training_steps", 4, "rate periods (mean)", "-",
           "assumption: occupational skills training of about six months (US DOL WIOA)",
           "mean duration 4 x 6.75 = 27 weeks; trainees complete with probability 1/duration per step"),
        _p("trainee_job_finding", 0.25, "ratio to the average searcher's job-finding rate", "-",
           "Krueger, Cramer & Cho (2014, Brookings Papers on Economic Activity): the long-term unemployed find "
           "jobs at about a third of the rate of the short-term unemployed (CPS 2008-2013); programme entrants "
           "are mostly long-term or hard-to-place unemployed (Card, Kluve & Weber 2018, JEEA 16(3); Biewen, "
           "Fitzenberger, Osikominu & Paul 2014, JOLE 32(4), Table 2), so a quarter; range an assumption",
           "job finding the unemployed who start training would have had, relative to the average searcher "
           "(negative selection into programmes). Lock-in costs the economy that job finding, not the average "
           "searcher's: the trainees' other 1 - phi of a searcher's applications stay with the unemployed of "
           "their node (the pool they leave is easier to place). 1 = trainees drawn from the average searcher. "
           "The policy calibration uses the same value for every programme's entrants",
           low=0.15, high=0.5),
        _p("training_edge_weight", 0.5, "weight relative to a row of A (which sums to 1)", "-",
           "assumption", "extra application weight of graduates toward their target occupations"),
        _p("training_targets", 5, "occupations", "-", "assumption",
           "default targets: the most skill-similar occupations whose demand grows in the scenario"),
        # --- exit to and re-entry from inactivity ------------------------------------------------------
        _p("ltu_exit_rate", 0.15, "probability", "per 6.75 weeks",
           "Krueger, Cramer & Cho (2014, Brookings Papers): about one in ten long-term unemployed leaves "
           "the labour force each month (CPS 2008-2013); 1-(1-0.10)^(6.75/4.33)",
           "discouraged long-term unemployed leave the labour force"),
        _p("reentry_rate", 0.15, "probability", "per 6.75 weeks",
           "calibration target: the marginally attached (BLS CPS, 2015-2019) are about as many as the "
           "long-term unemployed, so re-entry balances exit",
           "inactive former workers re-enter search"),
        # --- income ---------------------------------------------------------------------------------------
        _p("ui_replacement_ratio", 0.40, "ratio to previous wage", "-",
           "US DOL ETA, UI Data Summary: average weekly benefit / average weekly wage, about 0.40 (2015-2019)", ""),
        _p("ui_duration_weeks", 26.0, "weeks", "-", "26 weeks of regular state UI in most US states (US DOL)",
           "ui_duration_steps = ui_duration_weeks / step_weeks, rounded"),
        _p("ui_duration_steps", 4, "steps", "-", "derived: ui_duration_weeks / step_weeks (26 weeks = 4 steps "
           "of 6.75 weeks); set it only to override the weeks", ""),
        _p("wage_curve_elasticity", -0.1, "elasticity of pay w.r.t. the occupation's unemployment rate", "-",
           "Blanchflower & Oswald (1994), The Wage Curve (MIT Press): about -0.1 across countries; Nijkamp & "
           "Poot (2005), J. Econ. Surveys 19(3), meta-analysis: about -0.07 after correcting for publication "
           "bias (the high end)",
           "each occupation's wage moves with (its unemployment rate / its rate at the policy start) ^ "
           "elasticity (workshift.market.extensions.accounts); 0 = wages fixed", low=-0.1, high=-0.07),
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
    """Self-loop weight r of the search network for one application period of ``step_weeks`` (the paper's
    calibration).

    A share m = 1 - (1 - annual_mobility)^(step_weeks/52) of workers changes occupation per period; in the
    model only the unemployed (share u_ref) move, so they must leave their occupation with probability
    m/u_ref: r = 1 - m/u_ref. For 6.75 weeks this gives r = 0.5503, the paper's value. A searcher sends one
    application per rate period at any step (:mod:`workshift.market.step`), so the engine passes the rate
    period, not the step: passing the step made the network ever more diagonal as the step shrank (r 0.93 at
    one week), the occupational mobility per unit time fell with it, and the responses to a policy did not
    converge as the step shrank (issue 13).
    """
    mobility = value("annual_occupational_mobility") if annual_mobility is None else annual_mobility
    u_ref = value("reference_unemployment") if reference_unemployment is None else reference_unemployment
    per_step = 1.0 - (1.0 - mobility) ** (step_weeks / 52.0)
    r = 1.0 - per_step / u_ref
    if not 0.0 <= r <= 1.0:
        raise InputError(f"step_weeks = {step_weeks} gives a self-loop weight r = {r:.3f} outside [0, 1]",
                         hint="use a step of at most about 20 weeks")
    return r


def per_step_rate(rate: float, step_weeks: float, period_weeks: float = RATE_PERIOD_WEEKS) -> float:
    """A rate per period of ``period_weeks`` as a rate per step of ``step_weeks``: rate * step / period.

    The linear (Euler) convention, the same as for the hires (a searcher sends step / period applications per
    step): then the discrete model at any step length approximates one continuous-time model whose
    intensities per period are the paper's per-step probabilities, and at step = period nothing changes.
    """
    return rate * step_weeks / period_weeks


def steps_of(weeks: float, step_weeks: float) -> int:
    """A duration in weeks as a whole number of steps (at least 1)."""
    return max(1, int(round(weeks / step_weeks)))


def per_step(monthly_probability: float, step_weeks: float) -> float:
    """Turn a monthly transition probability into one per step of ``step_weeks``."""
    return 1.0 - (1.0 - monthly_probability) ** (step_weeks / (52.0 / 12.0))


@dataclass(frozen=True)
class ModelParams:
    """The scalar parameters of one run (shared by every scenario of a batch).

    Rates are per step of ``step_weeks`` (:meth:`per_period` converts rates given per a period);
    ``applications_per_step`` is how many applications a searcher sends per step (1 at the paper's step).
    Extension rates are used only when their extension is on.
    """

    step_weeks: float = value("step_weeks")
    rate_period_weeks: float = RATE_PERIOD_WEEKS
    applications_per_step: float = 1.0
    delta_u: float = value("delta_u")
    delta_v: float = value("delta_v")
    gamma_u: float = value("gamma_u")
    gamma_v: float = value("gamma_v")
    ltu_steps: int = int(value("ltu_steps"))
    extensions: frozenset[str] = field(default_factory=frozenset)
    flexible_search_intensity: float = value("flexible_search_intensity")
    flexible_to_unemployment: float = value("flexible_to_unemployment")
    training_rate: float = value("training_rate")
    training_steps: float = value("training_steps")
    ltu_exit_rate: float = value("ltu_exit_rate")
    reentry_rate: float = value("reentry_rate")
    trainee_job_finding: float = value("trainee_job_finding")

    def __post_init__(self) -> None:
        for f in fields(self):
            if f.name in ("extensions", "ltu_steps", "step_weeks", "training_steps", "rate_period_weeks"):
                continue
            x = getattr(self, f.name)
            if not (isinstance(x, int | float) and math.isfinite(x) and 0.0 <= x <= 1.0):
                raise InputError(f"parameter '{f.name}' = {x} is not a rate in [0, 1]")
        if self.ltu_steps < 1 or int(self.ltu_steps) != self.ltu_steps:
            raise InputError(f"ltu_steps = {self.ltu_steps} must be a whole number of steps >= 1")
        if not self.step_weeks > 0:
            raise InputError(f"step_weeks = {self.step_weeks} must be > 0")
        if not self.applications_per_step > 0:
            raise InputError(f"applications_per_step = {self.applications_per_step} must be in (0, 1]",
                             hint="a step may be at most one rate period long (step_weeks <= rate_period_weeks)")
        if not self.training_steps >= 1:
            raise InputError(f"training_steps = {self.training_steps} must be >= 1")
        unknown = set(self.extensions) - set(EXTENSIONS)
        if unknown:
            raise InputError(f"unknown extension(s) {sorted(unknown)}", hint=f"choose from {list(EXTENSIONS)}")

    @classmethod
    def per_period(cls, step_weeks: float = RATE_PERIOD_WEEKS, rate_period_weeks: float = RATE_PERIOD_WEEKS,
                   ltu_weeks: float | None = None, ltu_steps: int | None = None,
                   training_periods: float | None = None, **rates: Any) -> ModelParams:
        """Parameters for a step of ``step_weeks`` from rates given per ``rate_period_weeks`` (keyword
        ``rates``: delta_u, delta_v, gamma_u, gamma_v and the extension rates, each per period; missing ones
        take their documented defaults, which are per 6.75 weeks). The long-term threshold is ``ltu_steps``
        if given, else ``ltu_weeks`` (default 27) in steps; training lasts ``training_periods`` periods."""
        if not step_weeks > 0 or not rate_period_weeks > 0:
            raise InputError(f"step_weeks = {step_weeks} and rate_period_weeks = {rate_period_weeks} must be > 0")
        if step_weeks > rate_period_weeks * (1 + 1e-12):
            raise InputError(f"step_weeks = {step_weeks} is longer than rate_period_weeks = {rate_period_weeks}",
                             hint="a searcher sends at most one application per step: use a shorter step or "
                                  "give the rates per a longer period")
        kwargs: dict[str, Any] = {}
        for name in ("delta_u", "delta_v", "gamma_u", "gamma_v") + PERIOD_RATES:
            given = rates.pop(name, None)
            if given is None:
                default = getattr(cls, name) if name in ("delta_u", "delta_v", "gamma_u", "gamma_v") else value(name)
                kwargs[name] = per_step_rate(float(default), step_weeks, RATE_PERIOD_WEEKS)
            else:
                kwargs[name] = per_step_rate(float(given), step_weeks, rate_period_weeks)
        duration = training_periods if training_periods is not None else None
        kwargs["training_steps"] = (value("training_steps") * RATE_PERIOD_WEEKS if duration is None
                                    else float(duration) * rate_period_weeks) / step_weeks
        tau = int(ltu_steps) if ltu_steps is not None else steps_of(
            value("ltu_weeks") if ltu_weeks is None else float(ltu_weeks), step_weeks)
        return cls(step_weeks=float(step_weeks), rate_period_weeks=float(rate_period_weeks),
                   applications_per_step=min(1.0, step_weeks / rate_period_weeks), ltu_steps=tau,
                   **kwargs, **rates)

    @property
    def delta_u_period(self) -> float:
        """delta_u per rate period (the paper's initial u = delta_u e and target demand d = e + u use it, so
        the economy's size does not depend on the step)."""
        return self.delta_u / self.applications_per_step

    @property
    def delta_v_period(self) -> float:
        return self.delta_v / self.applications_per_step

    def kernel_rates(self) -> tuple[float, ...]:
        """The scalar rates in the order the numba kernels read them: (du, dv, gu, gv, sigma_f, phi_fu, rho,
        training duration, xi, eps, applications per step, trainee search credit 1 - trainee_job_finding)."""
        return (self.delta_u, self.delta_v, self.gamma_u, self.gamma_v, self.flexible_search_intensity,
                self.flexible_to_unemployment, self.training_rate, float(self.training_steps), self.ltu_exit_rate,
                self.reentry_rate, self.applications_per_step, self.trainee_search_credit)

    @property
    def trainee_search_credit(self) -> float:
        """kappa = 1 - trainee_job_finding: applications per trainee (at most one per unemployed person of the
        node) that stay with the node's unemployed, so lock-in removes only the trainees' own job finding."""
        return 1.0 - self.trainee_job_finding

    def on(self, extension: str) -> bool:
        return extension in self.extensions

    def with_(self, **changes: Any) -> ModelParams:
        return replace(self, **changes)


EXTENSIONS = ("flexible", "training", "exit", "income", "insurance")
PERIOD_RATES = ("flexible_to_unemployment", "training_rate", "ltu_exit_rate", "reentry_rate")
"""Extension rates documented per 6.75 weeks and converted to the step like the market rates."""


def parameter_table() -> list[dict[str, Any]]:
    """All documented defaults as plain dicts (for run metadata and docs)."""
    return [
        {"name": p.name, "value": p.value, "unit": p.unit, "period": p.period, "source": p.source, "note": p.note,
         "low": p.low, "high": p.high}
        for p in PARAMETERS.values()
    ]
