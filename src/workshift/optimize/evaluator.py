"""Evaluate whole populations of portfolios on the engine's batched mean-field.

:meth:`PolicyEvaluator.build` prepares, once per scenario (from the engine's :class:`Built` model): the state
at the policy start (the no-policy run up to the shock's ``start_step``), the no-policy baseline over the
horizon (its flows give the engine's rates for the participant calibration and the target-group sizes that
price the portfolios), the same economy without the AI shock (the reference of ``ai_displacement``), and the
calibration of every programme lever. Each call then runs the whole population as one batch: every scenario
starts from the same state; year by year the levers are mapped onto hooks (:mod:`workshift.policy.mapping`);
the engine's own income and insurance accountants (extensions ``income``, ``insurance``) record each step.

Per step t: income_t = total income (wages, flexible income, benefits) x 52 / step_weeks (annual rate);
insurance_coverage_t = the engine's insured share of the labour force; earnings instability = the
standard deviation of flexible income / (wage + flexible income).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from workshift.market.extensions import income as income_ext
from workshift.market.extensions import insurance as insurance_ext
from workshift.market.hooks import PolicyHooks
from workshift.market.meanfield import Stepper
from workshift.market.meanfield import run as run_meanfield
from workshift.market.model import Model
from workshift.market.state import MarketState
from workshift.market.step import step as reference_step
from workshift.policy.calibration import Rates, calibrate_all
from workshift.policy.catalogue import Lever, packaged_levers
from workshift.policy.mapping import MAPPINGS, Context, combine
from workshift.policy.objectives import coverage, simulated_metrics
from workshift.policy.portfolio import CostModel, PortfolioSpace

REACH_LEVERS = ("training", "job_matching", "hiring_subsidy", "entrepreneurship", "ai_augmentation")


@dataclass
class Accounting:
    """Engine parameters of the income and insurance accountants (scenario values or documented defaults)."""

    wages: np.ndarray
    step_weeks: float
    income: bool
    insurance: bool
    replacement: float
    recipiency: float
    ui_steps: int
    flexible_ratio: float
    flexible_cv: float
    coverage_employed: float
    coverage_flexible: float

    @classmethod
    def from_scenario(cls, scenario, wages: np.ndarray, params) -> Accounting:
        par = scenario.parameter
        return cls(np.asarray(wages, float), params.step_weeks, params.on("income"), params.on("insurance"),
                   par("ui_replacement_ratio"), par("ui_recipiency"), int(par("ui_duration_steps")),
                   par("flexible_income_ratio"), par("flexible_income_cv"), par("coverage_employed"),
                   par("coverage_flexible"))

    def eligible_bins(self, tau: int) -> int:
        """Spell bins whose unemployed draw benefits (as the engine's accountants count them)."""
        return max(0, min(self.ui_steps - 1, tau - 1))

    def accountants(self, flex_coverage: np.ndarray, flex_income: np.ndarray) -> list:
        out = []
        if self.income:
            out.append(income_ext.accountant(self.wages, self.step_weeks, self.replacement, self.recipiency,
                                             self.ui_steps, self.flexible_ratio * flex_income[:, None],
                                             self.flexible_cv))
        if self.insurance:
            out.append(insurance_ext.accountant(self.coverage_employed, flex_coverage[:, None], self.recipiency,
                                                self.ui_steps))
        return out


def series_from_sums(sums: np.ndarray, flex_cov: np.ndarray, flex_income: np.ndarray, acc: Accounting,
                     per_year: float) -> dict[str, np.ndarray]:
    """The series of :func:`observe` from the fused kernel's sums over nodes (steps, 9, B) (see
    ``workshift.market.fused.AGGREGATES``); flex_cov and flex_income are (B, steps)."""
    e, f, unemployed, ltu, trainees, wage, flex_earn, elig_wage, elig = (sums[:, k].T for k in range(9))
    out = {"employed": e, "flexible": f, "unemployed": unemployed, "ltu": ltu,
           "labour_force": e + f + unemployed + trainees, "unstable": np.zeros_like(e)}
    if acc.income:
        flexible = acc.flexible_ratio * flex_income * flex_earn
        out["income"] = (wage + flexible + acc.replacement * acc.recipiency * elig_wage) * per_year
        out["unstable"] = acc.flexible_cv * flexible / np.maximum(wage + flexible, 1e-12) * (e + f)
    if acc.insurance:
        covered = acc.coverage_employed * e + flex_cov * f + acc.recipiency * elig + acc.recipiency * trainees
        lf = e + f + unemployed + trainees
        out["insured"] = np.where(lf > 0, covered / np.where(lf > 0, lf, 1.0), 0.0) * (e + f)
    return {k: np.ascontiguousarray(v) for k, v in out.items()}


def observe(state: MarketState, accountants: list, out: dict[str, np.ndarray], t: int, per_year: float) -> None:
    """One step's aggregates (persons; income as an annual rate) into the (B, T) series ``out``."""
    e, f, unemployed = state.e.sum(axis=1), state.f.sum(axis=1), (state.u + state.g).sum(axis=1)
    out["employed"][:, t] = e
    out["flexible"][:, t] = f
    out["unemployed"][:, t] = unemployed
    out["ltu"][:, t] = (state.hist[:, -1] + state.ghist[:, -1]).sum(axis=1)
    out["labour_force"][:, t] = e + f + unemployed + state.tr.sum(axis=1)
    for account in accountants:
        got = account(state)
        if "total_income" in got:
            out["income"][:, t] = got["total_income"] * per_year
            earned = got["wage_income"] + got["flexible_income"]
            out["unstable"][:, t] = got["flexible_income_sd"] / np.maximum(earned, 1e-12) * (e + f)
        if "insured" in got:
            out["insured"][:, t] = got["insurance_coverage_rate"] * (e + f)


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
    u_ref: np.ndarray  # (T,) unemployed without shock and policy
    lost: np.ndarray  # (T, n) target demand the shock removes from each node, max(0, unshocked - shocked)
    pool: float  # displaced and at-risk workers (coverage denominator)
    reference: dict[str, np.ndarray] = field(default_factory=dict)  # no-shock path: unemployment_rate, u_nodes

    @property
    def dt_years(self) -> float:
        return 1.0 / self.ctx.steps_per_year

    @property
    def levers(self) -> tuple[Lever, ...]:
        return self.space.levers

    def _series_keys(self) -> list[str]:
        keys = ["employed", "flexible", "unemployed", "ltu", "labour_force"]
        if self.accounting.income:
            keys += ["income"]
        if self.accounting.insurance:
            keys += ["insured", "unstable"]
        return keys

    def simulate(self, x: np.ndarray, record_nodes: bool = False) -> dict[str, Any]:
        """Run a population over the horizon: aggregate series (P, T) and, optionally, node paths (T, P, n).
        Without node paths the fused kernel runs (:mod:`workshift.market.fused`): the whole horizon in one
        call, sums over nodes only; with them, the engine's stepper and accountants step by step (same numbers)."""
        x = np.atleast_2d(np.asarray(x, dtype=float))
        if not record_nodes and self.model.demand.d0.shape[0] == 1:
            return {"series": self._simulate_fused(x)}
        batch, n, T = len(x), self.ctx.n, self.horizon_steps
        yearly = self.space.yearly(x)
        series = {k: np.zeros((batch, T)) for k in self._series_keys()}
        series.setdefault("unstable", np.zeros((batch, T)))
        nodes = {k: np.zeros((T, batch, n)) for k in ("e", "u", "f")} if record_nodes else None
        state = self.start.take(np.zeros(batch, dtype=int)).copy()
        per_year = 52.0 / self.accounting.step_weeks
        year, stepper, accountants, kept = -1, None, [], np.zeros(batch)
        for k in range(T):
            y = min(int(k / self.ctx.steps_per_year), self.space.horizon_years - 1)
            if y != year:
                year = y
                hooks, flex_cov, flex_income, kept = self._year_hooks(yearly, y, batch)
                accountants = self.accounting.accountants(flex_cov, flex_income)
                stepper = Stepper(self.model, PolicyHooks(**hooks).broadcast(batch, n))
            # = augmented_target(target, unshocked, x), with the loss precomputed
            target = self.model.demand.at(self.start_step + k + 1) + kept[:, None] * self.lost[k][None, :]
            state = stepper(state, target)
            observe(state, accountants, series, k, per_year)
            if nodes is not None:
                nodes["e"][k], nodes["u"][k], nodes["f"][k] = state.e, state.u + state.g, state.f
        out: dict[str, Any] = {"series": series}
        if nodes is not None:
            out["nodes"] = nodes
        return out

    def _year_hooks(self, yearly: np.ndarray, y: int, batch: int) -> tuple[dict, np.ndarray, np.ndarray,
                                                                              np.ndarray]:
        """Hooks (B, n) or (B, 1) of year y, flexible coverage (B,), flexible income factor (B,) and kept demand
        (B,)."""
        hooks, flex_cov, flex_income, kept = self._hooks_by_year(yearly, np.array([y]))
        return {k: v[0] for k, v in hooks.items()}, flex_cov[0], flex_income[0], kept[0]

    def _hooks_by_year(self, yearly: np.ndarray, years: np.ndarray) -> tuple[dict, np.ndarray, np.ndarray,
                                                                                 np.ndarray]:
        """Hooks (Y, B, n) or (Y, B, 1) for each of ``years``, flexible coverage, flexible income factor and
        kept demand (Y, B): every lever is mapped once for all years (the mappings are element-wise in the
        intensity, so the years stack along the batch axis)."""
        batch, n_years = yearly.shape[0], len(years)
        flat = yearly[:, :, years].transpose(2, 0, 1).reshape(n_years * batch, -1)  # row = year * B + b
        ids = [lv.id for lv in self.levers]
        parts = [MAPPINGS[lv.id](flat[:, i], self.ctx) for i, lv in enumerate(self.levers)]
        hooks = combine(parts, len(flat), self.ctx.n)
        cov = hooks.pop("flexible_coverage")[:, 0]
        flex_cov = np.where(np.isnan(cov), self.accounting.coverage_flexible, cov)
        flex_income = np.ones(len(flat))
        if "flexible_support" in ids:
            gain = self.levers[ids.index("flexible_support")].effect("income_gain")
            flex_income = 1.0 + gain * flat[:, ids.index("flexible_support")]
        kept = np.zeros(len(flat))
        if "ai_augmentation" in ids:
            aug = ids.index("ai_augmentation")
            kept = self.levers[aug].effect("augmentation_share") * np.clip(flat[:, aug], 0.0, 1.0)

        def by_year(a: np.ndarray) -> np.ndarray:
            return a.reshape(n_years, batch, *a.shape[1:])

        return ({k: by_year(v) for k, v in hooks.items()}, by_year(flex_cov), by_year(flex_income),
                by_year(kept))

    def _simulate_fused(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """The aggregate series of a population: the whole horizon, a hook set per year, in one fused call."""
        from workshift.market.fused import FusedRunner, NodeMajorState

        batch, T = len(x), self.horizon_steps
        acc = self.accounting
        if getattr(self, "_fused", None) is None:
            wage_step = acc.wages * acc.step_weeks / 52.0
            self._fused = FusedRunner(self.model, wage_step, acc.eligible_bins(self.model.params.ltu_steps))
            self._targets = np.stack([self.model.demand.at(self.start_step + k + 1)[0] for k in range(T)])
            self._start_nodes = NodeMajorState(self.start)
        year_of = np.minimum((np.arange(T) / self.ctx.steps_per_year).astype(int), self.space.horizon_years - 1)
        years, starts, segment = np.unique(year_of, return_index=True, return_inverse=True)
        hooks, flex_cov, flex_income, kept = self._hooks_by_year(self.space.yearly(x), years)
        # combine() returns arrays already clipped to the engine's bounds: no second check needed
        schedule = [PolicyHooks(**{k: v[j] for k, v in hooks.items()}) for j in range(len(years))]
        sums = self._fused.run_schedule(self._start_nodes.repeat(batch), schedule, starts, self._targets,
                                        self.lost[:T], kept)
        return series_from_sums(sums, flex_cov[segment].T, flex_income[segment].T, acc, 52.0 / acc.step_weeks)

    def metrics(self, x: np.ndarray, series: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        data = {k: v for k, v in series.items() if k in self._series_keys()}
        data["u_ref"] = self.u_ref
        values = simulated_metrics(data, self.dt_years)
        values["cost"] = self.costs.cost(x)
        values["coverage"] = coverage(self.reached(x), self.pool)
        return values

    def __call__(self, x: np.ndarray) -> dict[str, np.ndarray]:
        x = np.atleast_2d(np.asarray(x, dtype=float))
        return self.metrics(x, self.simulate(x)["series"])

    def reached(self, x: np.ndarray) -> np.ndarray:
        """(P, K) people reached by each programme over the horizon (ai_augmentation: covered jobs, peak)."""
        part = self.costs.participants(np.atleast_2d(x))
        cols = [part[:, i].max(axis=1) if lv.id == "ai_augmentation" else part[:, i].sum(axis=1)
                for i, lv in enumerate(self.levers) if lv.id in REACH_LEVERS]
        return np.column_stack(cols) if cols else np.zeros((len(part), 1))

    @classmethod
    def build(cls, built, space: PortfolioSpace, discount_rate: float = 0.0) -> PolicyEvaluator:
        """Prepare the evaluator for an engine model (``workshift.market.run.build``) and a portfolio space."""
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
        rates = Rates(f_step, base["separations"].sum() / base["employed"].sum(), steps_per_year / 12.0)
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
        )
        year_of_step = np.minimum((np.arange(T) / steps_per_year).astype(int), space.horizon_years - 1)
        at_risk = np.maximum(unshocked - shocked, 0.0).sum(axis=1)
        groups = {"unemployed": base["unemployed"], "flexible": base["flexible"], "employed": base["employed"],
                  "at_risk": at_risk}
        sizes = np.array([[groups[lv.target_group][year_of_step == y].mean() for y in range(space.horizon_years)]
                          for lv in space.levers])
        earnings = float(np.average(accounting.wages, weights=np.maximum(model.e0, 1e-9))
                         * accounting.flexible_ratio)
        unit = np.array([lv.cost.per_unit("USD", earnings=earnings) for lv in space.levers])
        costs = CostModel(space, unit, sizes, discount_rate)
        pool = float(at_risk[-1] + base["unemployed"].mean())
        reference = {"unemployment_rate": ref["unemployed_all"] / ref["labour_force"], "u_nodes": ref["u_nodes"],
                     "baseline_u_nodes": base["u_nodes"]}
        return cls(model, space, costs, ctx, accounting, start, start_step, T, ref["unemployed_all"],
                   np.maximum(unshocked - shocked, 0.0), pool, reference)


def baseline_flows(model: Model, start: MarketState, start_step: int, steps: int) -> dict[str, np.ndarray]:
    """The no-policy path over the horizon with the engine's reference step (it returns the flows)."""
    hooks = PolicyHooks().broadcast(1, model.n)
    state = start.copy()
    keys = ("employed", "unemployed", "flexible", "graduates", "hires_u", "hires_g", "separations",
            "flexible_entry", "unemployed_all", "labour_force")
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
        out["openings"][k] = flows.openings[0]
        out["unemployed_all"][k] = (state.u + state.g).sum()
        out["labour_force"][k] = state.labour_force().sum()
        out["u_nodes"] += (state.u + state.g)[0] / steps
    return out
