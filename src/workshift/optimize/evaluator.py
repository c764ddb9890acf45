"""Evaluate whole populations of portfolios on the engine's batched mean-field.

:meth:`PolicyEvaluator.build` prepares, once per scenario: the state at the policy start (the no-policy run
up to the shock's start), the no-policy baseline over the horizon (its flows give the engine's rates for the
participant calibration and the target-group sizes that price the portfolios), the same economy without
the AI shock (the reference of ``ai_displacement``), and the calibration of every programme lever.
Each call then runs the whole population as one batch: every scenario starts from the same state; year by
year the levers are mapped onto hooks (:mod:`workshift.policy.mapping`), and each step's stocks are
accounted for the objectives (:mod:`workshift.policy.objectives`).

Accounting per step (persons, pack currency): insured = 0.95-covered employees (``coverage_employed``)
plus covered flexible workers; unstable = flexible workers x ``flexible_income_cv``; income = wages of the
employed + flexible income (``flexible_income_ratio`` x wage, raised by flexible_support) + unemployment
benefits (``ui_replacement_ratio`` x wage x ``ui_recipiency``), all at the node's annual mean wage.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from workshift.market.hooks import PolicyHooks
from workshift.market.meanfield import Stepper
from workshift.market.meanfield import run as run_meanfield
from workshift.market.model import Model
from workshift.market.params import value
from workshift.market.state import MarketState
from workshift.market.step import step as reference_step
from workshift.policy.calibration import Rates, calibrate_all
from workshift.policy.catalogue import Lever
from workshift.policy.mapping import MAPPINGS, Context, augmented_target, combine
from workshift.policy.objectives import coverage, simulated_metrics
from workshift.policy.portfolio import CostModel, PortfolioSpace

SERIES = ("employed", "flexible", "unemployed", "ltu", "labour_force", "insured", "unstable", "income")
REACH_LEVERS = ("training", "job_matching", "hiring_subsidy", "entrepreneurship", "ai_augmentation")


def _tile(state: MarketState, batch: int) -> MarketState:
    index = np.zeros(batch, dtype=int)
    return state.take(index).copy()


@dataclass
class Accounting:
    wages: np.ndarray  # (n,) annual mean wage per node
    coverage_employed: float
    flexible_cv: float
    flexible_ratio: float
    ui_rate: float  # replacement x recipiency

    @classmethod
    def defaults(cls, wages: np.ndarray) -> Accounting:
        return cls(np.asarray(wages, dtype=float), value("coverage_employed"), value("flexible_income_cv"),
                   value("flexible_income_ratio"), value("ui_replacement_ratio") * value("ui_recipiency"))

    def observe(self, state: MarketState, flex_coverage: np.ndarray, flex_income: np.ndarray,
                out: dict[str, np.ndarray], t: int) -> None:
        e, f = state.e, state.f
        unemployed = state.u + state.g
        out["employed"][:, t] = e.sum(axis=1)
        out["flexible"][:, t] = f.sum(axis=1)
        out["unemployed"][:, t] = unemployed.sum(axis=1)
        out["ltu"][:, t] = (state.hist[:, -1] + state.ghist[:, -1]).sum(axis=1)
        out["labour_force"][:, t] = (e + f + unemployed + state.tr).sum(axis=1)
        f_tot = out["flexible"][:, t]
        out["insured"][:, t] = self.coverage_employed * out["employed"][:, t] + flex_coverage * f_tot
        out["unstable"][:, t] = self.flexible_cv * f_tot
        out["income"][:, t] = (e @ self.wages + (f @ self.wages) * self.flexible_ratio * flex_income
                               + self.ui_rate * (unemployed @ self.wages))


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
    unshocked: np.ndarray  # (T, n) target demand without the shock, over the horizon
    pool: float  # displaced and at-risk workers (coverage denominator)
    wanted: tuple[str, ...] = ()

    @property
    def dt_years(self) -> float:
        return 1.0 / self.ctx.steps_per_year

    @property
    def levers(self) -> tuple[Lever, ...]:
        return self.space.levers

    def hooks_for_year(self, yearly: np.ndarray, year: int) -> dict[str, np.ndarray]:
        batch = yearly.shape[0]
        parts = [MAPPINGS[lv.id](yearly[:, i, year], self.ctx) for i, lv in enumerate(self.levers)]
        return combine(parts, batch, self.ctx.n)

    def simulate(self, x: np.ndarray, record_nodes: bool = False) -> dict[str, Any]:
        """Run a population over the horizon: aggregate series (P, T) and, optionally, node paths."""
        x = np.atleast_2d(np.asarray(x, dtype=float))
        batch, n, T = len(x), self.ctx.n, self.horizon_steps
        yearly = self.space.yearly(x)
        ids = [lv.id for lv in self.levers]
        series = {k: np.zeros((batch, T)) for k in SERIES}
        nodes = {k: np.zeros((T, batch, n)) for k in ("e", "u", "f")} if record_nodes else None
        state = _tile(self.start, batch)
        base_cov = self.ctx.coverage_flexible
        year = -1
        stepper = None
        flex_cov = np.full(batch, base_cov)
        flex_income = np.ones(batch)
        for k in range(T):
            y = min(int(k / self.ctx.steps_per_year), self.space.horizon_years - 1)
            if y != year:
                year = y
                hooks = self.hooks_for_year(yearly, y)
                cov = hooks.pop("flexible_coverage")
                flex_cov = np.where(np.isnan(cov[:, 0]), base_cov, cov[:, 0])
                if "flexible_support" in ids:
                    gain = self.space.levers[ids.index("flexible_support")].effect("income_gain")
                    flex_income = 1.0 + gain * yearly[:, ids.index("flexible_support"), y]
                stepper = Stepper(self.model, PolicyHooks(**hooks).broadcast(batch, n))
            target = self.model.demand.at(self.start_step + k + 1)
            if "ai_augmentation" in ids:
                lever = self.space.levers[ids.index("ai_augmentation")]
                target = augmented_target(np.broadcast_to(target, (batch, n)), self.unshocked[k][None, :],
                                          yearly[:, ids.index("ai_augmentation"), y], lever)
            state = stepper(state, target)
            self.accounting.observe(state, flex_cov, flex_income, series, k)
            if nodes is not None:
                nodes["e"][k], nodes["u"][k], nodes["f"][k] = state.e, state.u + state.g, state.f
        out: dict[str, Any] = {"series": series}
        if nodes is not None:
            out["nodes"] = nodes
        return out

    def __call__(self, x: np.ndarray) -> dict[str, np.ndarray]:
        x = np.atleast_2d(np.asarray(x, dtype=float))
        series = self.simulate(x)["series"]
        series["u_ref"] = self.u_ref
        values = simulated_metrics(series, self.dt_years)
        values["cost"] = self.costs.cost(x)
        values["coverage"] = coverage(self.reached(x), self.pool)
        return values

    def reached(self, x: np.ndarray) -> np.ndarray:
        """(P, K) people reached by each programme over the horizon (ai_augmentation: covered jobs, peak)."""
        part = self.costs.participants(x)
        cols = []
        for i, lv in enumerate(self.levers):
            if lv.id == "ai_augmentation":
                cols.append(part[:, i].max(axis=1))
            elif lv.id in REACH_LEVERS:
                cols.append(part[:, i].sum(axis=1))
        return np.column_stack(cols) if cols else np.zeros((len(x), 1))

    @classmethod
    def build(cls, model: Model, wages: np.ndarray, space: PortfolioSpace, unit_costs: dict[str, float] | None,
              start_step: int, steps_per_year: float, discount_rate: float = 0.0,
              flexible_earnings: float | None = None) -> PolicyEvaluator:
        """Prepare the evaluator (see the module docstring); ``unit_costs`` override catalogue costs."""
        T = int(round(space.horizon_years * steps_per_year))
        start = (run_meanfield(model, steps=start_step, batch=1).final if start_step > 0
                 else model.initial_state(1)).copy()
        accounting = Accounting.defaults(wages)
        no_shock = replace(model, demand=replace(model.demand, d_final=model.demand.d0.copy()))
        unshocked = np.stack([no_shock.demand.at(start_step + k + 1)[0] for k in range(T)])
        shocked = np.stack([model.demand.at(start_step + k + 1)[0] for k in range(T)])
        base = _baseline(model, start, start_step, T)
        ref = _baseline(no_shock, start, start_step, T)
        f_month = 1.0 - (1.0 - base["hires_u"].sum() / base["unemployed"].sum()) ** (steps_per_year / 12.0)
        rates = Rates(base["hires_u"].sum() / base["unemployed"].sum(),
                      base["separations"].sum() / base["employed"].sum(), steps_per_year / 12.0)
        levers = {lv.id: lv for lv in space.levers}
        from workshift.policy.catalogue import packaged_levers

        all_levers = {**packaged_levers(), **levers}
        ctx = Context(
            n=model.n, steps_per_year=steps_per_year, job_finding_month=f_month,
            unemployed=float(base["unemployed"].mean()), openings_per_step=base["openings"].mean(axis=0),
            employment=model.e0, growing=model.demand.d_final[0] > model.demand.d0[0],
            training_rate=model.params.training_rate if model.params.on("training") else 1.0,
            flexible_entry_per_step=float(base["flexible_entry"].mean()),
            coverage_flexible=value("coverage_flexible"), levers=all_levers,
            calibration=calibrate_all({k: v for k, v in levers.items()}, rates),
        )
        year_of_step = np.minimum((np.arange(T) / steps_per_year).astype(int), space.horizon_years - 1)
        at_risk = np.maximum(unshocked - shocked, 0.0).sum(axis=1)
        groups = {"unemployed": base["unemployed"], "flexible": base["flexible"], "employed": base["employed"],
                  "at_risk": at_risk}
        sizes = np.array([[groups[lv.target_group][year_of_step == y].mean() for y in range(space.horizon_years)]
                          for lv in space.levers])
        earnings = flexible_earnings if flexible_earnings is not None else float(
            (model.e0 @ wages) / model.e0.sum() * accounting.flexible_ratio)
        unit = np.array([(unit_costs or {}).get(lv.id) or lv.cost.per_unit("USD", earnings=earnings)
                         for lv in space.levers])
        costs = CostModel(space, unit, sizes, discount_rate)
        pool = float(at_risk[-1] + base["unemployed"].mean())
        return cls(model, space, costs, ctx, accounting, start, start_step, T, ref["unemployed"], unshocked,
                   pool)


def _baseline(model: Model, start: MarketState, start_step: int, steps: int) -> dict[str, np.ndarray]:
    """The no-policy path over the horizon with the engine's reference step (it returns the flows)."""
    hooks = PolicyHooks().broadcast(1, model.n)
    state = start.copy()
    keys = ("employed", "unemployed", "flexible", "labour_force", "hires_u", "separations", "flexible_entry")
    out = {k: np.zeros(steps) for k in keys}
    out["openings"] = np.zeros((steps, model.n))
    for k in range(steps):
        prev = state
        state, flows = reference_step(prev, model, hooks, model.demand.at(start_step + k + 1))
        out["employed"][k] = state.e.sum()
        out["unemployed"][k] = (state.u + state.g).sum()
        out["flexible"][k] = state.f.sum()
        out["labour_force"][k] = state.labour_force().sum()
        out["hires_u"][k] = (flows.u_hired + flows.g_hired).sum()
        out["separations"][k] = flows.separations.sum()
        out["flexible_entry"][k] = (flows.e_to_f + flows.u_to_f).sum()
        out["openings"][k] = flows.openings[0]
    return out
