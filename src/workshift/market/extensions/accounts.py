"""Labour, income and insurance accounts: the one home of their formulas. The policy optimiser's fused
kernel and its step-by-step path turn the same nine sums over occupations per step
(:data:`workshift.market.fused.AGGREGATES`, :func:`state_sums`) into series with :func:`series_from_sums`;
the engine's per-state accountants (``income.accountant``, ``insurance.accountant``, used by ``simulate``)
count the eligible unemployed and the insured with the same functions.

Per step, with E employed, F flexible, U unemployed (incl. training graduates), TR trainees, LF = E + F + U +
TR, elig the unemployed within their benefit duration, w_i the annual wage of occupation i:

- wage income = sum_i (e_i - hc_i) w_i x (u_t / u_0) ^ beta (work sharing cuts hours, not jobs). The wage
  curve: wages fall when unemployment rises, with the elasticity beta = :data:`WAGE_CURVE` of pay with
  respect to the unemployment rate (Blanchflower & Oswald 1994, "The Wage Curve": about -0.1 across
  countries; Nijkamp & Poot 2005 meta-analysis, range about -0.07 to -0.1), u_0 the rate at the policy start;
- flexible income = flexible_income_ratio x (flexible-income gain of the policy) x sum_i f_i w_i;
- benefits = replacement x recipiency x sum_i elig_i w_i; income = their sum, at an annual rate;
- insured = coverage_employed E + coverage_flexible F + recipiency (elig + TR)       (persons);
- earnings shortfall (persons, for earnings stability over the whole labour force): a wage earner 0, a
  flexible worker the coefficient of variation of flexible income, an unemployed person or trainee the share
  of earnings not replaced, 1 - replacement x recipiency for those within their benefit duration, else 1.
  So a move from unemployment into flexible work raises stability, as it should.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workshift.market.state import MarketState

WAGE_CURVE = (-0.1, "Blanchflower, D. G. and Oswald, A. J. (1994). The Wage Curve. MIT Press: elasticity of pay "
                    "with respect to the local unemployment rate about -0.1; Nijkamp, P. and Poot, J. (2005), "
                    "J. Economic Surveys 19(3): meta-analysis, about -0.07 corrected for publication bias")


@dataclass
class Accounting:
    """Engine parameters of the income and insurance accounts (scenario values or documented defaults)."""

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
    wage_curve: float = WAGE_CURVE[0]
    unemployment_start: float = 0.0  # u_0 of the wage curve (share of the labour force); 0 = no wage curve

    @classmethod
    def from_scenario(cls, scenario, wages: np.ndarray, params) -> Accounting:
        par = scenario.parameter
        return cls(np.asarray(wages, float), params.step_weeks, params.on("income"), params.on("insurance"),
                   par("ui_replacement_ratio"), par("ui_recipiency"), int(par("ui_duration_steps")),
                   par("flexible_income_ratio"), par("flexible_income_cv"), par("coverage_employed"),
                   par("coverage_flexible"))

    @property
    def per_year(self) -> float:
        return 52.0 / self.step_weeks

    @property
    def wage_step(self) -> np.ndarray:
        return self.wages * self.step_weeks / 52.0

    def eligible_bins(self, tau: int) -> int:
        """Spell bins whose unemployed draw benefits."""
        return max(0, min(self.ui_steps - 1, tau - 1))


def eligible(state: MarketState, eligible_bins: int) -> np.ndarray:
    """(B, n) unemployed (and graduates) within their benefit duration: the first ``eligible_bins`` spell bins."""
    return state.hist[:, :eligible_bins].sum(axis=1) + state.ghist[:, :eligible_bins].sum(axis=1)


def insured(coverage_employed, coverage_flexible, recipiency, e, f, elig, trainees):
    """Persons insured: covered employees and flexible workers, benefit recipients (trainees count as covered
    unemployed, the inactive as not covered). Works on node arrays and on sums alike."""
    return coverage_employed * e + coverage_flexible * f + recipiency * (elig + trainees)


def state_sums(state: MarketState, wage_step: np.ndarray, eligible_bins: int) -> np.ndarray:
    """The nine AGGREGATES of one state (9, B), exactly as the fused kernel sums them."""
    eligible_now = eligible(state, eligible_bins)
    return np.stack([state.e.sum(axis=1), state.f.sum(axis=1), (state.u + state.g).sum(axis=1),
                     (state.hist[:, -1] + state.ghist[:, -1]).sum(axis=1), state.tr.sum(axis=1),
                     ((state.e - state.hc) * wage_step).sum(axis=1), (state.f * wage_step).sum(axis=1),
                     (eligible_now * wage_step).sum(axis=1), eligible_now.sum(axis=1)])


def series_from_sums(sums: np.ndarray, flex_cov: np.ndarray, flex_income: np.ndarray,
                     acc: Accounting) -> dict[str, np.ndarray]:
    """Series (B, steps) from the sums over occupations (steps, 9, B); flex_cov and flex_income (B, steps) are
    the flexible workers' insurance coverage and the policy's factor on flexible income."""
    e, f, unemployed, ltu, trainees, wage, flex_earn, elig_wage, elig = (sums[:, k].T for k in range(9))
    lf = e + f + unemployed + trainees
    out = {"employed": e, "flexible": f, "unemployed": unemployed, "ltu": ltu, "trainees": trainees,
           "labour_force": lf}
    replaced = acc.replacement * acc.recipiency
    out["shortfall"] = acc.flexible_cv * f + unemployed + trainees - replaced * (elig + trainees)
    if acc.income:
        rate = np.where(lf > 0, unemployed / np.where(lf > 0, lf, 1.0), 0.0)
        curve = (np.maximum(rate, 1e-9) / acc.unemployment_start) ** acc.wage_curve \
            if acc.unemployment_start > 0 else 1.0
        flexible = acc.flexible_ratio * flex_income * flex_earn
        out["income"] = (wage * curve + flexible + replaced * elig_wage) * acc.per_year
    if acc.insurance:
        out["insured"] = insured(acc.coverage_employed, flex_cov, acc.recipiency, e, f, elig, trainees)
    return {k: np.ascontiguousarray(v) for k, v in out.items()}
