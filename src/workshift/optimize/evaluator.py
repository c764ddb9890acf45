"""Evaluate whole populations of portfolios on the engine's batched mean-field.

:meth:`PolicyEvaluator.build` prepares, once per scenario (from the engine's :class:`Built` model): the state
at the policy start (the no-policy run up to the shock's ``start_step``), the no-policy baseline over the
horizon (its flows give the engine's rates for the participant calibration, the target-group sizes that
price the portfolios and the unemployment spells that coverage counts), and the calibration of every
programme lever. Each call then runs the whole population as one batch: every scenario starts from the same
state; year by year the levers are mapped onto hooks (:mod:`workshift.policy.mapping`). Under an AI shock
every portfolio also runs once more with target demand held at its pre-shock path (the same policy, no AI),
its levers mapped with that path's demand limits (:meth:`PolicyEvaluator.no_ai_context`):
``ai_displacement`` is the difference. The series come from the sums over occupations through the one
accounting module, :mod:`workshift.market.extensions.accounts`, on either path.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from workshift.market.extensions.accounts import Accounting, series_from_sums, state_sums, unemployment_rates
from workshift.market.fused import AGGREGATES, FusedRunner, NodeMajorState
from workshift.market.hooks import PolicyHooks
from workshift.market.meanfield import Stepper
from workshift.market.meanfield import run as run_meanfield
from workshift.market.model import Model
from workshift.market.state import MarketState
from workshift.market.step import step as reference_step
from workshift.policy.calibration import Rates, calibrate_all
from workshift.policy.catalogue import Lever, packaged_levers
from workshift.policy.mapping import MAPPINGS, Context, combine
from workshift.policy.objectives import QUALITY, coverage, simulated_metrics
from workshift.policy.portfolio import CostModel, PortfolioSpace

SERIES = ("employed", "flexible", "unemployed", "ltu", "trainees", "labour_force", "shortfall", "income",
          "insured", "work_no_ai")


@dataclass
class PolicyEvaluator:
    """Callable ``evaluate(population (P, n_vars)) -> {key: (P,)}`` over the engine (picklable)."""

    model: Model
    space: PortfolioSpace
    costs: CostModel
    ctx: Context
    accounting: Accounting
    start: MarketState  # B = 1, at the policy start
    start_step: int
    horizon_steps: int
    shift: np.ndarray  # (T, n) target demand without AI minus with AI (signed: the shock's reallocation)
    spells: np.ndarray  # (Y,) unemployment spells open in each policy year, no-policy run
    exit_rate: float  # per-step probability that an unemployment spell ends (no-policy run)
    at_risk: float  # jobs at risk from the shock (peak of the demand it removes)
    population: float  # working-age population (constant in the engine)
    reference: dict[str, np.ndarray] = field(default_factory=dict)  # no-shock path: unemployment_rate, u_nodes
    work_base: np.ndarray | None = None  # (T,) E + F under AI without new policy
    quality_base: dict[str, float] = field(default_factory=dict)  # no-policy job-quality components
    starts_base: np.ndarray | None = None  # (T,) course starts per step without new policy
    mean_wage: float = 0.0  # employment-weighted mean annual wage (the unit of costs quoted in earnings)

    @property
    def dt_years(self) -> float:
        return 1.0 / self.ctx.steps_per_year

    @property
    def levers(self) -> tuple[Lever, ...]:
        return self.space.levers

    @property
    def has_shock(self) -> bool:
        return bool(np.any(self.shift != 0))

    def simulate(self, x: np.ndarray, record_nodes: bool = False) -> dict[str, Any]:
        """Run a population over the horizon: aggregate series (P, T) and, optionally, node paths (T, P, n).
        Without node paths the fused kernel runs (:mod:`workshift.market.fused`): the whole horizon in one
        call, sums over nodes only; with them, the engine's stepper step by step (same numbers). Under a shock
        every portfolio runs twice, with and without AI (``work_no_ai``)."""
        x = np.atleast_2d(np.asarray(x, dtype=float))
        P = len(x)
        yearly = self.space.yearly(x)
        twin = self.has_shock
        if twin:
            yearly = np.concatenate([yearly, yearly])
        fused = not record_nodes and self.model.demand.d0.shape[0] == 1
        sums, flex_cov, flex_income, nodes = (self._run_fused(yearly) if fused
                                              else self._run_steps(yearly, record_nodes))
        series = series_from_sums(sums, flex_cov, flex_income, self.accounting)
        if twin:
            series = {k: v[:P] for k, v in series.items()} | {"work_no_ai": series["employed"][P:]
                                                                + series["flexible"][P:]}
        out: dict[str, Any] = {"series": series}
        if record_nodes:
            out["nodes"] = {k: v[:, :P] for k, v in nodes.items()}
        return out

    def _demand_kept(self, kept: np.ndarray, twin: bool) -> np.ndarray:
        """(Y, B) share of the shock's reallocation undone; the second half of a twin batch has no AI (1)."""
        if twin:
            kept = kept.copy()
            kept[:, kept.shape[1] // 2:] = 1.0
        return kept

    def _run_steps(self, yearly: np.ndarray, record_nodes: bool) -> tuple:
        batch, n, T = yearly.shape[0], self.ctx.n, self.horizon_steps
        acc = self.accounting
        bins = acc.eligible_bins(self.model.params.ltu_steps)
        wage_step = acc.wage_step
        beta = acc.wage_curve if acc.income else 0.0
        sums = np.zeros((T, len(AGGREGATES), batch))
        flex_cov, flex_income = np.zeros((batch, T)), np.ones((batch, T))
        nodes = {k: np.zeros((T, batch, n)) for k in ("e", "u", "f")} if record_nodes else {}
        state = self.start.take(np.zeros(batch, dtype=int)).copy()
        year, stepper, kept = -1, None, np.zeros(batch)
        for k in range(T):
            y = min(int(k / self.ctx.steps_per_year), self.space.horizon_years - 1)
            if y != year:
                year = y
                hooks, cov, inc, kept = self._hooks_by_year(yearly, np.array([y]), self.has_shock)
                hooks = {name: v[0] for name, v in hooks.items()}
                cov, inc, kept = cov[0], inc[0], self._demand_kept(kept, self.has_shock)[0]
                stepper = Stepper(self.model, PolicyHooks(**hooks).broadcast(batch, n))
            target = self.model.demand.at(self.start_step + k + 1) + kept[:, None] * self.shift[k][None, :]
            state = stepper(state, target)
            sums[k] = state_sums(state, wage_step, bins, acc.unemployment_start, beta)
            flex_cov[:, k], flex_income[:, k] = cov, inc
            if record_nodes:
                nodes["e"][k], nodes["u"][k], nodes["f"][k] = state.e, state.u + state.g, state.f
        return sums, flex_cov, flex_income, nodes

    def no_ai_context(self) -> Context:
        """The lever context of the twin's no-AI half: its own demand path, which the shock does not move, so
        each occupation's demand ratio is 1 (flexible-work room = the headroom everywhere) and no occupation
        grows (hiring-subsidy targets spread by employment). Without it the no-AI run would see AI-shaped
        demand limits and ``ai_displacement`` would not be a counterfactual."""
        return replace(self.ctx, demand_ratio=None if self.ctx.demand_ratio is None else np.ones(self.ctx.n),
                       growing=np.zeros(self.ctx.n, dtype=bool))

    def _hooks_by_year(self, yearly: np.ndarray, years: np.ndarray, twin: bool = False
                       ) -> tuple[dict, np.ndarray, np.ndarray, np.ndarray]:
        """Hooks (Y, B, n) or (Y, B, 1) for each of ``years``, flexible coverage, flexible income factor and
        the share of the shock's reallocation undone (Y, B). In a twin batch the second half (the same
        portfolios without AI) is mapped with :meth:`no_ai_context`."""
        if not twin:
            return self._map_years(yearly, years, self.ctx)
        half = yearly.shape[0] // 2
        a, b = self._map_years(yearly[:half], years, self.ctx), self._map_years(yearly[half:], years,
                                                                                  self.no_ai_context())

        def stack(u: np.ndarray, v: np.ndarray) -> np.ndarray:
            tail = np.broadcast_shapes(u.shape[2:], v.shape[2:])  # (1,) or (n,): one half may vary by node
            return np.concatenate([np.broadcast_to(u, (*u.shape[:2], *tail)),
                                   np.broadcast_to(v, (*v.shape[:2], *tail))], axis=1)

        return ({k: stack(a[0][k], b[0][k]) for k in a[0]}, *(stack(u, v) for u, v in zip(a[1:], b[1:], strict=True)))

    def _map_years(self, yearly: np.ndarray, years: np.ndarray, base: Context
                   ) -> tuple[dict, np.ndarray, np.ndarray, np.ndarray]:
        """Every lever mapped once for all ``years`` with the context ``base`` (the mappings are element-wise
        in the intensity, so the years stack along the batch axis)."""
        batch, n_years = yearly.shape[0], len(years)
        flat = yearly[:, :, years].transpose(2, 0, 1).reshape(n_years * batch, -1)  # row = year * B + b
        cohorts = {lv.id: base.cohort_intensity(yearly[:, i], lv.id)[:, years].T.reshape(-1)
                   for i, lv in enumerate(self.levers) if lv.id in base.calibration}
        ctx = replace(base, cohorts=cohorts)
        parts = [MAPPINGS[lv.id](flat[:, i], ctx) for i, lv in enumerate(self.levers)]
        hooks = combine(parts, len(flat), base.n)
        cov = hooks.pop("flexible_coverage")[:, 0]
        flex_cov = np.where(np.isnan(cov), self.accounting.coverage_flexible, cov)
        flex_income = hooks.pop("flexible_income")[:, 0]
        kept = hooks.pop("demand_kept")[:, 0]

        def by_year(a: np.ndarray) -> np.ndarray:
            return a.reshape(n_years, batch, *a.shape[1:])

        return ({k: by_year(v) for k, v in hooks.items()}, by_year(flex_cov), by_year(flex_income),
                by_year(kept))

    def _run_fused(self, yearly: np.ndarray) -> tuple:
        """The whole horizon of a population, a hook set per year, in one fused call."""
        batch, T = yearly.shape[0], self.horizon_steps
        acc = self.accounting
        if getattr(self, "_fused", None) is None:
            curve = (acc.unemployment_start, acc.wage_curve) if acc.income and acc.unemployment_start is not None \
                else None
            self._fused = FusedRunner(self.model, acc.wage_step, acc.eligible_bins(self.model.params.ltu_steps),
                                      wage_curve=curve)
            self._targets = np.stack([self.model.demand.at(self.start_step + k + 1)[0] for k in range(T)])
            self._start_nodes = NodeMajorState(self.start)
        year_of = np.minimum((np.arange(T) / self.ctx.steps_per_year).astype(int), self.space.horizon_years - 1)
        years, starts, segment = np.unique(year_of, return_index=True, return_inverse=True)
        hooks, flex_cov, flex_income, kept = self._hooks_by_year(yearly, years, self.has_shock)
        # combine() returns arrays already clipped to the engine's bounds: no second check needed
        schedule = [PolicyHooks(**{k: v[j] for k, v in hooks.items()}) for j in range(len(years))]
        sums = self._fused.run_schedule(self._start_nodes.repeat(batch), schedule, starts, self._targets,
                                        self.shift[:T], self._demand_kept(kept, self.has_shock))
        return sums, flex_cov[segment].T, flex_income[segment].T, {}

    def starts(self, trainees: np.ndarray) -> np.ndarray:
        """(P, T) course starts per step from the trainee stock: tr_t - tr_(t-1) (1 - 1 / duration)."""
        before = np.concatenate([np.full((len(trainees), 1), float(self.start.tr.sum())), trainees[:, :-1]], axis=1)
        return trainees - before * (1.0 - 1.0 / self.model.params.training_steps)

    def _per_year(self, per_step: np.ndarray) -> np.ndarray:
        """(P, years) sums over each policy year of a (P, T) series."""
        year_of = np.minimum((np.arange(self.horizon_steps) / self.ctx.steps_per_year).astype(int),
                             self.space.horizon_years - 1)
        return np.stack([per_step[:, year_of == y].sum(axis=1) for y in range(self.space.horizon_years)], 1)

    def participants(self, x: np.ndarray, series: dict[str, np.ndarray]) -> np.ndarray:
        """(P, n_levers, years) participants served: places planned, except for levers charged on what the
        run did: ``trainee_starts`` (course starts above the no-policy run's) and ``hours_cut``
        (full-time-equivalent years of hours cut by short-time work, weighted by pay: the pay of the hours
        cut over the mean annual wage, so that participants x the cost per unit, a share of the mean wage, is
        that share of the pay lost)."""
        part = self.costs.participants(x)
        actual = {}
        if self.starts_base is not None:
            actual["trainee_starts"] = self._per_year(self.starts(series["trainees"]) - self.starts_base[None])
        if "short_time_pay" in series and self.mean_wage > 0:
            actual["hours_cut"] = self._per_year(series["short_time_pay"] * self.dt_years) / self.mean_wage
        for basis, per_year in actual.items():
            charged = [i for i, lv in enumerate(self.levers) if lv.cost.charged_on == basis]
            planned = part[:, charged].sum(axis=1)
            for i in charged:  # one stock per basis: each lever's share of the planned places
                share = np.where(planned > 0, part[:, i] / np.where(planned > 0, planned, 1.0), 0.0)
                part[:, i] = np.maximum(per_year, 0.0) * share
        return part

    def schedule(self, x: np.ndarray, start_year: int):
        """The implementation schedule of one portfolio (spending per lever per year) with the participants
        the run actually served (:meth:`participants`), so it sums to the portfolio's cost."""
        x = np.atleast_2d(x)
        return self.costs.schedule(x, start_year, self.participants(x, self.simulate(x)["series"]))

    def metrics(self, x: np.ndarray, series: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        data = {k: v for k, v in series.items() if k in SERIES}
        values = simulated_metrics(data, self.dt_years, self.population, self.work_base, self.quality_base)
        values["cost"] = self.costs.cost(x, self.participants(x, series))
        values["coverage"] = self.coverage(x)
        return values

    def __call__(self, x: np.ndarray) -> dict[str, np.ndarray]:
        x = np.atleast_2d(np.asarray(x, dtype=float))
        return self.metrics(x, self.simulate(x)["series"])

    def coverage(self, x: np.ndarray) -> np.ndarray:
        """Share of people displaced or at risk reached at least once (``objectives.coverage``): programmes
        for the unemployed reach spells, measures for at-risk jobs reach those jobs; the lever's
        ``target_group`` decides which (levers for other groups do not count)."""
        yearly = self.space.yearly(np.atleast_2d(x))
        miss = np.ones((len(yearly), self.space.horizon_years))
        at_risk = np.zeros(len(yearly))
        for i, lv in enumerate(self.levers):
            if lv.target_group == "unemployed":
                miss *= np.exp(-yearly[:, i] / self.ctx.steps_per_year)  # x starts per person-year
            elif lv.target_group == "at_risk":
                at_risk = np.maximum(at_risk, np.clip(yearly[:, i], 0, 1).max(axis=1) * self.at_risk)
        return coverage(1.0 - miss, self.spells, self.exit_rate, at_risk,
                        float(self.spells.sum() + self.at_risk))

    @classmethod
    def build(cls, built, space: PortfolioSpace, discount_rate: float = 0.0, cost_factor: float = 1.0
              ) -> PolicyEvaluator:
        """Prepare the evaluator for an engine model (``workshift.market.run.build``) and a portfolio space;
        ``cost_factor`` (pack currency per US dollar) puts the catalogue's US-dollar costs into the pack's
        currency (costs quoted as a share of earnings are already in it)."""
        model: Model = built.model
        params = model.params
        steps_per_year = 52.0 / params.step_weeks
        start_step = int(model.demand.start)
        T = int(round(space.horizon_years * steps_per_year))
        start = (run_meanfield(model, steps=start_step, batch=1).final if start_step > 0
                 else model.initial_state(1)).copy()
        accounting = Accounting.from_scenario(built.scenario, built.inputs.wage, params)
        no_shock = replace(model, demand=replace(model.demand, d_final=model.demand.d0.copy()))
        unshocked = np.stack([no_shock.demand.at(start_step + k + 1)[0] for k in range(T)])
        shocked = np.stack([model.demand.at(start_step + k + 1)[0] for k in range(T)])
        base = baseline_flows(model, start, start_step, T)
        ref = baseline_flows(no_shock, start, start_step, T)
        f_step = base["hires_u"].sum() / base["unemployed"].sum()
        rates = Rates(f_step, base["separations"].sum() / base["employed"].sum(), steps_per_year / 12.0,
                      phi=params.trainee_job_finding)
        graduate = (base["hires_g"].sum() / base["graduates"].sum() / f_step
                    if base["graduates"].sum() > 0 else 1.0)
        levers = {lv.id: lv for lv in space.levers}
        ctx = Context(
            n=model.n, steps_per_year=steps_per_year,
            job_finding_month=1.0 - (1.0 - f_step) ** (steps_per_year / 12.0),
            unemployed=float(base["unemployed"].mean()), openings_per_step=base["openings"].mean(axis=0),
            employment=model.e0, growing=model.demand.d_final[0] > model.demand.d0[0],
            training_rate=params.training_rate if params.on("training") else 1.0,
            flexible_entry_per_step=float(base["flexible_entry"].mean()),
            coverage_flexible=accounting.coverage_flexible, levers={**packaged_levers(), **levers},
            calibration=calibrate_all(levers, rates), engine_multiplier={"training": max(graduate, 1.0)},
            rates=rates, demand_ratio=np.where(unshocked > 0, shocked / np.where(unshocked > 0, unshocked, 1.0),
                                               1.0).mean(axis=0),
        )
        year_of_step = np.minimum((np.arange(T) / steps_per_year).astype(int), space.horizon_years - 1)
        lost = np.maximum(unshocked - shocked, 0.0).sum(axis=1)
        groups = {"unemployed": base["unemployed"], "flexible": base["flexible"], "employed": base["employed"],
                  "at_risk": lost, "demand_separations": base["demand_separations"] * steps_per_year}
        sizes = np.array([[groups[lv.target_group][year_of_step == y].mean() for y in range(space.horizon_years)]
                          for lv in space.levers])
        wage = float(np.average(accounting.wages, weights=np.maximum(model.e0, 1e-9)))
        # a cost quoted as a share of earnings is a share of the target group's earnings
        unit = np.array([lv.cost.per_unit("USD", earnings=wage * (accounting.flexible_ratio
                                                                   if lv.target_group == "flexible" else 1.0))
                         * (1.0 if lv.cost.is_share_of_earnings else cost_factor) for lv in space.levers])
        costs = CostModel(space, unit, sizes, discount_rate)
        spells = np.array([base["inflow"][year_of_step == y].sum() for y in range(space.horizon_years)])
        spells[0] += float((start.u + start.g).sum())
        lf0 = float(start.labour_force().sum())
        accounting.unemployment_start = unemployment_rates(start)[0]  # each occupation's own wage curve
        reference = {"unemployment_rate": ref["unemployed_all"] / ref["labour_force"], "u_nodes": ref["u_nodes"],
                     "baseline_u_nodes": base["u_nodes"]}
        population = lf0 + float(start.x.sum())
        ev = cls(model, space, costs, ctx, accounting, start, start_step, T, unshocked - shocked, spells,
                 float((base["hires_u"].sum() + base["exits_u"].sum()) / base["unemployed"].sum()),
                 float(lost.max()), population, reference)
        ev.mean_wage = wage
        zero = ev.simulate(space.zero()[None])["series"]
        ev.work_base = zero["employed"][0] + zero["flexible"][0]
        ev.starts_base = ev.starts(zero["trainees"])[0]
        ev.quality_base = {k: float(v[0]) for k, v in simulated_metrics(zero, ev.dt_years).items() if k in QUALITY}
        return ev


def baseline_flows(model: Model, start: MarketState, start_step: int, steps: int) -> dict[str, np.ndarray]:
    """The no-policy path over the horizon with the engine's reference step (it returns the flows)."""
    hooks = PolicyHooks().broadcast(1, model.n)
    state = start.copy()
    keys = ("employed", "unemployed", "flexible", "graduates", "hires_u", "hires_g", "separations",
            "flexible_entry", "unemployed_all", "labour_force", "inflow", "exits_u", "demand_separations")
    out = {k: np.zeros(steps) for k in keys}
    out["openings"] = np.zeros((steps, model.n))
    out["u_nodes"] = np.zeros(model.n)
    for k in range(steps):
        prev = state
        state, flows = reference_step(prev, model, hooks, model.demand.at(start_step + k + 1))
        out["employed"][k] = prev.e.sum()
        out["unemployed"][k] = prev.u.sum()
        out["graduates"][k] = prev.g.sum()
        out["flexible"][k] = prev.f.sum()
        out["hires_u"][k] = flows.u_hired.sum()
        out["hires_g"][k] = flows.g_hired.sum()
        out["separations"][k] = flows.separations.sum()
        out["flexible_entry"][k] = (flows.e_to_f + flows.u_to_f).sum()
        out["inflow"][k] = (flows.separations + flows.f_to_u + flows.reentries).sum()
        out["exits_u"][k] = (flows.u_to_f + flows.to_training + flows.to_inactive).sum()
        out["demand_separations"][k] = max(0.0, float(flows.separations.sum() - model.params.delta_u * prev.e.sum()))
        out["openings"][k] = flows.openings[0]
        out["unemployed_all"][k] = (state.u + state.g).sum()
        out["labour_force"][k] = state.labour_force().sum()
        out["u_nodes"] += (state.u + state.g)[0] / steps
    return out
